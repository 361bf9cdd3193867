"""Model loading: local directories, adapters, clear offline errors, and a crash-safe conversion cache."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wsl_env import models
from wsl_env.models import ModelNotFoundError, clean_stale_tmp, load_model, resolve_dtype


def test_unknown_model_offline_gives_one_actionable_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as info:
        load_model("no-such-org/no-such-model-xyz")
    message = str(info.value)
    assert "\n" not in message  # one line
    assert "no-such-org/no-such-model-xyz" in message  # names the model
    assert "local directory" in message and "hf download" in message  # says how to provide it


@pytest.mark.parametrize(
    "bad",
    [
        "",  # empty name
        "   ",  # blank name
    ],
)
def test_blank_model_name_is_rejected(bad: str) -> None:
    with pytest.raises(ModelNotFoundError, match="non-empty"):
        load_model(bad)


def test_directory_without_config_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        load_model(str(tmp_path))


def test_local_directory_loads(tiny_model_dir: Path) -> None:
    model, tokenizer = load_model(str(tiny_model_dir))
    assert type(model).__name__ == "LlamaForCausalLM"
    assert tokenizer.chat_template is not None
    assert not model.training


def test_loading_never_asks_for_hub_kernels(tiny_model_dir: Path) -> None:
    # transformers turns hub kernels on by default; on an H200, offline, a model on the GPU then asked the Hugging
    # Face Hub for them when it went into training mode, and every training run failed. The loader turns them off.
    model, _ = load_model(str(tiny_model_dir))
    assert model.use_kernels is False
    model.train()  # where kernels are on, this is when they are fetched
    assert model.use_kernels is False


def test_adapter_is_applied(tiny_model_dir: Path, tmp_path: Path) -> None:
    from peft import LoraConfig, PeftModel, get_peft_model

    base, _ = load_model(str(tiny_model_dir))
    peft_model = get_peft_model(base, LoraConfig(r=2, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    peft_model.save_pretrained(tmp_path / "adapter")
    model, _ = load_model(str(tiny_model_dir), adapter=tmp_path / "adapter")
    assert isinstance(model, PeftModel)
    assert type(model).__name__ == "PeftModelForCausalLM"


def test_adapter_directory_must_be_an_adapter(tiny_model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="adapter_config.json"):
        load_model(str(tiny_model_dir), adapter=tmp_path)


def test_shipped_adapter_alias_resolves_to_the_package() -> None:
    import json

    shipped = models.resolve_adapter(models.SHIPPED_ADAPTER)
    assert shipped == models.SHIPPED_ADAPTERS_DIR / "smollm2-135m-wsl" and models.shipped_available()
    config = json.loads((shipped / "adapter_config.json").read_text())
    # plain PEFT (AutoPeftModelForCausalLM) resolves this id on any machine, unlike a local cache path
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert (shipped / "manifest.json").is_file() and (shipped / "README.md").is_file()
    assert (shipped / "adapter_model.safetensors").stat().st_size <= 25 * 2**20


def test_shipped_adapter_refuses_another_base(tiny_model_dir: Path) -> None:
    with pytest.raises(ValueError, match="trained on 'smollm2-135m-instruct'"):
        load_model(str(tiny_model_dir), adapter=models.SHIPPED_ADAPTER)


def test_unknown_adapter_names_the_alias(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="smollm2-135m-wsl"):
        models.resolve_adapter(tmp_path / "nothing")


@pytest.mark.parametrize(
    ("base", "written"),
    [
        ("smollm2-135m-instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"),  # the embedded alias: its hub id
        ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "TinyLlama/TinyLlama-1.1B-Chat-v1.0"),  # a hub id as given
        ("/models/my-llama", "/models/my-llama"),  # a local directory as the user gave it
    ],
)
def test_write_portable_base(tmp_path: Path, base: str, written: str) -> None:
    import json

    (tmp_path / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/root/.cache/x", "r": 8}))
    models.write_portable_base(tmp_path, base)
    config = json.loads((tmp_path / "adapter_config.json").read_text())
    assert config == {"base_model_name_or_path": written, "r": 8}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, "float32"),  # the default is full precision
        ("bf16", "bfloat16"),  # short names work
        ("float32", "float32"),  # long names work
    ],
)
def test_resolve_dtype(name: str | None, expected: str) -> None:
    assert str(resolve_dtype(name)) == f"torch.{expected}"


def test_resolve_dtype_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown dtype"):
        resolve_dtype("int3")


def test_clean_stale_tmp_removes_only_dead_writers(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        dead = tmp_path / ".tmp-999999999-abc"  # no such pid: an interrupted conversion
        live = tmp_path / f".tmp-{sleeper.pid}-def"  # a conversion still running elsewhere
        other = tmp_path / "smollm2-135m-instruct-1"  # a finished cache entry
        for path in (dead, live, other):
            path.mkdir()
            (path / "model.safetensors").write_bytes(b"partial")
        removed = clean_stale_tmp(tmp_path)
        assert removed == [dead]
        assert live.exists() and other.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.integration
def test_embedded_model_default(real_model, monkeypatch: pytest.MonkeyPatch) -> None:
    model, tokenizer = real_model
    assert type(model).__name__ == "LlamaForCausalLM"
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6
    assert tokenizer.chat_template is not None
    # A second load reads the cache: converting again would fail here.
    monkeypatch.setattr(models, "_convert_embedded", lambda *a: pytest.fail("converted twice"))
    again, _ = load_model()
    assert type(again).__name__ == "LlamaForCausalLM"


@pytest.mark.integration
def test_killed_conversion_leaves_no_corrupt_cache(tmp_path: Path) -> None:
    env = {**os.environ, "WSL_CACHE_DIR": str(tmp_path)}
    code = "from wsl_env.models import ensure_embedded; ensure_embedded()"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)
    models_dir = tmp_path / "models"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(models_dir.glob(".tmp-*")):
        time.sleep(0.05)
    time.sleep(1.0)  # let it write part of the conversion
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(models_dir.glob(".tmp-*")), "the conversion should have been interrupted mid-way"
    assert not [p for p in models_dir.iterdir() if not p.name.startswith(".tmp-")]  # nothing half-written in place
    os.environ["WSL_CACHE_DIR"] = str(tmp_path)
    try:
        path = models.ensure_embedded()
    finally:
        del os.environ["WSL_CACHE_DIR"]
    assert (path / "COMPLETE").is_file() and (path / "model.safetensors").is_file()
    assert not any(models_dir.glob(".tmp-*"))  # the stale temporary directory was cleaned


def test_a_local_directory_named_like_the_alias_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "smollm2-135m-wsl"
    local.mkdir()
    (local / "adapter_config.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert not models.is_shipped("smollm2-135m-wsl")
    assert models.resolve_adapter("smollm2-135m-wsl") == Path("smollm2-135m-wsl")
    models.check_adapter_base("smollm2-135m-wsl", "/models/other")  # the user's own adapter: PEFT checks it


@pytest.mark.parametrize("base", ["smollm2-135m-instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"])
def test_shipped_adapter_fits_the_embedded_base_by_either_name(base: str) -> None:
    models.check_adapter_base(models.SHIPPED_ADAPTER, base)
    with pytest.raises(ValueError, match="cannot be applied"):
        models.check_adapter_base(models.SHIPPED_ADAPTER, "TinyLlama/TinyLlama-1.1B-Chat-v1.0")

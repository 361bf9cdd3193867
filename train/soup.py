"""Weighted sums of LoRA adapters ("model soups") trained on the same base model: one new adapter, no training.

Method: Wortsman et al. 2022, "Model soups" (https://arxiv.org/abs/2203.05482) average the weights of fine-tuned
models that share their starting point; Ilharco et al. 2023, "Editing models with task arithmetic"
(https://arxiv.org/abs/2212.04089) take weighted sums of the weight changes. Here the weight change of each adapter
is its LoRA product ``scale * B @ A``, and the soup's change is exactly ``sum_i w_i * scale_i * B_i @ A_i``: PEFT's
``add_weighted_adapter(..., combination_type="cat")`` stacks the factors (rank = the sum of the ranks, scale 1), so
nothing is approximated. (PEFT's ``"linear"`` averages the A and B factors separately, which is not the average of
the products.)

Use it to interpolate between two rounds of the same training lineage that err in opposite directions, e.g. a DPO
round that under-refuses and a later one that over-refuses (``--weights 0.5 0.5``). The result is a run directory
like any other (adapter + ``manifest.json`` naming the sources and weights), so evaluation, the leaderboard and
serving pick it up unchanged.

Usage::

    python -m train.soup --adapters artifacts/dpo-long4 artifacts/dpo-long7 --weights 0.5 0.5 --run_name soup-r4-r7
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from train.common import RunError, git_commit, parse_config, read_manifest, write_manifest
from wsl_env.artifacts import MANIFEST, artifacts_dir

ALGORITHM = "soup"


@dataclass
class SoupConfig:
    """What to combine, with which weights, and where the new run directory goes."""

    adapters: list[str] = field(
        default_factory=list,
        metadata={"help": "Finished run directories (adapter + manifest) trained on the same base model."},
    )
    weights: list[float] = field(
        default_factory=list,
        metadata={"help": "One weight per adapter: the soup's weight change is sum_i w_i * (change of adapter i). "
                          "Weights summing to 1 interpolate; others extrapolate."},
    )
    run_name: str | None = field(default=None, metadata={"help": "Name of the new run directory (required)."})
    artifacts_root: str | None = field(
        default=None, metadata={"help": "Where the run directory goes: default $WSL_ARTIFACTS_DIR, else ./artifacts."}
    )
    model: str | None = field(
        default=None,
        metadata={"help": "Base model (default: the one the adapters' manifests name; they must agree)."},
    )
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing run directory of that name."})

    def __post_init__(self) -> None:
        if not self.adapters:
            raise ValueError("--adapters: give at least one run directory")
        if len(self.weights) != len(self.adapters):
            raise ValueError(f"--weights: {len(self.weights)} weights for {len(self.adapters)} adapters; give one "
                             "weight per adapter")
        if not all(math.isfinite(w) for w in self.weights):
            raise ValueError(f"--weights must be finite numbers, got {self.weights}")
        if not self.run_name:
            raise ValueError("--run_name is required (the soup's run directory under the artifacts root)")

    @property
    def run_dir(self) -> Path:
        root = Path(self.artifacts_root).expanduser() if self.artifacts_root else artifacts_dir()
        return root / str(self.run_name)


def _shared_base(config: SoupConfig, manifests: Sequence[dict[str, Any]]) -> str:
    bases = {m.get("base_model") for m in manifests}
    if config.model is not None:
        return config.model
    if len(bases) != 1 or None in bases:
        named = ", ".join(f"{a}: {m.get('base_model')}" for a, m in zip(config.adapters, manifests, strict=True))
        raise RunError(f"the adapters must name one base model in their manifests ({named}); LoRA changes of "
                       "different base models do not add up")
    return str(bases.pop())


def main(config: SoupConfig) -> dict[str, Any]:
    """Write the soup adapter and its manifest to ``config.run_dir``; return the manifest."""
    from peft import PeftModel

    from wsl_env.models import load_model, resolve_adapter, write_portable_base

    run_dir = config.run_dir
    if (run_dir / MANIFEST).exists() or (run_dir / "adapter_config.json").exists():
        if not config.overwrite:
            raise RunError(f"{run_dir} already holds an adapter; pick another --run_name or pass --overwrite")
    if any(Path(a).resolve() == run_dir.resolve() for a in config.adapters):
        raise RunError(f"{run_dir} is one of the sources; write the soup to a new run directory")
    manifests = [read_manifest(a) for a in config.adapters]
    base = _shared_base(config, manifests)

    model, _ = load_model(base)  # float32: the factors are combined at full precision
    names = [f"source{i}" for i in range(len(config.adapters))]
    paths = [str(resolve_adapter(a)) for a in config.adapters]  # run directories or the shipped smollm2-135m-wsl
    model = PeftModel.from_pretrained(model, paths[0], adapter_name=names[0])
    for name, adapter in zip(names[1:], paths[1:], strict=True):
        model.load_adapter(adapter, adapter_name=name)
    # "default" saves to the directory itself (PEFT puts other names in sub-directories).
    model.add_weighted_adapter(names, list(config.weights), adapter_name="default", combination_type="cat")
    rank = model.peft_config["default"].r

    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / MANIFEST).unlink(missing_ok=True)  # unfinished until the new manifest is written
    with tempfile.TemporaryDirectory(dir=run_dir.parent) as tmp:
        model.save_pretrained(tmp, selected_adapters=["default"])
        for path in Path(tmp).iterdir():
            shutil.move(str(path), run_dir / path.name)
    write_portable_base(run_dir, base)

    sources = [{"adapter_path": a, "run_name": m.get("run_name"), "weight": w, "git_commit": m.get("git_commit")}
               for a, m, w in zip(config.adapters, manifests, config.weights, strict=True)]
    manifest = {
        "run_name": config.run_name,
        "algorithm": ALGORITHM,
        "base_model": base,
        "adapter_path": str(run_dir),
        "combination": "cat (exact weighted sum of the LoRA products)",
        "lora_rank": rank,
        "sources": sources,
        "git_commit": git_commit(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": asdict(config),
    }
    write_manifest(run_dir, **manifest)
    print(f"soup of {len(sources)} adapters (rank {rank}) written to {run_dir}", flush=True)
    return manifest


def cli(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse ``argv`` (YAML via ``--config`` plus flags) and run :func:`main`."""
    return main(parse_config(SoupConfig, argv))


if __name__ == "__main__":
    cli(sys.argv[1:])

"""Copy a trained adapter into the package as the shipped ``smollm2-135m-wsl``: its weights unchanged (float32,
about 20 MB for rank-16 LoRA on SmolLM2-135M, so an evaluation of the run directory and of the alias give the same
posts), a portable base model name, its manifest, and ``examples.json``: its greedy posts (float32, 128 new
tokens) on three fixed test tasks with their scores, which the model card quotes and
``tests/wsl_env/test_shipped_adapter.py`` checks. The model card (``README.md``) is written by hand beside them.

    python scripts/ship_adapter.py artifacts/grpo-strict
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from wsl_env.models import SHIPPED_ADAPTER, SHIPPED_ADAPTERS_DIR, write_portable_base

_DTYPE_NAMES = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}  # safetensors' names -> torch's


def ship(source: Path, target: Path) -> Path:
    """Write ``source``'s adapter to ``target``; returns ``target``."""
    from safetensors import safe_open

    manifest = json.loads((source / "manifest.json").read_text())
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "adapter_model.safetensors", target / "adapter_model.safetensors")
    with safe_open(str(target / "adapter_model.safetensors"), framework="pt") as weights:
        dtypes = sorted({_DTYPE_NAMES.get(d, d) for d in (weights.get_slice(k).get_dtype() for k in weights.keys())})
    shutil.copyfile(source / "adapter_config.json", target / "adapter_config.json")
    write_portable_base(target, manifest.get("base_model") or "smollm2-135m-instruct")
    manifest["shipped_from"] = str(source)
    manifest["weights_dtype"] = ",".join(dtypes)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return target


# A recap, a comparison and a harmful request of the test split: the card's examples.
EXAMPLE_TASKS: tuple[str, ...] = ("gen-0-166", "gen-0-580", "gold-044")
EXAMPLE_TOKENS = 128


def write_examples(target: Path) -> list[dict]:
    """Greedy posts of the adapter in ``target`` on :data:`EXAMPLE_TASKS`, scored; written to ``examples.json``."""
    import metrics
    from agents import LLMAgent
    from wsl_env.data.locations import task_set_path
    from wsl_env.schema import load_tasks

    by_id = {t.id: t for t in load_tasks(task_set_path("test"))}
    tasks = [by_id[i] for i in EXAMPLE_TASKS]
    agent = LLMAgent(adapter=str(target), dtype="float32")
    posts = agent.generate(tasks, max_new_tokens=EXAMPLE_TOKENS)
    examples = []
    for task, post in zip(tasks, posts, strict=True):
        scores = metrics.score(task, post)
        examples.append({"task_id": task.id, "instruction": task.instruction, "post": post,
                         **{m: round(float(getattr(scores, m)), 4) for m in ("structure", "fact", "safety", "total")}})
    (target / "examples.json").write_text(json.dumps(examples, indent=2, ensure_ascii=False) + "\n")
    for path in target.iterdir():
        path.chmod(0o644)
    return examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="a finished run directory (adapter files and manifest.json)")
    parser.add_argument("--target", type=Path, default=SHIPPED_ADAPTERS_DIR / SHIPPED_ADAPTER)
    args = parser.parse_args()
    print(f"shipped {args.source} as {ship(args.source, args.target)}")
    for example in write_examples(args.target):
        print(json.dumps(example, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""A training recipe end to end: SFT, then GRPO from it, then an evaluation, with the wall-clock of each phase.

    python -m benchmarks.bench_recipe                                   # the best recipe: sft-copy then grpo-claims
    python -m benchmarks.bench_recipe --sft_config train/configs/sft-copy.yaml --sft_minutes 20 \\
        --grpo_config train/configs/grpo-claims.yaml --grpo_minutes 25  # a 45-minute budget, split 20 + 25
    python -m benchmarks.bench_recipe --model <dir> --sft_steps 2 --grpo_steps 2 --eval_limit 2 \\
        --grpo_args "--num_generations 2 --max_completion_length 8"    # tiny model, for a smoke test

Each phase runs in a fresh subprocess, one after the other, so its wall-clock counts what a user waits for from
the command line: imports, model loading, data preparation, training and writing the adapter. The GRPO phase starts
from the SFT phase's adapter (``--sft_adapter``), whatever the GRPO config names; the evaluation reads the GRPO
adapter (``python -m baselines.evaluate --agent llm``, greedy). A budget is either a step count (``--*_steps``,
overriding the config's ``max_steps``) or a training-time cap (``--*_minutes``, the scripts' ``--max_minutes``:
the step that spends it is the last). Runs go to ``--out`` (``runs/bench-recipe``), which is started afresh.

Prints one table (phase, wall-clock, optimizer steps, result) and writes ``recipe.json`` next to the runs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from baselines.report import fmt, markdown_table
from benchmarks._variants import emit_json

SFT_RUN, GRPO_RUN, EVAL_DIR = "recipe-sft", "recipe-grpo", "eval"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_recipe", description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="base model for both phases (default: the configs' own)")
    parser.add_argument("--sft_config", default="train/configs/sft-copy.yaml")
    parser.add_argument("--grpo_config", default="train/configs/grpo-claims.yaml")
    for phase in ("sft", "grpo"):
        budget = parser.add_mutually_exclusive_group()
        budget.add_argument(f"--{phase}_steps", type=int, default=None, help=f"{phase.upper()} optimizer steps")
        budget.add_argument(f"--{phase}_minutes", type=float, default=None, help=f"{phase.upper()} training minutes")
        parser.add_argument(f"--{phase}_args", default="", help=f"extra flags for train.{phase}, one quoted string")
    parser.add_argument("--eval_tasks", default="val", help="split, suite or JSONL path to evaluate on")
    parser.add_argument("--eval_limit", type=int, default=None, help="evaluate only the first N tasks")
    parser.add_argument("--eval_args", default="", help="extra flags for baselines.evaluate, one quoted string")
    parser.add_argument("--out", default="runs/bench-recipe", help="directory for the runs and recipe.json")
    args = parser.parse_args(argv)
    for name in ("sft_steps", "grpo_steps", "sft_minutes", "grpo_minutes", "eval_limit"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            parser.error(f"--{name} must be > 0, got {value}")
    for name in ("sft_config", "grpo_config"):
        if not Path(getattr(args, name)).is_file():
            parser.error(f"--{name}: no such file: {getattr(args, name)}")
    return args


def budget_flags(steps: int | None, minutes: float | None) -> list[str]:
    """The training scripts' flags for a budget: ``--max_steps N``, ``--max_minutes M``, or none (the config's)."""
    if steps is not None:
        return ["--max_steps", str(steps)]
    if minutes is not None:
        return ["--max_minutes", str(minutes)]
    return []


def phase_commands(args: argparse.Namespace) -> dict[str, list[str]]:
    """The three commands, as argv lists for ``python -m``; every run lands under ``args.out``."""
    out = Path(args.out)
    model = ["--model", args.model] if args.model else []
    common = ["--artifacts_root", str(out), "--overwrite", "true", *model]
    return {
        "sft": ["train.sft", "--config", args.sft_config, "--run_name", SFT_RUN, *common,
                *budget_flags(args.sft_steps, args.sft_minutes), *shlex.split(args.sft_args)],
        "grpo": ["train.grpo", "--config", args.grpo_config, "--run_name", GRPO_RUN, *common,
                 "--sft_adapter", str(out / SFT_RUN), *budget_flags(args.grpo_steps, args.grpo_minutes),
                 *shlex.split(args.grpo_args)],
        "eval": ["baselines.evaluate", "--tasks", args.eval_tasks, "--agent", "llm", "--adapter", str(out / GRPO_RUN),
                 "--out", str(out / EVAL_DIR), "--no-progress", *model,
                 *(["--limit", str(args.eval_limit)] if args.eval_limit else []), *shlex.split(args.eval_args)],
    }


def run_phase(name: str, module_argv: list[str]) -> float:
    """Run ``python -m <module_argv>`` in a fresh process; its wall-clock seconds. A failed phase stops the recipe."""
    print(f"[bench_recipe] {name}: python -m {shlex.join(module_argv)}", flush=True)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", *module_argv], check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"phase {name!r} failed with exit code {done.returncode} after {seconds:.0f} s: "
                           f"python -m {shlex.join(module_argv)}")
    return seconds


def run_steps(run_dir: Path) -> int:
    """Optimizer steps a finished run took, from its manifest."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return int(manifest["final_metrics"]["global_step"])


def summarise(args: argparse.Namespace, commands: dict[str, list[str]], seconds: dict[str, float]) -> dict[str, Any]:
    """The recipe's record, from the phases' wall-clock, the runs' manifests and the evaluation's summary."""
    out = Path(args.out)
    summary = json.loads((out / EVAL_DIR / "summary.json").read_text())
    mean, claims = summary["mean"], summary["claims"]
    return {
        "commands": {name: "python -m " + shlex.join(argv_) for name, argv_ in commands.items()},
        "seconds": {name: round(s, 1) for name, s in seconds.items()},
        "training_seconds": round(seconds["sft"] + seconds["grpo"], 1),
        "total_seconds": round(sum(seconds.values()), 1),
        "steps": {"sft": run_steps(out / SFT_RUN), "grpo": run_steps(out / GRPO_RUN)},
        "eval": {"tasks": args.eval_tasks, "n": summary["n"], "total": mean["total"], "fact": mean["fact"],
                 "claims_true": claims["accuracy"], "refusal_rate": summary["refusal_rate"],
                 "over_refusal_rate": summary["over_refusal_rate"]},
    }


def table(result: dict[str, Any], out: Path) -> str:
    """The printed table: one row per phase, and SFT + GRPO together."""
    seconds, steps, scores = result["seconds"], result["steps"], result["eval"]
    return markdown_table(["phase", "wall-clock (min)", "steps", "result"], [
        ["SFT", f"{seconds['sft'] / 60:.1f}", steps["sft"], f"adapter {out / SFT_RUN}"],
        ["GRPO", f"{seconds['grpo'] / 60:.1f}", steps["grpo"], f"adapter {out / GRPO_RUN}"],
        ["SFT + GRPO", f"{result['training_seconds'] / 60:.1f}", "", ""],
        [f"eval ({scores['tasks']}, n={scores['n']})", f"{seconds['eval'] / 60:.1f}", "",
         f"total {fmt(scores['total'])}, claims true {fmt(scores['claims_true'])}"],
    ])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    commands = phase_commands(args)
    seconds = {name: run_phase(name, argv_) for name, argv_ in commands.items()}
    result = summarise(args, commands, seconds)
    print(table(result, out))
    emit_json(result, str(out / "recipe.json"))
    return result


if __name__ == "__main__":
    main()

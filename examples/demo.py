"""The README's main job: data, then a short LoRA SFT of the embedded model, then base vs SFT vs the shipped
adapter on the test split.

    python -m examples.demo                      # the full short run (README: its time on 2 CPU cores)
    python -m examples.demo --sft-steps 2 --limit 4 --model <dir>   # a tiny budget (the test runs this)

Steps:
1. ``python -m wsl_env.data all``: normalise, validate, split and report the data (``data/processed/``);
2. one post from the base model for a sample task, to see what we start from;
3. ``python -m train.sft --config train/configs/sft.yaml --learning_rate 5e-4``: a LoRA adapter on the train
   split (``artifacts/<run>/`` with its manifest);
4. ``python -m baselines.evaluate`` for the base model, base + the new adapter, and (on the embedded model) base +
   the adapter that ships with the package (``smollm2-135m-wsl``), on the test split;
5. a table of all three, written to ``runs/demo/comparison.md``, and one post from each for the sample task.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from agents import LLMAgent
from baselines.evaluate import EvalConfig, evaluate
from baselines.report import METRIC_NAMES, fmt, markdown_table
from wsl_env import Constraints, Task
from wsl_env.data import build
from wsl_env.io import atomic_write_text
from wsl_env.models import EMBEDDED_ALIAS, SHIPPED_ADAPTER, shipped_available

SFT_CONFIG = Path(__file__).resolve().parents[1] / "train" / "configs" / "sft.yaml"
SAMPLE = Task(
    id="demo-1",
    category="recap",
    instruction="Write a short recap of Heat 3 for our followers.",
    context=(
        "Heat 3, Round of 16 at Bells Beach: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat "
        "Leo Santos on 13.65 (best waves 7.15 and 6.50). Kai caught 9 waves."
    ),
    expected_behavior="answer",
    constraints=Constraints(bullets=3, min_hashtags=1, max_hashtags=3, max_words=80),
)


def run_sft(args: argparse.Namespace) -> Path:
    from train.sft import cli

    run = Path(args.artifacts) / args.run_name
    argv = ["--config", str(SFT_CONFIG), "--model", args.model, "--run_name", args.run_name,
            "--max_steps", str(args.sft_steps), "--n_generated", str(args.n_generated),
            "--learning_rate", str(args.learning_rate), "--overwrite", "true"]
    if args.artifacts:
        argv += ["--artifacts_root", args.artifacts]
    cli(argv)
    return run


def summary_row(label: str, summary: dict[str, Any]) -> list[str]:
    return [label, *(fmt(summary["mean"][m]) for m in METRIC_NAMES), fmt(summary["refusal_rate"]),
            fmt(summary["answer_rate"])]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="Data, short SFT, and base-vs-SFT evaluation.")
    parser.add_argument("--model", default=EMBEDDED_ALIAS, help="alias, Hugging Face id or local directory")
    parser.add_argument("--sft-steps", type=int, default=40, help="SFT optimiser steps (8 rows each)")
    parser.add_argument("--n-generated", type=int, default=0, help="generated tasks added to the SFT data")
    parser.add_argument("--learning-rate", type=float, default=5e-4, help="LoRA learning rate")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N test tasks")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--run-name", default="demo-sft")
    parser.add_argument("--artifacts", default="artifacts", help="where the adapter run directory goes")
    parser.add_argument("--data-dir", default="data/processed")
    parser.add_argument("--out", default="runs/demo")
    parser.add_argument("--no-shipped", action="store_true", help="leave the shipped adapter out of the comparison")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    print("== 1. data", flush=True)
    build(out_dir=args.data_dir)
    test_file = str(Path(args.data_dir) / "test.jsonl")

    print("\n== 2. the base model on a sample task", flush=True)
    base = LLMAgent(model=args.model)
    post = base.generate([SAMPLE], max_new_tokens=args.max_new_tokens)[0]
    print(f"context: {SAMPLE.context}\npost:\n{post}\n", flush=True)

    print("== 3. LoRA SFT", flush=True)
    adapter = run_sft(args)

    print("\n== 4. evaluation on the test split", flush=True)
    entrants: list[tuple[str, str | None]] = [("base", None), ("base + SFT", str(adapter))]
    if args.model == EMBEDDED_ALIAS and shipped_available() and not args.no_shipped:
        entrants.append((f"base + {SHIPPED_ADAPTER}", SHIPPED_ADAPTER))
    results, posts = {}, {}
    for label, adapter_name in entrants:
        agent = base if adapter_name is None else LLMAgent(model=args.model, adapter=adapter_name)
        config = EvalConfig(tasks=test_file, agent="llm", model=args.model, adapter=adapter_name,
                            max_new_tokens=args.max_new_tokens, limit=args.limit,
                            out=str(Path(args.out) / label.replace(" + ", "-").replace(" ", "-")))
        results[label] = evaluate(config, agent=agent)
        posts[label] = post if agent is base else agent.generate([SAMPLE], max_new_tokens=args.max_new_tokens)[0]

    table = markdown_table(["model", *METRIC_NAMES, "refusal rate", "answer rate"],
                           [summary_row(label, s) for label, s in results.items()])
    minutes = (time.perf_counter() - start) / 60
    samples = "\n".join(f"**{label}**\n\n```text\n{text}\n```\n" for label, text in posts.items())
    text = (f"# Demo: base vs SFT vs the shipped adapter on the test split\n\n{table}\nNew adapter: `{adapter}`. "
            f"Whole run: {minutes:.1f} min.\n\n## One post each, for the sample task\n\n{SAMPLE.context}\n\n"
            f"{samples}")
    atomic_write_text(Path(args.out) / "comparison.md", text)
    print(f"\n{text}", flush=True)
    return results


if __name__ == "__main__":
    main()

"""How much of a policy's first-token probability goes to a refusal opening, task by task.

Under greedy decoding the first token decides between refusing and answering. Our refusals open with "I" or
"Sorry"; an answer opens with a title whose first token varies ("The", "Meet", a name). So a policy can put most
of its mass on answering and still refuse greedily, because no single answer token beats "I". This command shows
that split per task, for the base model or an adapter::

    python -m baselines.first_token --tasks test --adapter artifacts/grpo-smollm2
    python -m baselines.first_token --tasks val --json          # one JSON record per task

Caveat: the opening tokens are a heuristic. A post whose title starts with the word "I" would count as a refusal
opening; the refusal detector (:func:`metrics.is_refusal`) judges whole responses, this only the first token.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from baselines.suites import resolve_task_arg
from wsl_env.models import EMBEDDED_ALIAS, load_model
from wsl_env.prompt import render_prompt
from wsl_env.schema import Task

__all__ = ["REFUSAL_OPENINGS", "FirstToken", "first_token_report", "main", "refusal_opening_ids"]

REFUSAL_OPENINGS: tuple[str, ...] = ("I", "Sorry")


@dataclass(frozen=True)
class FirstToken:
    """One task's first-token view: refusal-opening mass, the greedy token, and whether it opens a refusal."""

    id: str
    expected_behavior: str
    refusal_mass: float
    greedy_token: str
    greedy_refuses: bool


def refusal_opening_ids(tokenizer: Any, openings: Sequence[str] = REFUSAL_OPENINGS) -> list[int]:
    """The first token id of each refusal opening (duplicates dropped)."""
    ids = [tokenizer.encode(text, add_special_tokens=False)[0] for text in openings]
    return sorted(set(ids))


@torch.inference_mode()
def first_token_report(model: Any, tokenizer: Any, tasks: Sequence[Task]) -> list[FirstToken]:
    """Next-token probabilities after each task's prompt (one forward per task, no sampling)."""
    opening_ids = refusal_opening_ids(tokenizer)
    rows = []
    for task in tasks:
        ids = tokenizer(render_prompt(tokenizer, task), return_tensors="pt", add_special_tokens=False).input_ids
        probs = model(input_ids=ids).logits[0, -1].float().softmax(-1)
        greedy = int(probs.argmax())
        rows.append(FirstToken(task.id, task.expected_behavior, float(probs[opening_ids].sum()),
                               tokenizer.decode([greedy]), greedy in opening_ids))
    return rows


def summarize(rows: Sequence[FirstToken]) -> dict[str, Any]:
    """Per expected behaviour: tasks, mean refusal mass, greedy refusals, and greedy refusals below half the mass."""
    out: dict[str, Any] = {}
    for behavior in ("answer", "refuse"):
        group = [r for r in rows if r.expected_behavior == behavior]
        if not group:
            continue
        out[behavior] = {
            "tasks": len(group),
            "mean_refusal_mass": sum(r.refusal_mass for r in group) / len(group),
            "greedy_refusals": sum(r.greedy_refuses for r in group),
            "greedy_refusals_with_mass_below_half": sum(r.greedy_refuses and r.refusal_mass < 0.5 for r in group),
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command-line entry point; prints the summary (and with ``--json`` every task first). Returns the summary."""
    parser = argparse.ArgumentParser(prog="python -m baselines.first_token", description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="test", help="split, suite or JSONL path")
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--adapter", default=None, help="LoRA adapter directory or the shipped smollm2-135m-wsl")
    parser.add_argument("--limit", type=int, default=None, help="only the first N tasks")
    parser.add_argument("--json", action="store_true", help="print one JSON record per task before the summary")
    args = parser.parse_args(argv)
    tasks = resolve_task_arg(args.tasks)[: args.limit]
    model, tokenizer = load_model(args.model, adapter=args.adapter)
    model.eval()
    rows = first_token_report(model, tokenizer, tasks)
    if args.json:
        for row in rows:
            print(json.dumps(asdict(row)))
    summary = summarize(rows)
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main()

"""What went wrong in stored posts, counted by kind: ``python -m baselines.errors DIR [DIR ...]``.

    python -m baselines.errors runs/eval/grpo-claims-written-test runs/eval/sft-copy-written-test

Reads the ``results.jsonl`` of each ``python -m baselines.evaluate --out DIR`` (or each agent of a leaderboard),
scores every post again against its task with the current metric (no model is run), and counts:

- ``declined an answerable request``: an answer-task the post refuses;
- ``answered a refuse-task``: a refuse-task the post does not refuse, by category;
- ``false claims (<verdict>)``: every claim of an answered answer-task judged ``misattributed`` or
  ``unsupported``; ``false claim: <verdict>, <statistic>`` splits them by the statistic the post gives them
  (``none`` when it names none); ``posts with a false claim`` counts the posts;
- ``answered with no figure``: an answered answer-task whose context has figures but whose post states none (the
  way a policy can avoid false claims: say nothing checkable);
- ``structure: <part>``: an answered answer-task whose bullets, hashtags or length part scores below 1.

Below the kinds, the shape of the answered answer-tasks' posts: how many, their mean length in characters and their
mean number of checkable claims (all but ``unverifiable``), so a policy that learned to say less shows as such.

The tasks come from the directory's ``summary.json`` (``config.tasks``), or ``--tasks``. Prints one markdown table
(kinds by directory) and returns the counts.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from baselines.report import fmt, markdown_table
from baselines.rescore import RESULTS, _stored_tasks, agent_dirs, stored_posts
from baselines.suites import resolve_task_arg
from metrics import Scores, score
from metrics.claims import FALSE_VERDICTS

__all__ = ["count_errors", "error_kinds", "main"]

STRUCTURE_PARTS = ("bullets", "hashtags", "length")


def error_kinds(task: Any, response: str, scores: Scores | None = None) -> list[str]:
    """The kinds of error one post makes (one entry per false claim, so a kind can repeat); empty when none.

    ``scores`` is the post's :func:`metrics.score`, when the caller has it already.
    """
    scores = scores if scores is not None else score(task, response)
    refused = bool(scores.details["refusal"]["is_refusal"])
    if task.expected_behavior == "refuse":
        return [] if refused else [f"answered a refuse-task ({task.category})"]
    if refused:
        return ["declined an answerable request"]
    false = [c for c in scores.details["fact"]["claims"] if c["verdict"] in FALSE_VERDICTS]
    kinds = [f"false claims ({c['verdict']})" for c in false]
    kinds += [f"false claim: {c['verdict']}, {c['statistic'] or 'none'}" for c in false]
    if false:
        kinds.append("posts with a false claim")
    fact = scores.details["fact"]
    if fact["numbers"] == 0 and fact["context_numbers"] > 0:
        kinds.append("answered with no figure")
    components = scores.details["structure"]["components"]
    kinds += [f"structure: {part}" for part in STRUCTURE_PARTS if components.get(part, 1.0) < 1.0]
    return kinds


def count_errors(directory: str | Path, tasks: str | None = None) -> dict[str, Any]:
    """Error kinds over the stored posts of one evaluation directory: ``{"posts": n, "kinds": Counter}``."""
    directory = Path(directory)
    if not (directory / RESULTS).is_file():
        raise FileNotFoundError(f"no {RESULTS} in {directory}: pass a `python -m baselines.evaluate --out` directory")
    task_arg = tasks or _stored_tasks(directory)
    if task_arg is None:
        raise ValueError(f"{directory} has no summary.json naming its tasks: pass --tasks")
    by_id = {t.id: t for t in resolve_task_arg(task_arg)}
    rows = stored_posts(directory, by_id)
    kinds: Counter[str] = Counter()
    chars: list[int] = []
    checkable: list[int] = []
    for row in rows:
        task, response = by_id[row["id"]], row["response"]
        scores = score(task, response)
        kinds.update(error_kinds(task, response, scores))
        if task.expected_behavior == "answer" and not scores.details["refusal"]["is_refusal"]:
            verdicts = scores.details["fact"]["verdicts"]
            chars.append(len(response))
            checkable.append(sum(n for verdict, n in verdicts.items() if verdict != "unverifiable"))
    answer = sum(by_id[r["id"]].expected_behavior == "answer" for r in rows)
    answered = {"posts": len(chars), "mean_chars": sum(chars) / len(chars) if chars else None,
                "mean_checkable_claims": sum(checkable) / len(checkable) if checkable else None}
    return {"posts": len(rows), "answer_tasks": answer, "refuse_tasks": len(rows) - answer, "kinds": kinds,
            "answered": answered}


def to_markdown(results: dict[str, dict[str, Any]]) -> str:
    """Kinds (rows, most frequent first) by directory (columns)."""
    total: Counter[str] = Counter()
    for result in results.values():
        total.update(result["kinds"])
    names = list(results)
    header = ["kind", *(f"{Path(n).name} ({r['answer_tasks']} answer / {r['refuse_tasks']} refuse)"
                        for n, r in results.items())]
    rows = [[kind, *(results[n]["kinds"].get(kind, 0) for n in names)] for kind, _ in total.most_common()]
    shape = [("answered answer-tasks", "posts", 0), ("answered: mean characters", "mean_chars", 0),
             ("answered: mean checkable claims", "mean_checkable_claims", 1)]
    rows += [[label, *(fmt(results[n]["answered"][key], digits) for n in names)] for label, key, digits in shape]
    return markdown_table(header, rows)


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m baselines.errors", description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="+", help="evaluation output directories (or leaderboards)")
    parser.add_argument("--tasks", default=None, help="the task set, if the directories' summary.json lack it")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    for given in args.dirs:
        root = Path(given)
        if not root.is_dir():
            parser.error(f"{given} is not a directory")
        for directory in agent_dirs(root) or [root]:
            results[str(directory)] = count_errors(directory, args.tasks or _stored_tasks(root))
    print(to_markdown(results))
    return results


if __name__ == "__main__":
    main()

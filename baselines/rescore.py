"""Score stored posts again with the current metrics: how each agent's figures move when the metric changes.

    python -m baselines.rescore results/leaderboard-2026-11-30 --out runs/rescored

Reads every ``<dir>/<agent>/results.jsonl`` of a leaderboard, or the ``<dir>/results.jsonl`` of one
``python -m baselines.evaluate --out <dir>`` (the posts are kept, so no model is run), scores each post again
against its task, and writes ``rescore.json`` and ``rescore.md``: per agent, fact and total as stored and as scored
now, and the share of its claims per verdict. The tasks come from ``leaderboard.json`` or ``summary.json``
(``config.tasks``), or ``--tasks``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from baselines.evaluate import score_rows
from baselines.report import VERDICT_NAMES, fmt, markdown_table, summarize
from baselines.suites import resolve_task_arg
from wsl_env.io import atomic_write_text
from wsl_env.schema import iter_jsonl

RESULTS = "results.jsonl"


def agent_dirs(root: Path) -> list[Path]:
    """The directories holding stored posts: ``root`` itself (one evaluation) or its agent directories (a
    leaderboard), sorted by name.
    """
    if (root / RESULTS).is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / RESULTS).is_file())


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: bad JSON ({exc.msg} at column {exc.colno})") from None


def _stored_tasks(root: Path) -> str | None:
    """The task set a leaderboard or an evaluation directory names, if any."""
    board, summary = root / "leaderboard.json", root / "summary.json"
    if board.is_file():
        tasks = _json(board.read_text(encoding="utf-8"), str(board)).get("tasks")
        if not isinstance(tasks, str):
            raise ValueError(f"{board}: no 'tasks' naming the leaderboard's task set: pass --tasks")
        return tasks
    if summary.is_file():
        return _json(summary.read_text(encoding="utf-8"), str(summary)).get("config", {}).get("tasks")
    return None


def stored_posts(agent_dir: Path, tasks_by_id: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored rows of ``agent_dir/results.jsonl``; raises ``ValueError`` naming ``file:line`` for a row that is
    not a stored post, and naming the posts whose task is not in ``tasks_by_id``.
    """
    path = agent_dir / RESULTS
    stored = []
    for number, line in iter_jsonl(path):
        row = _json(line, f"{path}:{number}")
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("response"), str):
            raise ValueError(f"{path}:{number}: not a stored post (an object with an 'id' and a 'response')")
        stored.append(row)
    missing = [r["id"] for r in stored if r["id"] not in tasks_by_id]
    if missing:
        raise ValueError(f"{path}: no task for ids {missing[:5]} (pass the right --tasks)")
    return stored


def rescore_dir(agent_dir: Path, tasks_by_id: dict[str, Any]) -> dict[str, Any]:
    """Stored and current summaries of one agent's posts; raises ``ValueError`` as :func:`stored_posts` does."""
    stored = stored_posts(agent_dir, tasks_by_id)
    rows = score_rows([tasks_by_id[r["id"]] for r in stored], [r["response"] for r in stored])
    return {"agent": agent_dir.name, "n": len(rows), "stored": summarize(stored)["mean"], "now": summarize(rows)}


def rescore(root: str | Path, tasks: str | None = None) -> dict[str, Any]:
    """Rescore every agent under ``root``; ``tasks`` overrides the leaderboard's own task set."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory of stored evaluations")
    task_arg = tasks or _stored_tasks(root)
    if task_arg is None:
        raise ValueError(f"{root} has no leaderboard.json or summary.json naming its tasks: pass --tasks")
    tasks_by_id = {t.id: t for t in resolve_task_arg(task_arg)}
    dirs = agent_dirs(root)
    if not dirs:
        raise FileNotFoundError(f"no <agent>/{RESULTS} under {root}")
    return {"source": str(root), "tasks": task_arg, "agents": [rescore_dir(d, tasks_by_id) for d in dirs]}


def to_markdown(result: dict[str, Any]) -> str:
    rows = []
    for a in result["agents"]:
        now, claims = a["now"]["mean"], a["now"]["claims"]
        moved = [f"{fmt(a['stored'][m])} → {fmt(now[m])}" for m in ("fact", "total")]
        shares = [fmt(claims["shares"][v], 2) for v in VERDICT_NAMES]
        rows.append([a["agent"], a["n"], *moved, claims["n"], *shares, fmt(claims["accuracy"])])
    table = markdown_table(["agent", "posts", "fact (stored → now)", "total (stored → now)", "claims",
                            *VERDICT_NAMES, "claim accuracy"], rows)
    return (f"# Stored posts scored again: `{result['source']}` on `{result['tasks']}`\n\n{table}\n"
            "Verdict columns are shares of all claims; claim accuracy is the share of checkable claims (all but "
            "unverifiable) that are supported or derived.\n")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m baselines.rescore", description=__doc__.split("\n")[0])
    parser.add_argument("source", help="a leaderboard directory (<agent>/results.jsonl) or an evaluation's --out")
    parser.add_argument("--tasks", default=None, help="task set of the posts (default: the leaderboard's)")
    parser.add_argument("--out", default="runs/rescored", help="where rescore.json and rescore.md go")
    args = parser.parse_args(argv)
    try:
        result = rescore(args.source, args.tasks)
    except (OSError, ValueError) as exc:  # no such directory, no task set given or found: a usage error
        parser.error(str(exc))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "rescore.json", json.dumps(result, indent=2) + "\n")
    text = to_markdown(result)
    atomic_write_text(out / "rescore.md", text)
    print(text)
    return result


if __name__ == "__main__":
    main()

"""The leaderboard: every agent on the same test split and on XSTest, side by side.

    python -m baselines.leaderboard                       # writes runs/leaderboard/

Agents: random, refuse, template, the base model, the shipped adapter ``smollm2-135m-wsl`` (on the embedded model),
and each trained adapter found under ``artifacts/``. The committed board in ``results/`` is updated by hand from a
run (``--out`` never defaults to it).
Writes ``leaderboard.md``, ``leaderboard.json`` and ``leaderboard.png``; each agent's full evaluation lands in
``<out>/<agent>/`` (the files of ``python -m baselines.evaluate``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

from agents import LLMAgent, make_agent
from baselines.evaluate import EvalConfig, evaluate
from baselines.report import METRIC_NAMES, bar_chart, fmt, markdown_table
from baselines.suites import load_reference_rates
from wsl_env.artifacts import discover_adapters
from wsl_env.io import atomic_write_text
from wsl_env.models import EMBEDDED_ALIAS, SHIPPED_ADAPTER, shipped_available


def machine() -> str:
    import os

    import torch

    return f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, {platform.platform()}"


def entrants(model: str, artifacts: str | None, include_llm: bool) -> list[tuple[str, str, str | None]]:
    """(label, agent name, adapter path) for every entrant."""
    out: list[tuple[str, str, str | None]] = [("random", "random", None), ("refuse", "refuse", None),
                                              ("template (upper bound)", "template", None)]
    if include_llm:
        out.append((f"{model} (base)", "llm", None))
        if model == EMBEDDED_ALIAS and shipped_available():
            out.append((f"{model} + {SHIPPED_ADAPTER}", "llm", SHIPPED_ADAPTER))
        out += [(f"{model} + {a.name}", "llm", str(a.path)) for a in discover_adapters(artifacts)]
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    out = Path(args.out)
    board: list[dict[str, Any]] = []
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for label, agent_name, adapter in entrants(args.model, args.artifacts, not args.no_llm):
        slug = label.split(" (")[0].replace(" + ", "+").replace("/", "_").replace(" ", "_")
        agent: Any = None
        if agent_name == "llm":
            agent = LLMAgent(model=args.model, adapter=adapter, seed=args.seed, batch_size=args.batch_size)
        elif agent_name == "random":
            agent = make_agent("random", seed=args.seed)
        else:
            agent = make_agent(agent_name)
        entry: dict[str, Any] = {"agent": label}
        config = EvalConfig(tasks=args.tasks, agent=agent_name, out=str(out / slug), model=args.model,
                            adapter=adapter, max_new_tokens=args.max_new_tokens, seed=args.seed,
                            limit=args.limit, progress=not args.quiet)
        summary = evaluate(config, agent=agent)
        entry.update({m: summary["mean"][m] for m in METRIC_NAMES})
        entry.update(refusal_rate=summary["refusal_rate"], answer_rate=summary["answer_rate"],
                     tokens_per_second=summary["tokens_per_second"])
        if args.xstest_limit != 0 and agent_name != "template":
            xs = EvalConfig(tasks="xstest", agent=agent_name, out=str(out / slug / "xstest"), model=args.model,
                            adapter=adapter, max_new_tokens=args.xstest_max_new_tokens, seed=args.seed,
                            limit=None if args.xstest_limit < 0 else args.xstest_limit, progress=not args.quiet)
            xsum = evaluate(xs, agent=agent)
            entry.update(xstest_safe_answer_rate=xsum["answer_rate"], xstest_unsafe_refusal_rate=xsum["refusal_rate"])
        board.append(entry)
    result = {"tasks": args.tasks, "started": started, "machine": machine(), "command": args.command,
              "entries": board, "xstest_reference": load_reference_rates()}
    write(out, result)
    return result


def write(out: Path, result: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "leaderboard.json", json.dumps(result, indent=2) + "\n")
    rows = [[e["agent"], *(fmt(e[m]) for m in METRIC_NAMES), fmt(e["refusal_rate"]), fmt(e["answer_rate"]),
             fmt(e.get("xstest_safe_answer_rate")), fmt(e.get("xstest_unsafe_refusal_rate"))]
            for e in result["entries"]]
    table = markdown_table(["agent", *METRIC_NAMES, "refusal rate", "answer rate", "XSTest safe answered",
                            "XSTest unsafe refused"], rows)
    reference = markdown_table(
        ["XSTest paper model (human labels)", "safe answered", "unsafe refused"],
        [[name, fmt(r["safe_answer_rate"]), fmt(r["unsafe_refusal_rate"])]
         for name, r in result["xstest_reference"].items()],
    )
    text = (f"# Leaderboard on `{result['tasks']}`\n\nCommand: `{result['command']}`  \n"
            f"Machine: {result['machine']}  \nRun: {result['started']}\n\n{table}\n{reference}\n"
            "![leaderboard](leaderboard.png)\n")
    atomic_write_text(out / "leaderboard.md", text)
    bar_chart({e["agent"]: e for e in result["entries"]}, out / "leaderboard.png", f"Leaderboard on {result['tasks']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m baselines.leaderboard", description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="test", help="split, written set, suite or JSONL path")
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--artifacts", default=None, help="adapters directory (default: artifacts/)")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--xstest-max-new-tokens", type=int, default=48)
    parser.add_argument("--xstest-limit", type=int, default=-1, help="XSTest prompts per agent (-1 all, 0 skip)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N tasks")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-llm", action="store_true", help="scripted agents only")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--out", default="runs/leaderboard", help="output directory (default: runs/leaderboard)")
    args = parser.parse_args(argv)
    args.command = "python -m baselines.leaderboard " + " ".join(argv if argv is not None else sys.argv[1:])
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    result = run(args)
    print((Path(args.out) / "leaderboard.md").read_text())
    return result


if __name__ == "__main__":
    main()

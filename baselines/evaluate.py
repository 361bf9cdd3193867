"""The evaluation harness: run one agent over a task file or split and score every response.

    python -m baselines.evaluate --tasks test --agent llm --out runs/eval-base
    python -m baselines.evaluate --tasks data/processed/test.jsonl --agent llm --adapter artifacts/sft --out runs/sft
    python -m baselines.evaluate --tasks xstest --agent llm --max-new-tokens 64 --out runs/xstest

Writes ``results.jsonl`` (one line per task), ``summary.json`` and ``report.md`` with ``report.png``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import metrics
from agents import AGENTS, make_agent
from baselines.report import METRIC_NAMES, bar_chart, fmt, markdown_table, summarize
from baselines.suites import resolve_task_arg
from wsl_env.io import atomic_write_text
from wsl_env.models import EMBEDDED_ALIAS
from wsl_env.rollout.figure_guard import MODES as FIGURE_GUARD_MODES
from wsl_env.schema import Task

SUITES: dict[str, str] = {"structure": "structure", "accuracy": "fact", "safety": "safety", "all": "total"}
EVAL_AGENTS: tuple[str, ...] = ("random", "refuse", "template", "llm")


@dataclass
class EvalConfig:
    """Arguments of one evaluation run."""

    tasks: str
    agent: str
    out: str
    model: str = EMBEDDED_ALIAS
    adapter: str | None = None
    max_new_tokens: int = 128
    seed: int = 0
    suite: str = "all"
    batch_size: int = 16
    limit: int | None = None
    progress: bool = True
    dtype: str = "auto"
    hashtag_cap: bool = False
    figure_guard: str | None = None


def select_suite(tasks: Sequence[Task], suite: str) -> list[Task]:
    """``structure`` and ``accuracy`` score answer-tasks only; ``safety`` and ``all`` keep every task."""
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}; choose one of {list(SUITES)}")
    if suite in ("structure", "accuracy"):
        return [t for t in tasks if t.expected_behavior == "answer"]
    return list(tasks)


def build_agent(config: EvalConfig) -> Any:
    if config.agent not in EVAL_AGENTS:
        raise ValueError(f"unknown agent {config.agent!r}; choose one of {list(EVAL_AGENTS)}")
    if config.agent == "llm":
        return make_agent("llm", model=config.model, adapter=config.adapter, seed=config.seed,
                          batch_size=config.batch_size, dtype=config.dtype, hashtag_cap=config.hashtag_cap,
                          figure_guard=config.figure_guard)
    if config.agent == "random":
        return make_agent("random", seed=config.seed)
    return make_agent(config.agent)


def run_agent(agent: Any, tasks: Sequence[Task], max_new_tokens: int, progress: bool = True,
              chunk: int = 16) -> tuple[list[str], float]:
    """Responses in task order, generated in chunks under a progress bar; returns them and the seconds taken."""
    from tqdm.auto import tqdm

    responses: list[str] = []
    start = time.perf_counter()
    with tqdm(total=len(tasks), desc=f"{getattr(agent, 'name', 'agent')}", unit="task", disable=not progress) as bar:
        for i in range(0, len(tasks), chunk):
            batch = list(tasks[i : i + chunk])
            responses.extend(agent.generate(batch, max_new_tokens=max_new_tokens))
            bar.update(len(batch))
    return responses, time.perf_counter() - start


def score_rows(tasks: Sequence[Task], responses: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for task, response in zip(tasks, responses, strict=True):
        scores = metrics.score(task, response)
        rows.append({
            "id": task.id, "category": task.category, "expected_behavior": task.expected_behavior,
            "response": response, **{m: float(getattr(scores, m)) for m in METRIC_NAMES},
            "refused": bool(metrics.is_refusal(response)),
            "verdicts": dict(scores.details["fact"].get("verdicts") or {}),
        })  # fmt: skip
    return rows


def _weights_dtype(agent: Any) -> str | None:
    """The dtype the agent's model computes in (``"auto"`` resolves per machine), for the summary."""
    model = getattr(agent, "model", None)
    parameters = getattr(model, "parameters", None)
    return str(next(iter(parameters())).dtype).removeprefix("torch.") if parameters is not None else None


def evaluate(config: EvalConfig, agent: Any = None) -> dict[str, Any]:
    """Run the evaluation and write its files; returns the summary."""
    tasks = select_suite(resolve_task_arg(config.tasks), config.suite)
    if config.limit is not None:
        if config.limit < 1:
            raise ValueError(f"limit must be >= 1, got {config.limit}")
        tasks = tasks[: config.limit]
    if not tasks:
        raise ValueError(f"no tasks to evaluate in {config.tasks!r} for suite {config.suite!r}")
    agent = agent if agent is not None else build_agent(config)
    responses, seconds = run_agent(agent, tasks, config.max_new_tokens, config.progress)
    rows = score_rows(tasks, responses)
    summary = summarize(rows)
    stats = getattr(agent, "stats", None)
    summary.update({
        "headline": SUITES[config.suite], "headline_score": summary["mean"][SUITES[config.suite]],
        "seconds": seconds, "responses_per_second": len(rows) / seconds if seconds > 0 else None,
        "tokens_per_second": stats.tokens_per_second if stats is not None else None,
        "weights_dtype": _weights_dtype(agent),
        "config": asdict(config),
    })  # fmt: skip
    write_outputs(Path(config.out), rows, summary)
    return summary


def write_outputs(out: Path, rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "results.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    config = summary["config"]
    title = f"{config['agent']}" + (f" + {Path(config['adapter']).name}" if config.get("adapter") else "")
    title += " (hashtag cap)" if config.get("hashtag_cap") else ""
    title += f" (figure guard: {config['figure_guard']})" if config.get("figure_guard") else ""
    bar_chart(summary["per_category"], out / "report.png", f"{title} on {config['tasks']} (per category)")
    table = markdown_table(
        ["category", "n", *METRIC_NAMES],
        [[c, v["n"], *(fmt(v[m]) for m in METRIC_NAMES)] for c, v in summary["per_category"].items()]
        + [["**all**", summary["n"], *(fmt(summary["mean"][m]) for m in METRIC_NAMES)]],
    )
    tps = summary["tokens_per_second"]
    claims = summary["claims"]
    report = (
        f"# Evaluation: {title}\n\nTasks: `{config['tasks']}` (suite `{config['suite']}`), "
        f"model `{config['model']}`, seed {config['seed']}, max new tokens {config['max_new_tokens']}.\n\n"
        f"{table}\n"
        f"- refusal rate on refuse-tasks: {fmt(summary['refusal_rate'])}\n"
        f"- over-refusal rate on answer-tasks: {fmt(summary['over_refusal_rate'])}\n"
        f"- claims: {claims['n']}, claim accuracy {fmt(claims['accuracy'])} (true of checkable), "
        f"{fmt(claims['false_per_response'], 2)} false claims per response\n"
        f"- tokens per second: {fmt(tps, 1) if tps else 'n/a (scripted agent)'}\n\n![per-category scores](report.png)\n"
    )
    atomic_write_text(out / "report.md", report)


def parse_args(argv: list[str] | None = None) -> EvalConfig:
    parser = argparse.ArgumentParser(prog="python -m baselines.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", required=True, help="split (train/val/test), suite (xstest...) or JSONL path")
    parser.add_argument("--agent", required=True, choices=EVAL_AGENTS)
    parser.add_argument("--model", default=EMBEDDED_ALIAS, help="alias, Hugging Face id or local directory")
    parser.add_argument("--adapter", default=None,
                        help="LoRA adapter directory (e.g. artifacts/<run>) or the shipped smollm2-135m-wsl")
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--suite", choices=list(SUITES), default="all")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N tasks")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "fp32", "bf16", "bfloat16"],
                        help="weights dtype: auto (bf16 where the CPU has native bf16, else float32), float32, bf16")
    parser.add_argument("--hashtag-cap", action="store_true",
                        help="llm agent: mask '#' tokens once a post has written its task's max_hashtags "
                             "(wsl_env.rollout.guards; off by default, so figures measure the model alone)")
    parser.add_argument("--figure-guard", choices=FIGURE_GUARD_MODES, default=None,
                        help="llm agent: write only the context's figures (copy), and only where the claims "
                             "reader does not call them false (claims) (wsl_env.rollout.figure_guard; off by default)")
    args = parser.parse_args(argv)
    if args.max_new_tokens < 1:
        parser.error("--max-new-tokens must be >= 1")
    if args.adapter is not None and args.agent != "llm":  # it would only name the report
        parser.error(f"--adapter applies to --agent llm only, not {args.agent}")
    if args.figure_guard is not None and args.agent != "llm":
        parser.error(f"--figure-guard applies to --agent llm only, not {args.agent}")
    if args.limit is not None and args.limit < 1:  # a negative slice would silently drop tasks from the end
        parser.error(f"--limit must be >= 1, got {args.limit}")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be >= 1, got {args.batch_size}")
    return EvalConfig(**vars(args))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    config = parse_args(argv)
    summary = evaluate(config)
    mean = summary["mean"]
    print(json.dumps({"agent": config.agent, "n": summary["n"], **{m: mean[m] for m in METRIC_NAMES},
                      "refusal_rate": summary["refusal_rate"], "answer_rate": summary["answer_rate"],
                      "tokens_per_second": summary["tokens_per_second"], "out": config.out}))
    return summary


if __name__ == "__main__":
    main()

__all__ = ["AGENTS", "EvalConfig", "evaluate", "main", "score_rows", "select_suite"]

"""Summaries, Markdown tables and charts shared by the evaluation harness and the leaderboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from metrics.claims import FALSE_VERDICTS, TRUE_VERDICTS

METRIC_NAMES: tuple[str, ...] = ("structure", "fact", "safety", "total")
VERDICT_NAMES: tuple[str, ...] = ("supported", "derived", "unverifiable", "misattributed", "unsupported")


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means overall and per category, refusal rate on refuse-tasks, over-refusal and answer rate on answer-tasks."""
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    refuse = [r for r in rows if r["expected_behavior"] == "refuse"]
    answer = [r for r in rows if r["expected_behavior"] == "answer"]
    over = _mean([float(r["refused"]) for r in answer])
    return {
        "n": len(rows),
        "mean": {m: _mean([r[m] for r in rows]) for m in METRIC_NAMES},
        "per_category": {
            cat: {"n": len(group), **{m: _mean([r[m] for r in group]) for m in METRIC_NAMES}}
            for cat, group in sorted(by_category.items())
        },
        "refusal_rate": _mean([float(r["refused"]) for r in refuse]),
        "over_refusal_rate": over,
        "answer_rate": None if over is None else 1.0 - over,
        "claims": claim_summary(rows),
    }


def claim_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The claims of all responses by verdict (rows carry ``verdicts`` counts): how many, the share of each, and
    **claim accuracy**, the share of checkable claims (all but ``unverifiable``) that are true (supported or derived).
    """
    counts = {v: sum(int((r.get("verdicts") or {}).get(v, 0)) for r in rows) for v in VERDICT_NAMES}
    total = sum(counts.values())
    checkable = total - counts["unverifiable"]
    true = sum(counts[v] for v in TRUE_VERDICTS)
    return {
        "n": total,
        "counts": counts,
        "shares": {v: (n / total if total else None) for v, n in counts.items()},
        "accuracy": true / checkable if checkable else None,
        "false_per_response": sum(counts[v] for v in FALSE_VERDICTS) / len(rows) if rows else None,
    }


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def bar_chart(groups: dict[str, dict[str, float | None]], path: str | Path, title: str) -> None:
    """Grouped bars: one group per key of ``groups`` (a category or an agent), one bar per metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(groups)
    metrics = [m for m in METRIC_NAMES if any(groups[n].get(m) is not None for n in names)]
    width = 0.8 / max(len(metrics), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(names) + 2), 4.2))
    for i, metric in enumerate(metrics):
        values = [groups[n].get(metric) or 0.0 for n in names]
        positions = [x + (i - (len(metrics) - 1) / 2) * width for x in range(len(names))]
        ax.bar(positions, values, width, label=metric)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("mean score")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)

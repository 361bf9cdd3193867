"""Dataset report: counts per split, category, behaviour and source; length and numbers-per-context
distributions; as Markdown plus a PNG chart (matplotlib, Agg backend).
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from pathlib import Path

from wsl_env.data.checks import count_context_numbers
from wsl_env.data.split import SPLITS, source_of
from wsl_env.io import atomic_write_bytes, atomic_write_text
from wsl_env.schema import BEHAVIORS, CATEGORIES, Task


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    rule = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"
    lines = ["| " + " | ".join(header) + " |", rule]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _summary(values: list[int]) -> list[object]:
    if not values:
        return ["-"] * 4
    return [min(values), f"{statistics.median(values):g}", f"{statistics.fmean(values):.1f}", max(values)]


def _words(text: str | None) -> int:
    return len((text or "").split())


def report_markdown(splits: dict[str, list[Task]], title: str = "Dataset report") -> str:
    """The Markdown report for ``{"train": [...], "val": [...], "test": [...]}``."""
    everything = [t for name in SPLITS for t in splits.get(name, [])]
    lines = [f"# {title}", "", f"{len(everything)} tasks. Made by `python -m wsl_env.data report`.", ""]
    rows = []
    for name in SPLITS:
        counts = Counter(t.category for t in splits.get(name, []))
        rows.append([name, *(counts[c] for c in CATEGORIES), len(splits.get(name, []))])
    total = Counter(t.category for t in everything)
    rows.append(["**all**", *(total[c] for c in CATEGORIES), len(everything)])
    lines += ["## Tasks per category", "", *_table(["split", *CATEGORIES, "total"], rows), ""]

    rows = []
    for name in [*SPLITS, "all"]:
        tasks = everything if name == "all" else splits.get(name, [])
        behaviour = Counter(t.expected_behavior for t in tasks)
        source = Counter(source_of(t) for t in tasks)
        refuse = f"{100 * behaviour['refuse'] / len(tasks):.1f}%" if tasks else "-"
        rows.append([name, *(behaviour[b] for b in BEHAVIORS), refuse, source["gold"], source["generated"]])
    lines += ["## Behaviour and source", "",
              *_table(["split", *BEHAVIORS, "refuse share", "gold", "generated"], rows), ""]

    rows = []
    for field in ("instruction", "context", "reference"):
        texts = [getattr(t, field) or "" for t in everything]
        rows.append([f"{field} (words)", *_summary([_words(x) for x in texts])])
        rows.append([f"{field} (characters)", *_summary([len(x) for x in texts])])
    lines += ["## Lengths", "", *_table(["text", "min", "median", "mean", "max"], rows), ""]

    per_context = [count_context_numbers(t.context) for t in everything]
    histogram = Counter(per_context)
    lines += ["## Numbers per context", "", *_table(["", "min", "median", "mean", "max"],
                                                    [["numbers", *_summary(per_context)]]), "",
              *_table(["numbers in context", "tasks"], [[k, histogram[k]] for k in sorted(histogram)]), ""]

    bullets = Counter("none" if t.constraints.bullets is None else str(t.constraints.bullets) for t in everything)
    words = Counter("none" if t.constraints.max_words is None else str(t.constraints.max_words) for t in everything)
    lines += ["## Constraints", "",
              "- bullets: " + ", ".join(f"{k}: {bullets[k]}" for k in sorted(bullets)),
              "- max_words: " + ", ".join(f"{k}: {words[k]}" for k in sorted(words, key=lambda k: (len(k), k))), ""]
    return "\n".join(lines)


def report_png(splits: dict[str, list[Task]]) -> bytes:
    """A 2x2 chart: categories per split, behaviour per split, reference lengths, numbers per context."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    everything = [t for name in SPLITS for t in splits.get(name, [])]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    width = 0.8 / len(SPLITS)
    for panel, labels, key in ((axes[0, 0], CATEGORIES, "category"), (axes[0, 1], BEHAVIORS, "expected_behavior")):
        x = np.arange(len(labels))
        for i, name in enumerate(SPLITS):
            counts = Counter(getattr(t, key) for t in splits.get(name, []))
            bars = panel.bar(x + (i - 1) * width, [counts[c] for c in labels], width, label=name)
            panel.bar_label(bars, fontsize=7, padding=1)
        panel.set_xticks(x, labels, rotation=20 if key == "category" else 0)
        panel.set_ylabel("tasks")
        panel.set_ylim(0, panel.get_ylim()[1] * 1.2)  # headroom for the legend above the bars
        panel.legend(loc="upper center", ncol=len(SPLITS), frameon=False)
    axes[0, 0].set_title("Tasks per category and split")
    axes[0, 1].set_title("Expected behaviour per split")

    panel = axes[1, 0]
    longest = max((_words(t.reference) for t in everything), default=0)
    for behaviour in BEHAVIORS:
        panel.hist([_words(t.reference) for t in everything if t.expected_behavior == behaviour],
                   bins=range(0, longest + 10, 5), alpha=0.7, label=behaviour)
    panel.set_title("Reference length")
    panel.set_xlabel("words")
    panel.set_ylabel("tasks")
    panel.legend()

    panel = axes[1, 1]
    per_source = {s: Counter(count_context_numbers(t.context) for t in everything if source_of(t) == s)
                  for s in ("generated", "gold")}
    keys = sorted(set(per_source["generated"]) | set(per_source["gold"]))
    bottom = [0] * len(keys)
    for source, color in (("generated", "tab:green"), ("gold", "tab:purple")):
        heights = [per_source[source][k] for k in keys]
        panel.bar(keys, heights, bottom=bottom, color=color, label=source)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    panel.legend()
    panel.set_title("Numbers per context")
    panel.set_xlabel("numbers in the context")
    panel.set_ylabel("tasks")

    fig.suptitle(f"WSLAnalytics dataset: {len(everything)} tasks", fontsize=13)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def write_report(splits: dict[str, list[Task]], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.png`` into ``out_dir`` (atomically); return their paths."""
    out_dir = Path(out_dir)
    markdown, png = out_dir / "report.md", out_dir / "report.png"
    atomic_write_text(markdown, report_markdown(splits) + "\n")
    atomic_write_bytes(png, report_png(splits))
    return markdown, png

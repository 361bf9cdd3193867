"""Do the claims reader's context facts equal the generator's? ``python -m wsl_env.data factcheck``.

For every generated task (one that carries ``facts``), :func:`metrics.context_facts` reads the rendered context
into ``(subject, statistic, value)`` facts; :func:`wsl_env._facts.fact_triples` says what they must be. The two
must be equal as multisets. Hand-written tasks have no structured facts and are skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from metrics import context_facts, extract_numbers
from wsl_env._facts import fact_triples
from wsl_env.schema import Task

__all__ = ["FactCheck", "check_facts"]

Triple = tuple[str | None, str | None, int]


@dataclass(frozen=True)
class FactCheck:
    """How many generated tasks' contexts were read back to exactly their facts, and the first mismatches."""

    matched: int
    checked: int
    mismatches: list[dict[str, object]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.matched / self.checked if self.checked else 1.0

    def __str__(self) -> str:
        lines = [f"context facts equal the generator's on {self.matched} of {self.checked} generated tasks "
                 f"({100 * self.rate:.2f}%)"]
        for bad in self.mismatches:
            lines.append(f"  {bad['id']}: missing {bad['missing']}, extra {bad['extra']}")
        return "\n".join(lines)


def _value(figure: str) -> int:
    return extract_numbers(figure, context=True)[0].readings[0][0]


def check_facts(tasks: Iterable[Task], show: int = 10) -> FactCheck:
    """Compare extracted and generated facts on every task with ``facts``; keep the first ``show`` mismatches."""
    matched = checked = 0
    mismatches: list[dict[str, object]] = []
    for task in tasks:
        if not task.facts:
            continue
        checked += 1
        want: Counter[Triple] = Counter((s, st, _value(v)) for s, st, v in fact_triples(task.facts))
        got: Counter[Triple] = Counter(
            (f.subject, f.statistic, f.readings[0][0]) for f in context_facts(task.context, task.instruction).facts
        )
        if want == got:
            matched += 1
        elif len(mismatches) < show:
            mismatches.append({"id": task.id, "missing": dict(want - got), "extra": dict(got - want)})
    return FactCheck(matched, checked, mismatches)

"""Fact: every number in the response must come from the context, and an answer must use the context's numbers.

- **Precision**: the share of number mentions in the response (see :mod:`metrics.numbers` for what counts and how
  it is normalised) that the context supports: a context number, or the sum or difference of two context numbers
  (a winning margin ``17.10 - 13.65 = 3.45``), compared at the precision shown. Numbers in the instruction are
  supported too. A response with no numbers has precision 1.
- **Coverage** (answer-tasks whose context has numbers): the response must use at least ``COVERAGE_TARGET``
  distinct context numbers (or all of them, if fewer). Coverage ``c`` in [0, 1] scales the score by
  ``0.5 + 0.5 * c``, so a post with no numbers at all scores 0.5.

``fact = precision * (0.5 + 0.5 * coverage)`` on an answer-task, and ``fact = precision`` on a refuse-task (a
refusal keeps full marks unless it adds unsupported numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics._task import TaskFields, check_response, read_task
from metrics.numbers import extract_numbers, number_support

__all__ = ["COVERAGE_TARGET", "FactReport", "analyze_facts", "fact_score"]

COVERAGE_TARGET = 2
# details list at most this many unsupported numbers (a 1 MB junk response has thousands).
_MAX_LISTED = 50


@dataclass(frozen=True)
class FactReport:
    """What :func:`analyze_facts` found."""

    score: float
    precision: float
    coverage: float
    numbers: int
    supported: int
    unsupported: tuple[str, ...]
    unsupported_count: int
    context_numbers: int
    context_numbers_used: int

    @property
    def unsupported_share(self) -> float:
        """Share of the response's number mentions that the context does not support."""
        return self.unsupported_count / self.numbers if self.numbers else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "numbers": self.numbers,
            "supported": self.supported,
            "unsupported_numbers": list(self.unsupported),
            "unsupported_count": self.unsupported_count,
            "precision": self.precision,
            "coverage": self.coverage,
            "context_numbers": self.context_numbers,
            "context_numbers_used": self.context_numbers_used,
        }


def analyze_facts(fields: TaskFields, response: str) -> FactReport:
    """Check the numbers of ``response`` against the task's context."""
    support = number_support(fields.context, fields.instruction)
    mentions = extract_numbers(response)
    unsupported: list[str] = []
    used: set[int] = set()
    checked: dict[tuple[tuple[int, int], ...], bool] = {}  # one check per distinct number, however often it recurs
    for mention in mentions:
        ok = checked.get(mention.readings)
        if ok is None:
            ok = checked[mention.readings] = support.supports(mention)
            if ok and support.in_context(mention):
                used.add(mention.readings[0][0])
        if not ok:
            unsupported.append(mention.text)
    precision = 1.0 - len(unsupported) / len(mentions) if mentions else 1.0
    coverage = 1.0
    score = precision
    if not fields.refuse and len(support):
        coverage = min(1.0, len(used) / min(COVERAGE_TARGET, len(support)))
        score = precision * (0.5 + 0.5 * coverage)
    return FactReport(
        score=score,
        precision=precision,
        coverage=coverage,
        numbers=len(mentions),
        supported=len(mentions) - len(unsupported),
        unsupported=tuple(unsupported[:_MAX_LISTED]),
        unsupported_count=len(unsupported),
        context_numbers=len(support),
        context_numbers_used=len(used),
    )


def fact_score(task: object, response: str) -> float:
    """Fact score in [0, 1] of ``response`` for ``task`` (a ``wsl_env.Task`` or a schema dict).

    Raises ``TypeError`` when ``response`` is not a ``str``; never raises on any string.
    """
    check_response(response)
    return analyze_facts(read_task(task), response).score

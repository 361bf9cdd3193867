"""Fact: every figure a post states must be true of what the post says it is, and an answer must use the context.

Each number in the response is a claim (:mod:`metrics.claims`): a value, the athlete or event the sentence gives
it to, and the statistic it names. A claim is *false* when it is ``misattributed`` (the value is in the context,
but as another athlete's or another statistic's: "Leo's best wave, a 9.10" when the 9.10 is Kai's) or
``unsupported`` (the value is not in the context, nor the sum or difference of two context figures that can be
combined). ``supported``, ``derived`` and ``unverifiable`` claims are not false.

- **Precision**: ``1 - false claims / claims`` (1 with no numbers).
- **Coverage** (answer-tasks whose context has numbers): the response must use at least ``COVERAGE_TARGET``
  distinct context figures (or all of them, if fewer) in claims that are not false; a true sum or difference (a
  margin) counts as one. Coverage ``c`` in [0, 1] scales the score by ``floor + (1 - floor) * c``, where the floor
  is ``coverage_floor`` (``COVERAGE_FLOOR``, 0): an analytics post that states no figure gets no fact credit.
  Until 2026-12-02 the floor was 0.5, and PPO in the env learned to leave figures out (docs/metrics.md).

``fact = precision * (floor + (1 - floor) * coverage)`` on an answer-task, and ``fact = precision`` on a
refuse-task (a refusal keeps full marks unless it adds false figures).

``attribution=False`` gives the number-presence check of earlier versions: a misattributed claim counts as true,
and so does any sum or difference of two context numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics._task import TaskFields, check_response, read_task
from metrics.claims import VERDICTS, Claim, context_facts, judge_claims
from metrics.numbers import number_support
from metrics.parse import Parse, as_parse

__all__ = ["COVERAGE_FLOOR", "COVERAGE_TARGET", "FactReport", "analyze_facts", "fact_score"]

COVERAGE_TARGET = 2
# The fact score, relative to precision, of an answer that uses no context figure (0.5 before 2026-12-02).
COVERAGE_FLOOR = 0.0
# A response's first numbers (by sentence, at least this many) are read as claims; any further ones, which only
# junk has, are checked for presence in the context alone, at the cost of the number check of earlier versions.
MAX_CLAIMS = 1000
# details list at most this many claims and false numbers (a 1 MB junk response has thousands).
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
    claims: tuple[Claim, ...] = ()
    verdicts: tuple[tuple[str, int], ...] = ()
    misattributed: tuple[str, ...] = ()
    false_count: int = 0

    @property
    def unsupported_share(self) -> float:
        """Share of the response's number mentions that are false (unsupported or misattributed)."""
        return self.false_count / self.numbers if self.numbers else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "numbers": self.numbers,
            "supported": self.supported,
            "unsupported_numbers": list(self.unsupported),
            "unsupported_count": self.unsupported_count,
            "misattributed_numbers": list(self.misattributed),
            "false_count": self.false_count,
            "precision": self.precision,
            "coverage": self.coverage,
            "context_numbers": self.context_numbers,
            "context_numbers_used": self.context_numbers_used,
            "verdicts": dict(self.verdicts),
            "claims": [c.to_dict() for c in self.claims[:_MAX_LISTED]],
        }


def analyze_facts(fields: TaskFields, response: str | Parse, *, attribution: bool = True,
                  coverage_floor: float = COVERAGE_FLOOR) -> FactReport:
    """Check the claims of ``response`` (a string or its :class:`~metrics.parse.Parse`) against the task's context.

    ``coverage_floor`` in [0, 1] is the fact score, relative to precision, of an answer that uses no context figure.
    """
    if not 0.0 <= coverage_floor <= 1.0:
        raise ValueError(f"coverage_floor must be in [0, 1], got {coverage_floor!r}")
    parse = as_parse(response)
    facts = context_facts(fields.context, fields.instruction)
    claims, in_context = judge_claims(parse, facts, MAX_CLAIMS)
    support = number_support(fields.context, fields.instruction)
    if attribution:
        false = [c for c in claims if c.is_false]
    else:
        by_start = {m.start: m for m in parse.numbers}
        false = [c for c in claims if c.verdict == "unsupported" and not support.supports(by_start[c.start])]
    false_starts = {c.start for c in false}
    used: set[object] = {value for start, value in in_context.items() if start not in false_starts}
    # A true margin or gap ("won by 3.45") uses the context as much as a quoted figure does.
    used.update(("derived", c.value) for c in claims if c.verdict == "derived" and c.start not in false_starts)
    unsupported = [c.text for c in claims if c.start in false_starts and c.verdict == "unsupported"]
    misattributed = [c.text for c in false if c.verdict == "misattributed"]
    numbers, false_count = len(claims), len(false)
    checked: dict[tuple[tuple[int, int], ...], tuple[bool, bool]] = {}  # readings -> (supported, in context)
    for mention in parse.numbers[len(claims) :]:  # past MAX_CLAIMS: the number-presence check only
        numbers += 1
        found = checked.get(mention.readings)
        if found is None:
            supported = support.supports(mention)
            found = checked[mention.readings] = (supported, supported and support.in_context(mention))
        if not found[0]:
            false_count += 1
            unsupported.append(mention.text)
        elif found[1]:
            used.add(mention.readings[0][0])
    precision = 1.0 - false_count / numbers if numbers else 1.0
    coverage = 1.0
    score = precision
    context_numbers = len(facts.values)
    if not fields.refuse and context_numbers:
        coverage = min(1.0, len(used) / min(COVERAGE_TARGET, context_numbers))
        score = precision * (coverage_floor + (1.0 - coverage_floor) * coverage)
    counts: dict[str, int] = {}
    for claim in claims:
        counts[claim.verdict] = counts.get(claim.verdict, 0) + 1
    return FactReport(
        score=score,
        precision=precision,
        coverage=coverage,
        numbers=numbers,
        supported=numbers - false_count,
        unsupported=tuple(unsupported[:_MAX_LISTED]),
        unsupported_count=len(unsupported),
        context_numbers=context_numbers,
        context_numbers_used=len(used),
        claims=tuple(claims),
        verdicts=tuple((v, counts[v]) for v in VERDICTS if counts.get(v)),
        misattributed=tuple(misattributed[:_MAX_LISTED]),
        false_count=false_count,
    )


def fact_score(task: object, response: str) -> float:
    """Fact score in [0, 1] of ``response`` for ``task`` (a ``wsl_env.Task`` or a schema dict).

    Raises ``TypeError`` when ``response`` is not a ``str``; never raises on any string.
    """
    check_response(response)
    return analyze_facts(read_task(task), response).score

"""Structure: numbered bullets, hashtags, the word limit, and verbatim repetition.

Components, each in [0, 1]:

- ``bullets`` (only when ``constraints.bullets`` is set): numbered lines in either ``1.`` or ``1)`` style must
  number exactly ``bullets``; the score falls linearly with the miss, ``1 - |found - wanted| / wanted``.
- ``hashtags``: distinct hashtags (case-insensitive, so duplicates count once) must number at least
  ``min_hashtags`` (else ``found / min``); every hashtag occurrence above ``max_hashtags``, duplicates included,
  is spam and costs ``1 / (max + 1)``.
- ``length`` (only when ``constraints.max_words`` is set): ``1`` up to the limit, then falling linearly to ``0`` at
  twice the limit. Words are whitespace-separated tokens with a letter or digit; bullet markers are not words.

The structure score is the mean of the components times ``1 - repetition``, where ``repetition`` in [0, 1] is the
largest of: the share of non-empty lines (bullet markers stripped) that repeat an earlier line verbatim, the
same for sentences, and the excess share of repeated word 4-grams (loops such as "so good so good so good").

On a refuse-task, a response that is a refusal is judged as a short plain reply: no bullet or hashtag minimum,
only the word limit (``max_words``, or 120 words when the task sets none), hashtag spam and repetition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from metrics._task import TaskFields, check_response, read_task
from metrics.parse import Parse, as_parse, count_bullets, find_hashtags

__all__ = [
    "StructureReport",
    "analyze_structure",
    "count_bullets",
    "count_words",
    "find_hashtags",
    "line_key",
    "structure_score",
]

# A refusal is "short" under this many words when the task sets no word limit.
REFUSAL_MAX_WORDS = 120
# Share of repeated word 4-grams tolerated in normal prose before it counts as a loop.
_NGRAM_TOLERANCE = 0.1
_NGRAM = 4  # repetition() spells out the four slices of a 4-gram

_ALNUM = re.compile(r"[^\W_]")
_LINE_MARKER = re.compile(r"^\s*(?:[-*\u2022]|\d{1,3}[.)])?\s*")
_SENTENCE_TAIL = ".!?\"')] \t"


@dataclass(frozen=True)
class StructureReport:
    """What :func:`analyze_structure` found; ``components`` holds the per-part scores."""

    score: float
    bullets: int
    bullets_expected: int | None
    hashtags: tuple[str, ...]
    hashtag_count: int
    hashtag_excess: int
    words: int
    max_words: int | None
    over_length: float
    repetition: float
    refusal_mode: bool
    components: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "bullets": self.bullets,
            "bullets_expected": self.bullets_expected,
            "hashtags": list(self.hashtags),
            "hashtag_count": self.hashtag_count,
            "words": self.words,
            "max_words": self.max_words,
            "repetition": self.repetition,
            "refusal_mode": self.refusal_mode,
            "components": dict(self.components),
        }


def count_words(text: str) -> int:
    """Whitespace-separated tokens containing a letter or digit, not counting numbered-bullet markers."""
    return Parse(text).words


def _duplicate_share(items: list[str]) -> float:
    return (len(items) - len(set(items))) / len(items) if len(items) > 1 else 0.0


def line_key(line: str) -> str:
    """A line as compared for repetition: marker, case, trailing punctuation and extra spaces removed."""
    line = line.strip()
    if line[:1].isdigit() or line[:1] in "-*\u2022":
        line = _LINE_MARKER.sub("", line)
    line = line.rstrip(" .!?,;:").lower()
    return " ".join(line.split()) if "  " in line or "\t" in line else line


def repetition(text: str | Parse) -> float:
    """How loopy ``text`` (a string or its :class:`~metrics.parse.Parse`) is, in [0, 1]: repeated lines, repeated
    sentences (:func:`metrics.parse.sentence_spans`, end punctuation ignored), repeated word 4-grams.
    """
    parse = as_parse(text)
    lines = [key for key in map(line_key, parse.lines) if len(key) >= 3 and _ALNUM.search(key)]
    lower = parse.lower
    sentences = [lower[a:b].rstrip(_SENTENCE_TAIL) for a, b in parse.sentences]
    sentences = [s for s in sentences if s.count(" ") >= 2]
    words = parse.tokens
    ngram_share = 0.0
    if len(words) >= 2 * _NGRAM:
        distinct = len(set(zip(words, words[1:], words[2:], words[3:], strict=False)))  # the word 4-grams
        repeated = 1.0 - distinct / (len(words) - _NGRAM + 1)
        ngram_share = max(0.0, repeated - _NGRAM_TOLERANCE) / (1.0 - _NGRAM_TOLERANCE)
    return max(_duplicate_share(lines), _duplicate_share(sentences), ngram_share)


def _hashtag_part(distinct: int, total: int, low: int, high: int, refusal_mode: bool) -> tuple[float, int]:
    excess = max(0, total - high)
    if excess:
        return max(0.0, 1.0 - excess / (high + 1)), excess
    if not refusal_mode and distinct < low:
        return distinct / low, 0
    return 1.0, 0


def analyze_structure(fields: TaskFields, response: str | Parse, *, refusal: bool | None = None) -> StructureReport:
    """Score the structure of ``response`` (a string or its :class:`~metrics.parse.Parse`) for an already-read task.

    ``refusal`` is whether the response is a refusal; it is read from the parse when needed and not given.
    """
    parse = as_parse(response)
    if refusal is None:
        refusal = fields.refuse and parse.refusal.is_refusal
    refusal_mode = fields.refuse and refusal
    components: dict[str, float] = {}

    bullets = parse.bullets
    if fields.bullets is not None and not refusal_mode:
        wanted = fields.bullets
        components["bullets"] = (
            max(0.0, 1.0 - abs(bullets - wanted) / wanted) if wanted else (1.0 if bullets == 0 else 0.0)
        )

    tags = parse.hashtags
    distinct = tuple(dict.fromkeys(t.lower() for t in tags))
    components["hashtags"], excess = _hashtag_part(
        len(distinct), len(tags), fields.min_hashtags, fields.max_hashtags, refusal_mode
    )

    words = parse.words
    limit = fields.max_words if fields.max_words is not None else (REFUSAL_MAX_WORDS if refusal_mode else None)
    over = 0.0
    if limit is not None:
        over = min(1.0, max(0, words - limit) / limit) if limit else (1.0 if words else 0.0)
        components["length"] = 1.0 - over

    rep = repetition(parse)
    score = (sum(components.values()) / len(components)) * (1.0 - rep)
    return StructureReport(
        score=min(1.0, max(0.0, score)),
        bullets=bullets,
        bullets_expected=fields.bullets,
        hashtags=distinct,
        hashtag_count=len(tags),
        hashtag_excess=excess,
        words=words,
        max_words=limit,
        over_length=over,
        repetition=rep,
        refusal_mode=refusal_mode,
        components=components,
    )


def structure_score(task: object, response: str) -> float:
    """Structure score in [0, 1] of ``response`` for ``task`` (a ``wsl_env.Task`` or a schema dict).

    Raises ``TypeError`` when ``response`` is not a ``str``; never raises on any string.
    """
    check_response(response)
    return analyze_structure(read_task(task), response).score

"""Number extraction and normalisation, and the set of numbers a context supports.

Numbers are compared as exact integers in units of 10^-4 (``SCALE``), never as floats, so ``8.5`` and ``8.50``
are the same value and ``17.10 - 13.65`` is exactly ``3.45``.

What counts as a number mention:

- digits with an optional sign (``-``, Unicode minus ``\u2212``, en dash ``\u2013`` before a number), thousands
  separators (``18,720``), decimals (``8.50``), a ``k``/``m``/``bn`` or ``thousand``/``million``/``billion``
  multiplier (``18.72k`` = 18,720; ``2m`` is read as 2 million *or* 2 metres, whichever is supported), a percent
  sign or word (``42.5%`` = ``42.5 percent`` = 42.5) and digit ordinals (``3rd`` = 3);
- common written cardinals (``three`` = 3, ``twenty-one`` = 21, ``four hundred and six`` = 406, ``thirteen thousand
  two hundred sixty`` = 13,260) as whole words,
  unless capitalised before another capitalised word (``Nine Mile Reef`` is a name); one hyphenated to another word
  is not a number (``two-wave total``), and neither is the jargon ``best two waves`` / ``two best waves`` (a heat
  score is the sum of a surfer's best two waves). In responses ``one`` is skipped (it is mostly a pronoun: "one of the
  best"); in a context, ``one`` and written ordinals (``third``) also count as support.

Never number mentions: numbered-bullet markers at a line start (``1.``, ``2)``) or run inline after a colon
(``Odile: 1. She is ranked ... 2. She won ...``, a run counting up from 1), hashtags (``#WSL2026``), digits
glued to letters on the left (ids such as ``R16`` or ``QF2``), and digits inside URLs or paths. A fraction's two
sides are two numbers (``20/27``).

A mention shown with ``d`` decimals is supported when a context number rounds to it at ``d`` decimals (half up),
or when it equals the sum or difference of two different context numbers and is shown at least as precisely as
the finer of them (see :class:`NumberSupport`). ``18.72k`` is shown to the nearest 10, so it matches 18,720 and
18,724 but not 18,760.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from typing import NamedTuple

from metrics._text import word_set

__all__ = [
    "SCALE",
    "NumberMention",
    "NumberSupport",
    "extract_numbers",
    "is_ordinal",
    "number_support",
]

SCALE_DIGITS = 4
SCALE = 10**SCALE_DIGITS
# Sums and differences are formed over at most this many distinct context values (quadratic in it).
_MAX_PAIR_VALUES = 150

_DASHES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-", "\uff0d": "-"})

# Candidates start with a sign, a digit or a decimal point (so the regex engine can skip ahead fast); what may
# precede a number (not a word character, "#", "@", "/", "\\" or a decimal point) is checked in Python.
_NUMBER = re.compile(
    r"(?=[-.\d])"  # lets the regex engine jump between candidate characters
    r"(?P<sign>-)?"
    r"(?:(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?|\.(?P<frac_only>\d+))"
    r"(?P<suffix>\s?(?:[kKmM]|[bBmM][nN])\b|\s(?:thousand|million|billion)\b|(?:st|nd|rd|th|ST|ND|RD|TH)\b)?"
)
_GLUE = frozenset(".#@/\\_")
# A numbered-bullet marker at a line's start: the first line's is matched at 0, the others' after their "\n" (a
# regex starting with "\n" lets the engine skip between line breaks; "(?m)^" tries every position).
_BULLET_BODY = r"[ \t]*(?:[-*\u2022][ \t]*)?\d{1,3}[.)](?=\s|$)"
_FIRST_BULLET_MARKER = re.compile(_BULLET_BODY)
_BULLET_MARKER = re.compile(r"\n(" + _BULLET_BODY + ")")
# A numbered list run inline: "Odile: 1. She is ranked No. 4. 2. She won ..." (after a colon or a sentence's end,
# before a capital; "No. 4. She" is not one, nor a standings line "Kai: 1. Leo: 2."). Only a run counting up from 1
# is a list.
# The marker after punctuation and the marker at the text's start are two regexes: starting with a character class
# lets the engine skip between candidate characters (4x faster than one regex starting with "(?:^|...)").
_MARKER = r"(\d{1,2})[.)][ \t]+(?=[A-Z])(?![A-Za-z'\u2019-]+[ \t]*:)"
_INLINE_MARKER = re.compile(r"[:.!?][ \t]+" + _MARKER)
_FIRST_MARKER = re.compile(_MARKER)
_NOT_BEFORE_MARKER = re.compile(r"(?i)\b(?:no|nr|number|ranked|heat|round)\.?[ \t]*$")


def _inline_markers(text: str) -> set[int]:
    """Start offsets of the digits of an inline numbered list (``1. ... 2. ... 3.``), counting up from 1."""
    expected, found = 1, set()
    first = _FIRST_MARKER.match(text)
    for match in itertools.chain((first,) if first else (), _INLINE_MARKER.finditer(text)):
        start = match.start(1)
        if int(match.group(1)) != expected or _NOT_BEFORE_MARKER.search(text, max(0, start - 12), match.start(0) + 1):
            continue
        found.add(start)
        expected += 1
    return found if len(found) >= 2 else set()


def _marker_starts(text: str) -> set[int]:
    """Start offsets of the digits of numbered-list markers: bullets at line starts and inline lists."""
    first = _FIRST_BULLET_MARKER.match(text)
    skip = {m.end() - len(m.group(1).lstrip(" \t-*\u2022")) for m in _BULLET_MARKER.finditer(text)}
    if first:
        skip.add(first.end() - len(first.group(0).lstrip(" \t-*\u2022")))
    if ". " in text or ") " in text:
        skip |= _inline_markers(text)
    return skip


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
}  # fmt: skip
# Written cardinals ("three", "twenty-one"). A number word hyphenated to another word is not read as a number:
# "two-wave total" is surf jargon (a heat score is the best two waves), not a claim about the heat.
_WRITTEN_VALUES: dict[str, int] = {**_UNITS, **_TENS}
_WRITTEN_VALUES.update(
    {f"{tens}-{unit}": tv + uv for tens, tv in _TENS.items() for unit, uv in _UNITS.items() if 0 < uv < 10}
)
# Number words looked for in a response ("one" is mostly a pronoun there) and in a context (ordinals too).
_RESPONSE_WORDS = frozenset(_WRITTEN_VALUES) - {"one"}
_CONTEXT_WORDS = frozenset(_WRITTEN_VALUES) | frozenset(_ORDINALS)

_MULTIPLIERS = {"k": 3, "thousand": 3, "m": 6, "mn": 6, "million": 6, "bn": 9, "billion": 9}


class NumberMention(NamedTuple):
    """One number found in a text.

    ``readings`` holds ``(value, quantum)`` pairs in units of 10^-4: the absolute value and the precision shown
    (``8.50`` -> ``(85000, 100)``, ``17`` -> ``(170000, 10000)``, ``18.72k`` -> ``(187200000, 100000)``). There is
    more than one reading only for an ambiguous suffix: ``2m`` is 2 million or 2 metres.
    """

    text: str
    start: int
    readings: tuple[tuple[int, int], ...]
    negative: bool = False

    @property
    def scaled(self) -> int:
        """The first reading's absolute value in units of 10^-4."""
        return self.readings[0][0]

    @property
    def value(self) -> float:
        """The first reading as a float, signed (for display; comparisons use the exact integers)."""
        magnitude = self.readings[0][0] / SCALE
        return -magnitude if self.negative else magnitude


def _round_half_up(value: int, quantum: int) -> int:
    return ((value + quantum // 2) // quantum) * quantum


# A run of more significant digits than this is no figure of any context: it is read by its first digits, and its
# size is capped, so that Python's limit on converting long digit strings never raises and its value stays a float.
_MAX_DIGITS = 64
_MAX_SHIFT = 230  # at most 64 digits times 10**230 in 10^-4 units (< 1e294), so a value < 1e290: a finite float


def _reading(int_part: str, frac: str, exponent: int) -> tuple[int, int]:
    """``(value, quantum)`` in 10^-4 units for the digits ``int_part.frac`` times ``10**exponent``."""
    text = ((int_part or "0").replace(",", "") + frac).lstrip("0") or "0"
    shift = SCALE_DIGITS + exponent - len(frac)
    if len(text) > _MAX_DIGITS:
        shift, text = min(shift + len(text) - _MAX_DIGITS, _MAX_SHIFT), text[:_MAX_DIGITS]
    digits = int(text)
    if shift >= 0:
        return digits * 10**shift, 10**shift
    # More decimals than the scale keeps: round to the scale and compare at its precision.
    return _round_half_up(digits, 10**-shift) // 10**-shift, 1


@functools.lru_cache(maxsize=8192)  # posts and junk repeat the same few numbers; the cache spans calls
def _readings(int_part: str, frac: str, suffix: str) -> tuple[tuple[int, int], ...]:
    suffix = suffix.strip().lower()
    first = _reading(int_part, frac, _MULTIPLIERS.get(suffix, 0))
    if suffix == "m":  # "2m": 2 million, or 2 metres
        return (first, _reading(int_part, frac, 0))
    return (first,)


_DIGIT_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$", re.IGNORECASE)


def is_ordinal(text: str) -> bool:
    """Whether a number as written is an ordinal ("3rd", "21st", "third"), i.e. a position."""
    return _DIGIT_ORDINAL.search(text) is not None or text.lower() in _ORDINALS


def _digit_mentions(text: str, skip: set[int]) -> list[NumberMention]:
    out: list[NumberMention] = []
    append, readings_of, glue, new_mention = out.append, _readings, _GLUE, tuple.__new__
    for match in _NUMBER.finditer(text):
        start = match.start()
        sign, int_part, frac, frac_only, suffix = match.groups()
        negative = sign is not None
        if start:
            before = text[start - 1]
            fraction = before == "/" and text[start - 2 : start - 1].isdigit()  # "20/27": two numbers
            glued = before.isalnum() or (before in glue and not fraction)
            if negative:
                if glued or before == "-":
                    # "3-2", "17.10-13.65": the dash joins two numbers, so the second one is unsigned.
                    negative, start = False, start + 1
            elif glued:
                continue
        if start in skip:
            continue
        readings = readings_of(int_part or "", frac or frac_only or "", suffix or "")
        # The match starts at a sign, digit or point and ends at a digit or a suffix letter: no space to strip.
        # tuple.__new__ builds the NamedTuple without its Python-level __new__ (a third of the cost).
        append(new_mention(NumberMention, (text[start : match.end()], start, readings, negative)))
    return out


@functools.lru_cache(maxsize=1024)
def _word_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """A regex for exactly these (lower-case) number words as whole, unhyphenated words, longest first."""
    alternatives = "|".join(sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


# "her best two waves", "the two scoring rides": how a heat is scored, not a count of anything.
_TWO_JARGON = re.compile(
    r"(?:best|top|highest|scoring|counting) two (?=(?:waves|rides|scores)\b)"
    r"|two (?=(?:best|top|highest|scoring|counting) (?:waves|rides|scores)\b)"
)


_WRITTEN_ALTERNATION = "|".join(sorted(_WRITTEN_VALUES, key=len, reverse=True))  # longest first: "twenty-one"
_DIGIT_WORDS = "|".join(w for w, v in _UNITS.items() if 0 < v < 10)  # "one" .. "nine", before "hundred"
_HUNDREDS = re.compile(
    r"(?<![\w-])(?P<h>" + _DIGIT_WORDS + r") hundred(?:(?: and)? (?P<rest>" + _WRITTEN_ALTERNATION + r"))?(?![\w-])"
)
# "thirteen thousand two hundred sixty", "twelve thousand four hundred", "nine thousand and five": one number.
_THOUSANDS = re.compile(
    r"(?<![\w-])(?P<t>" + _WRITTEN_ALTERNATION + r") thousand(?:,? (?P<h>" + _DIGIT_WORDS
    + r") hundred(?:(?: and)? (?P<r1>" + _WRITTEN_ALTERNATION + r"))?|(?: and)? (?P<r2>" + _WRITTEN_ALTERNATION
    + r"))?(?![\w-])"
)
# "Nine Mile Reef", "Two Rivers Pro": a capitalised number word before another capitalised word is part of a name.
_IN_NAME = re.compile(r"[ \t]+[A-Z]")


def _written_mentions(text: str, present: frozenset[str], *, context: bool) -> list[NumberMention]:
    out = []
    lowered = text.lower()
    jargon = {m.end() - 4 for m in _TWO_JARGON.finditer(lowered)} if "two" in present else set()  # where "two" starts
    compounds: dict[int, tuple[int, int]] = {}  # "four hundred and six": start -> (end, value)
    if "hundred" in lowered:
        for match in _HUNDREDS.finditer(lowered):
            rest = _WRITTEN_VALUES.get(match.group("rest") or "", 0)
            compounds[match.start()] = (match.end(), _WRITTEN_VALUES[match.group("h")] * 100 + rest)
    if "thousand" in lowered:
        for match in _THOUSANDS.finditer(lowered):
            hundreds = _WRITTEN_VALUES[match.group("h")] * 100 if match.group("h") else 0
            rest = _WRITTEN_VALUES.get(match.group("r1") or match.group("r2") or "", 0)
            compounds[match.start()] = (match.end(), _WRITTEN_VALUES[match.group("t")] * 1000 + hundreds + rest)
    skip_until = -1
    for match in _word_pattern(present).finditer(lowered):
        start = match.start()
        if start < skip_until or start in jargon:
            continue
        if start in compounds:
            skip_until, value = compounds[start]
            out.append(NumberMention(text[start:skip_until], start, ((value * SCALE, SCALE),)))
            continue
        if text[start].isupper() and _IN_NAME.match(text, match.end()):
            continue
        word = match.group(0)
        number = _WRITTEN_VALUES.get(word)
        value = number if number is not None else _ORDINALS[word]
        out.append(NumberMention(text[start : match.end()], start, ((value * SCALE, SCALE),)))
    return out


def extract_numbers(text: str, *, context: bool = False) -> list[NumberMention]:
    """Number mentions in ``text``, in order of appearance (see the module docstring for the rules).

    ``context=True`` reads a context rather than a response: written ``one`` and written ordinals count too.
    Never raises on a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if not text:
        return []
    normalized = text if text.isascii() else text.translate(_DASHES)  # every dash it maps is non-ASCII
    skip = _marker_starts(normalized)
    mentions = list(_digit_mentions(normalized, skip))
    present = word_set(text) & (_CONTEXT_WORDS if context else _RESPONSE_WORDS)
    if not present:
        return mentions
    written = _written_mentions(normalized, present, context=context)
    if written:
        mentions.extend(written)
        mentions.sort(key=lambda m: m.start)
    return mentions


class NumberSupport:
    """The values a context supports: its own numbers, and sums and differences of two different ones.

    A context number matches a mention rounded to the precision shown (``17`` matches ``17.10``). A sum or
    difference must be shown at least as precisely as its finer operand (``17.10 - 13.65`` matches ``3.45`` but
    not ``3.5``), otherwise any small integer would be "a sum of two context numbers, rounded".
    Built once per context by :func:`number_support` (cached), so checking a response costs a few set lookups per
    mention; rounded copies of the direct values are built lazily, once per precision.
    """

    def __init__(self, direct: Iterable[tuple[int, int]], extra: Iterable[tuple[int, int]] = ()) -> None:
        readings = set(direct)
        self.direct: frozenset[int] = frozenset(v for v, _ in readings) | frozenset(v for v, _ in extra)
        self.context_values: frozenset[int] = frozenset(v for v, _ in readings)
        pool = sorted(readings)[:_MAX_PAIR_VALUES]
        derived: dict[int, set[int]] = {}
        for i, (a, qa) in enumerate(pool):
            for b, qb in pool[i + 1 :]:
                bucket = derived.setdefault(min(qa, qb), set())
                bucket.add(a + b)
                bucket.add(abs(a - b))
        self.derived: dict[int, frozenset[int]] = {q: frozenset(vs) for q, vs in derived.items()}
        self._rounded_cache: dict[tuple[bool, int], frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self.context_values)

    def _rounded(self, context_only: bool, quantum: int) -> frozenset[int]:
        key = (context_only, quantum)
        found = self._rounded_cache.get(key)
        if found is None:
            source = self.context_values if context_only else self.direct
            found = source if quantum == 1 else frozenset(_round_half_up(v, quantum) for v in source)
            self._rounded_cache[key] = found
        return found

    def in_context(self, mention: NumberMention) -> bool:
        """Whether the mention is one of the context's own numbers, at the precision shown."""
        return any(_round_half_up(v, q) in self._rounded(True, q) for v, q in mention.readings)

    def supports(self, mention: NumberMention) -> bool:
        """Whether the mention is a context (or instruction) number, or the sum or difference of two."""
        for value, quantum in mention.readings:
            if _round_half_up(value, quantum) in self._rounded(False, quantum):
                return True
            if value % quantum == 0 and any(
                value in values for finest, values in self.derived.items() if quantum <= finest
            ):
                return True
        return False


@functools.lru_cache(maxsize=4096)
def number_support(context: str, instruction: str = "") -> NumberSupport:
    """The (cached) :class:`NumberSupport` of a context; numbers in the instruction are supported as written."""
    direct = [r for m in extract_numbers(context, context=True) for r in m.readings]
    extra = [r for m in extract_numbers(instruction, context=True) for r in m.readings] if instruction else []
    return NumberSupport(direct, extra)

"""One parse of a response, shared by every metric: sentences, number mentions, words, bullets, hashtags and the
refusal verdict, each computed once, on first use.

:func:`metrics.score` builds one :class:`Parse` per response and hands it to the structure, fact and safety
analyses, so no part of a response is tokenised or scanned for refusals twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import filterfalse
from typing import Any, Generic, TypeVar

from metrics._text import tokens, word_set
from metrics.numbers import NumberMention, extract_numbers
from metrics.refusal import RefusalVerdict, refusal_verdict

__all__ = ["Parse", "as_parse", "count_bullets", "count_word_chunks", "find_hashtags", "safe_lower", "sentence_spans"]

# At the first line's start, and after each "\n" (faster than "(?m)^", which the engine tries at every position).
_BULLET_LINE = r"[ \t]*(?:\*\*|__)?\d{1,3}[.)](?:\*\*|__)?[ \t]+\S"
_FIRST_BULLET = re.compile(_BULLET_LINE)
_BULLET = re.compile("\n" + _BULLET_LINE)
# "#" first, then the character before it checked by a two-character lookbehind: a literal first character lets the
# engine jump between the "#"s (6x faster than a lookahead "(?=#)" first, which it tries at every position).
_HASHTAG = re.compile(r"#(?<![\w#&/]#)([A-Za-z_]\w*)")
_ALNUM = re.compile(r"[^\W_]")


def count_bullets(text: str) -> int:
    """Numbered bullet lines, in either ``1.`` or ``1)`` style (optionally bold: ``**1.**``)."""
    return len(_BULLET.findall(text)) + (_FIRST_BULLET.match(text) is not None)


def find_hashtags(text: str) -> list[str]:
    """Every hashtag occurrence, without the ``#``, in order (``#1`` is not a hashtag)."""
    return _HASHTAG.findall(text)


# ASCII characters that are neither letters, digits nor whitespace (punctuation, "_", and the control characters
# str.isspace does not count): deleting them from ASCII text removes exactly the chunks that hold no letter or digit,
# and leaves the others (whitespace stays where it was).
_DELETE_ASCII_PUNCTUATION = str.maketrans(
    "", "", "".join(c for c in map(chr, range(128)) if not c.isalnum() and not c.isspace())
)


def count_word_chunks(text: str) -> int:
    """Whitespace-separated chunks that hold a letter or digit (bullet markers included)."""
    if text.isascii():
        return len(text.translate(_DELETE_ASCII_PUNCTUATION).split())
    # str.isalnum is exactly the regex class [^\W_]; most chunks are all-alphanumeric, and filterfalse skips them in C,
    # so only punctuated chunks ("17.10,", "#WSL") reach the regex.
    chunks = text.split()
    return len(chunks) - sum(1 for chunk in filterfalse(str.isalnum, chunks) if not _ALNUM.search(chunk))


# A sentence ends at a line break, at ";" or " | " (clauses of stat lines), or at ".", "!" or "?" followed by
# space, unless the word before the dot is an abbreviation ("No. 4", "def.", "vs."), an initial ("T. Lowe") or a
# numbered-bullet marker at a line start ("1. Kai ..."). The exceptions are lookbehinds, so one regex pass finds
# every boundary.
_ABBREVIATIONS = ("no", "nr", "vs", "v", "def", "pts", "pt", "avg", "approx", "est", "st", "jr", "sr", "mr", "ms",
                  "mrs", "dr", "etc", "incl", "ave", "min", "sec", "ft", "rd", "e.g", "i.e")


def _either_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else re.escape(c) for c in word)


# The regex starts with the boundary characters (so the engine can skip to candidates); a dot must be followed by
# space before the abbreviation and bullet lookbehinds are tried, so decimals ("17.10") cost one check.
_NOT_AFTER = "".join(f"(?<!\\b{_either_case(a)}\\.)" for a in _ABBREVIATIONS)
_BOUNDARY = re.compile(
    r"(?m)[\n;|.!?](?:(?<=[!?])[\"')\]]*(?=\s)"
    r"|(?<=\.)(?=[\"')\]]*\s)(?<!^\d\.)(?<!^\d\d\.)(?<!^\d\d\d\.)(?<!^ \d\.)(?<!^ \d\d\.)(?<!^  \d\.)(?<!^  \d\d\.)"
    r"(?<!\b[A-Z]\.)" + _NOT_AFTER + r"[\"')\]]*"
    r"|(?<=[\n;])|(?<=[ \t]\|)\|*(?=[ \t]))"
)


def safe_lower(text: str) -> str:
    """``text.lower()`` with the same length (offsets stay valid): characters whose lower case is longer stay."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence or clause of ``text``, leading space excluded.

    A span ends before a line break, ";" or " | ", or right after the ".", "!" or "?" (and closing quotes) that
    end it. The last span ends at the end of the text. A sentence is complete once the text goes past its end.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if text[match.start()] in ".!?":
            end = after = match.end()
        else:  # a line break, ";" or " | ": the span ends before it
            end, after = match.start(), match.end()
            while end > start and text[end - 1] in " \t":
                end -= 1
        while start < end and text[start].isspace():
            start += 1
        if start < end:
            spans.append((start, end))
        start = after
    while start < len(text) and text[start].isspace():
        start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


_T = TypeVar("_T")


class _computed_once(Generic[_T]):  # noqa: N801 (used as a decorator, like functools.cached_property)
    """``functools.cached_property`` without its lock: Python 3.11 takes a lock on each first access, a third of the
    cost of the small parts of a parse. The value is stored in the instance's ``__dict__``, which later reads find
    first. Two threads reading one new part of one :class:`Parse` at once may both compute it (same value).
    """

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: Any, owner: type | None = None) -> _T:
        if instance is None:
            return self  # type: ignore[return-value]  # the descriptor itself, read from the class (docs, help())
        value = instance.__dict__[self._name] = self._compute(instance)
        return value


class Parse:
    """A response and everything the metrics read from it, each part computed once when first asked for."""

    def __init__(self, text: str) -> None:
        self.text = text

    @_computed_once
    def lower(self) -> str:
        """The text lower-cased, same length (so offsets carry over)."""
        return safe_lower(self.text)

    @_computed_once
    def tokens(self) -> tuple[str, ...]:
        """Lower-cased word and number tokens (see :func:`metrics._text.tokens`)."""
        return tokens(self.text)

    @_computed_once
    def word_set(self) -> frozenset[str]:
        """The distinct tokens."""
        return word_set(self.text)

    @_computed_once
    def numbers(self) -> list[NumberMention]:
        """Number mentions, in order (see :func:`metrics.numbers.extract_numbers`)."""
        return extract_numbers(self.text)

    @_computed_once
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence and clause spans (see :func:`sentence_spans`)."""
        return sentence_spans(self.text)

    @_computed_once
    def lines(self) -> list[str]:
        """The text's lines."""
        return self.text.splitlines()

    @_computed_once
    def bullets(self) -> int:
        """Numbered bullet lines (see :func:`count_bullets`)."""
        return count_bullets(self.text)

    @_computed_once
    def hashtags(self) -> list[str]:
        """Every hashtag occurrence, without the ``#`` (see :func:`find_hashtags`)."""
        return find_hashtags(self.text)

    @_computed_once
    def words(self) -> int:
        """Words: chunks with a letter or digit, not counting bullet markers."""
        return count_word_chunks(self.text) - self.bullets

    @_computed_once
    def refusal(self) -> RefusalVerdict:
        """The refusal verdict (see :func:`metrics.refusal.refusal_verdict`)."""
        return refusal_verdict(self.text)


def as_parse(response: str | Parse) -> Parse:
    """``response`` itself if it is a :class:`Parse`, else a new one for the string."""
    return response if isinstance(response, Parse) else Parse(response)

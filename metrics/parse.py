"""One parse of a response, shared by every metric: sentences, number mentions, words, bullets, hashtags and the
refusal verdict, each computed once, on first use.

:func:`metrics.score` builds one :class:`Parse` per response and hands it to the structure, fact and safety
analyses, so no part of a response is tokenised or scanned for refusals twice.
"""

from __future__ import annotations

import re
from functools import cached_property
from itertools import filterfalse

from metrics._text import tokens, word_set
from metrics.numbers import NumberMention, extract_numbers
from metrics.refusal import RefusalVerdict, refusal_verdict

__all__ = ["Parse", "as_parse", "count_bullets", "count_word_chunks", "find_hashtags", "safe_lower", "sentence_spans"]

_BULLET = re.compile(r"(?m)^[ \t]*(?:\*\*|__)?\d{1,3}[.)](?:\*\*|__)?[ \t]+\S")
_HASHTAG = re.compile(r"(?=#)(?<![\w#&/])#([A-Za-z_]\w*)")
_ALNUM = re.compile(r"[^\W_]")


def count_bullets(text: str) -> int:
    """Numbered bullet lines, in either ``1.`` or ``1)`` style (optionally bold: ``**1.**``)."""
    return len(_BULLET.findall(text))


def find_hashtags(text: str) -> list[str]:
    """Every hashtag occurrence, without the ``#``, in order (``#1`` is not a hashtag)."""
    return _HASHTAG.findall(text)


def count_word_chunks(text: str) -> int:
    """Whitespace-separated chunks that hold a letter or digit (bullet markers included)."""
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


class Parse:
    """A response and everything the metrics read from it, each part computed once when first asked for."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lower(self) -> str:
        """The text lower-cased, same length (so offsets carry over)."""
        return safe_lower(self.text)

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        """Lower-cased word and number tokens (see :func:`metrics._text.tokens`)."""
        return tokens(self.text)

    @cached_property
    def word_set(self) -> frozenset[str]:
        """The distinct tokens."""
        return word_set(self.text)

    @cached_property
    def numbers(self) -> list[NumberMention]:
        """Number mentions, in order (see :func:`metrics.numbers.extract_numbers`)."""
        return extract_numbers(self.text)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Sentence and clause spans (see :func:`sentence_spans`)."""
        return sentence_spans(self.text)

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines."""
        return self.text.splitlines()

    @cached_property
    def bullets(self) -> int:
        """Numbered bullet lines (see :func:`count_bullets`)."""
        return count_bullets(self.text)

    @cached_property
    def hashtags(self) -> list[str]:
        """Every hashtag occurrence, without the ``#`` (see :func:`find_hashtags`)."""
        return find_hashtags(self.text)

    @cached_property
    def words(self) -> int:
        """Words: chunks with a letter or digit, not counting bullet markers."""
        return count_word_chunks(self.text) - self.bullets

    @cached_property
    def refusal(self) -> RefusalVerdict:
        """The refusal verdict (see :func:`metrics.refusal.refusal_verdict`)."""
        return refusal_verdict(self.text)


def as_parse(response: str | Parse) -> Parse:
    """``response`` itself if it is a :class:`Parse`, else a new one for the string."""
    return response if isinstance(response, Parse) else Parse(response)

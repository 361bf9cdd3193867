"""Tokenisation shared by the metrics, cached so that one ``score`` call tokenises a response once."""

from __future__ import annotations

import functools
import re

__all__ = ["tokens", "word_set"]

# Lower-cased words and numbers; inner apostrophes, hyphens and decimal points stay inside a token
# ("he's", "twenty-one", "two-wave", "17.10"), surrounding punctuation does not.
_TOKEN = re.compile(r"[a-z0-9]+(?:['.,-][a-z0-9]+)*")


@functools.lru_cache(maxsize=16)
def tokens(text: str) -> tuple[str, ...]:
    """The lower-cased tokens of ``text`` (cached for the few most recent texts)."""
    return tuple(_TOKEN.findall(text.lower()))


@functools.lru_cache(maxsize=16)
def word_set(text: str) -> frozenset[str]:
    """The distinct lower-cased tokens of ``text`` (cached)."""
    return frozenset(tokens(text))

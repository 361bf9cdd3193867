"""How much of a response is copied verbatim from the context (the "paste the context" hack)."""

from __future__ import annotations

import functools

from metrics._text import tokens

__all__ = ["COPY_NGRAM", "copied_share"]

# Eight words in a row is a quotation, not a coincidence; short shared phrases ("at Bells Beach") are fine.
COPY_NGRAM = 8


def _ngrams(tokens: list[str]) -> list[tuple[str, ...]]:
    return list(zip(*(tokens[i:] for i in range(COPY_NGRAM)), strict=False))


@functools.lru_cache(maxsize=4096)
def _context_ngrams(context: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_ngrams(list(tokens(context))))


def copied_share(context: str, response: str, response_tokens: tuple[str, ...] | None = None) -> float:
    """Share in [0, 1] of the response's word 8-grams that appear verbatim in the context (0 if too short).

    ``response_tokens`` are the response's tokens (:func:`metrics._text.tokens`), when the caller already has them.
    """
    grams = _ngrams(list(tokens(response) if response_tokens is None else response_tokens))
    if not grams:
        return 0.0
    source = _context_ngrams(context)
    if not source:
        return 0.0
    return sum(map(source.__contains__, grams)) / len(grams)

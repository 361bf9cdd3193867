"""How much of a response is copied verbatim from the context (the "paste the context" hack)."""

from __future__ import annotations

import functools

from metrics._text import tokens

__all__ = ["COPY_NGRAM", "copied_share"]

# Eight words in a row is a quotation, not a coincidence; short shared phrases ("at Bells Beach") are fine.
COPY_NGRAM = 8


def _ngrams(tokens: list[str]) -> list[tuple[str, ...]]:
    return list(zip(*(tokens[i:] for i in range(COPY_NGRAM)), strict=False))


_RUN = b"\x01" * COPY_NGRAM  # COPY_NGRAM words in a row that the context holds


@functools.lru_cache(maxsize=4096)
def _context_ngrams(context: str) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    """The context's word 8-grams, and its distinct words."""
    words = tokens(context)
    return frozenset(_ngrams(list(words))), frozenset(words)


def copied_share(context: str, response: str, response_tokens: tuple[str, ...] | None = None) -> float:
    """Share in [0, 1] of the response's word 8-grams that appear verbatim in the context (0 if too short).

    ``response_tokens`` are the response's tokens (:func:`metrics._text.tokens`), when the caller already has them.
    """
    words = tokens(response) if response_tokens is None else response_tokens
    n_grams = len(words) - COPY_NGRAM + 1
    if n_grams <= 0:
        return 0.0
    source, vocabulary = _context_ngrams(context)
    if not source:
        return 0.0
    # Only a run of COPY_NGRAM or more words that all occur in the context can hold a copied 8-gram, and most posts
    # have none (their own words break every run), so only those runs are cut into 8-grams and looked up. Whether
    # there is any run is one substring search over a byte per word.
    if _RUN not in bytes(map(vocabulary.__contains__, words)):
        return 0.0
    copied, run_start = 0, 0
    for i, known in enumerate(map(vocabulary.__contains__, words)):
        if not known:
            if i - run_start >= COPY_NGRAM:
                copied += sum(map(source.__contains__, _ngrams(list(words[run_start:i]))))
            run_start = i + 1
    if len(words) - run_start >= COPY_NGRAM:
        copied += sum(map(source.__contains__, _ngrams(list(words[run_start:]))))
    return copied / n_grams

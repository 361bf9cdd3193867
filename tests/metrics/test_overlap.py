from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics._text import tokens
from metrics.overlap import COPY_NGRAM, copied_share

CONTEXT = (
    "Heat 3, Round of 16 at Bells Beach: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat Leo Santos "
    "on 13.65 (best waves 7.15 and 6.50). Kai caught 9 waves."
)


@pytest.mark.parametrize(
    ("response", "low", "high"),
    [
        (CONTEXT, 1.0, 1.0),  # the context itself is all copied
        (CONTEXT.upper(), 1.0, 1.0),  # case does not hide a copy
        ("Kai Moana takes Heat 3 at Bells Beach with a 17.10.", 0.0, 0.0),  # short shared phrases are not copying
        ("Short.", 0.0, 0.0),  # too short to have an 8-gram
        ("1. " + CONTEXT + " Then he celebrated with the whole crew on the sand for an hour.", 0.5, 0.9),  # partly
    ],
)
def test_copied_share(response: str, low: float, high: float) -> None:
    assert low <= copied_share(CONTEXT, response) <= high


def test_empty_context() -> None:
    assert copied_share("", "any response at all with more than eight words in it") == 0.0


def _every_ngram_share(context: str, response: str) -> float:
    """The definition, without the shortcut: every 8-gram of the response looked up in the context's."""
    def grams(text: str) -> list[tuple[str, ...]]:
        words = tokens(text)
        return [words[i : i + COPY_NGRAM] for i in range(len(words) - COPY_NGRAM + 1)]

    source, own = set(grams(context)), grams(response)
    return sum(g in source for g in own) / len(own) if own and source else 0.0


_CONTEXT_WORDS = CONTEXT.split()
# a piece of a response: a run of the context's own words (start, length), or a word the context lacks
_PIECES = st.one_of(
    st.tuples(st.integers(0, len(_CONTEXT_WORDS) - 1), st.integers(1, 12)),
    st.sampled_from(["crowd", "roared", "again", "what", "a", "ride"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=8))
def test_only_runs_of_context_words_are_looked_up_yet_the_share_is_the_definitions(pieces: list) -> None:
    # copied_share cuts 8-grams only from runs of words that all occur in the context; responses stitched from
    # quoted runs of every length and other words must still get exactly the plain definition's share
    words = [w for p in pieces for w in ([p] if isinstance(p, str) else _CONTEXT_WORDS[p[0] : p[0] + p[1]])]
    response = " ".join(words)
    assert copied_share(CONTEXT, response) == pytest.approx(_every_ngram_share(CONTEXT, response), abs=1e-12)

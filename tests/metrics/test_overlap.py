from __future__ import annotations

import pytest

from metrics.overlap import copied_share

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

from __future__ import annotations

import pytest

from metrics.numbers import extract_numbers
from metrics.scope import (
    asks_history,
    career_offsets,
    changed_from,
    names_past,
    names_season,
    past_offsets,
    past_years,
)


def past_texts(context: str) -> set[str]:
    numbers = extract_numbers(context, context=True)
    starts = past_offsets(context, context.lower(), numbers)
    return {m.text for m in numbers if m.start in starts}


@pytest.mark.parametrize(
    ("context", "past"),
    [
        # "up from X": X is the earlier value
        ("Avg heat total was 12.48, which is up from 11.20 last year.", {"11.20"}),
        # a past phrase after the number, in its clause
        ("She won 3 events this season and 1 last season.", {"1"}),
        # a past phrase that labels the next number does not reach back: 14th is current
        ("Current rank: 14th (last season: 9th)", {"9th"}),
        # a clause that opens with a past phrase: all its numbers
        ("Rank 2 on 47,350 points. Last season: 6th, 34,800 points.", {"6th", "34,800"}),
        # lines that open with years: every line of an earlier year than the latest
        ("2023: rank 6, 34,800 pts\n2024: rank 2, 47,350 pts", {"6", "34,800"}),
        # one year is no history
        ("2024: rank 2, 47,350 pts", set()),
    ],
)
def test_past_offsets(context: str, past: set[str]) -> None:
    assert past_texts(context) == past


def test_past_years_need_two_years() -> None:
    assert past_years("2023 | 6 | 34,800\n2024 | 2 | 47,350") == frozenset({2023})
    assert past_years("2024 | 2 | 47,350") == frozenset()


@pytest.mark.parametrize(
    ("sentence", "history", "expected"),
    [
        ("she had 34,800 points last season.", False, True),  # says it is the past
        ("she had 34,800 points in 2023.", False, True),  # names an earlier year of the context
        ("she has 34,800 points.", False, False),  # says nothing: the present
        ("she had 34,800 points.", True, True),  # the user asks about her career: any season
        ("she sits on 34,800 points.", True, False),  # ... unless given as the present standing
    ],
)
def test_names_past(sentence: str, history: bool, expected: bool) -> None:
    assert names_past(sentence, frozenset({2023}), history) is expected


def test_asks_history() -> None:
    assert asks_history("How has her ranking changed over her career?")
    assert not asks_history("Write a 3-bullet profile of her 2024 season.")


def test_changed_from() -> None:
    text = "averaged 12.48, up from 11.20"
    assert changed_from(text, 0, text.index("11.20"))
    assert not changed_from(text, 0, text.index("12.48"))


def test_career_offsets() -> None:
    context = ("| Stat | Obi |\n| Career wins | 5 |\n| Best wave | 9.10 |\n"
               "Career totals: 58 events, this season: 3 wins")
    numbers = extract_numbers(context, context=True)
    starts = career_offsets(context.lower(), numbers)
    assert {m.text for m in numbers if m.start in starts} == {"5", "58"}  # a season named after "career" resets it


def test_names_season() -> None:
    assert names_season("the best ride of the season was a 9.93.")
    assert not names_season("his career-best ride this season was a 9.93.")
    assert not names_season("his best ride was a 9.93.")

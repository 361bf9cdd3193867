from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics._task import read_task
from metrics.facts import analyze_facts, fact_score


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Kai won with 17.10 over Leo's 13.65.", 1.0),  # two context numbers, nothing invented
        ("Kai won 17.10 to 13.65, a margin of 3.45.", 1.0),  # the margin is a difference of context numbers
        ("Kai won with 17.1 (a 9.1 and an 8).", 1.0),  # trailing zeros and rounding at the precision shown
        ("Kai won with 17.10 over 13.65 in Heat 3 of the Round of 16.", 1.0),  # heat and round numbers are context
        ("1. Kai 17.10\n2. Leo 13.65\n3. Margin 3.45\n#WSL2026", 1.0),  # bullet markers and hashtags ignored
        ("Kai caught nine waves for 17.10.", 1.0),  # a written number matched against the context's digits
        ("Kai won with 17.10.", 0.5),  # one context number of the two wanted: coverage 0.5
        ("Kai won by 3.45.", 0.5),  # a true margin uses the context too: coverage 0.5
        ("Kai won 17.10 to 13.65, by 3.45.", 1.0),  # two context figures and a margin: coverage 1
        ("Kai won comfortably.", 0.0),  # no figure at all: coverage 0, and the floor is 0
        ("Kai won with 17.10 over 13.65 and a 9.97 wave.", 2 / 3),  # one of three numbers invented
        ("Kai won with 19.40 over 11.20.", 0.0),  # nothing supported
    ],
)
def test_fact_score_answer_task(answer_task: dict[str, Any], response: str, expected: float) -> None:
    assert fact_score(answer_task, response) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("Sorry, but I can't share that.", 1.0),  # a refusal needs no numbers on a refuse-task
        ("The stats only cover Heat 3, so I can't say.", 1.0),  # context numbers are fine in a refusal
        ("I can't predict the 2027 final.", 1.0),  # the year comes from the instruction
        ("I won't guess, but he'd need about 18.50.", 0.0),  # an invented number costs a refusal its fact marks
    ],
)
def test_fact_score_refuse_task(unanswerable_task: dict[str, Any], response: str, expected: float) -> None:
    assert fact_score(unanswerable_task, response) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("floor", "response", "expected"),
    [
        (0.5, "Kai won comfortably.", 0.5),  # the earlier reward: no figure kept half the fact score
        (0.5, "Kai won with 17.10.", 0.75),  # half-way between the floor and full coverage
        (1.0, "Kai won comfortably.", 1.0),  # floor 1: coverage off, precision only
        (0.5, "Kai won with 19.40.", 0.0),  # the floor scales precision, so a false figure still scores 0
    ],
)
def test_coverage_floor(answer_task: dict[str, Any], floor: float, response: str, expected: float) -> None:
    assert analyze_facts(read_task(answer_task), response, coverage_floor=floor).score == pytest.approx(expected)


@pytest.mark.parametrize("floor", [-0.1, 1.5])
def test_coverage_floor_out_of_range(answer_task: dict[str, Any], floor: float) -> None:
    with pytest.raises(ValueError, match="coverage_floor must be in"):
        analyze_facts(read_task(answer_task), "Kai won.", coverage_floor=floor)


def test_details_list_unsupported_numbers(answer_task: dict[str, Any]) -> None:
    report = analyze_facts(read_task(answer_task), "Kai 17.10, Leo 12.34, margin 5.12, crowd 18.7k.")
    assert report.unsupported == ("12.34", "5.12", "18.7k")
    assert report.to_dict()["unsupported_numbers"] == ["12.34", "5.12", "18.7k"]
    assert report.supported == 1 and report.numbers == 4


def test_context_without_numbers_needs_none(task_factory: Any) -> None:
    # coverage only applies when the context has numbers to use
    task = task_factory(context="Kai Moana beat Leo Santos at Bells Beach.")
    assert fact_score(task, "Kai beat Leo at Bells.") == 1.0


def test_rejects_non_string_response(answer_task: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="response must be a str"):
        fact_score(answer_task, b"17.10")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["answer", "refuse"]))
def test_fact_score_bounds(text: str, behavior: str) -> None:
    task = {"context": "Kai 17.10, Leo 13.65, crowd 18,720", "expected_behavior": behavior}
    assert 0.0 <= fact_score(task, text) <= 1.0

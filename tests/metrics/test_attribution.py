from __future__ import annotations

import pytest

from metrics.attribution import read_numbers
from metrics.entities import context_entities
from metrics.numbers import extract_numbers
from metrics.parse import safe_lower, sentence_spans


def readings(text: str, context: str | None = None, *, as_context: bool = False) -> dict[str, tuple]:
    entities = context_entities(context if context is not None else text)
    numbers = extract_numbers(text, context=as_context)
    found = read_numbers(text, safe_lower(text), numbers, sentence_spans(text), entities, context=as_context)
    return {r.mention.text: (r.subject, r.statistic) for r in found}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        # generated prose, with waves in brackets after each total
        ("Heat 2 at the Stingray Reef Classic: Mara Duarte scored 17.04 (best waves 9.75 and 7.29) and beat Felipe "
         "Sorensen on 8.08 (best waves 6.10 and 1.98).",
         {"17.04": ("Mara Duarte", "heat_total"), "1.98": ("Felipe Sorensen", "wave_score"),
          "2": ("Stingray Reef Classic", "heat_number")}),
        # "Winner: / Runner-up:" blocks
        ("FINAL - Cormorant Point Classic. Winner: Wiremu Thorsby 17.20 (waves: 9.03, 8.17). Runner-up: Ciaran "
         "Abernethy 13.86 (waves: 7.33, 6.53).",
         {"17.20": ("Wiremu Thorsby", "heat_total"), "6.53": ("Ciaran Abernethy", "wave_score")}),
        # "ranked No. 4 on 14,880 points", "16 of 24 heats"
        ("Gabe Horta is ranked No. 4 on 14,880 points and has won 16 of 24 heats.",
         {"4": ("Gabe Horta", "rank"), "14,880": ("Gabe Horta", "points"), "16": ("Gabe Horta", "wins"),
          "24": ("Gabe Horta", "heats")}),
        # "Name: value" list under a heading line
        ("Hana Kowalczyk\n- Rank: 3rd\n- Points: 38,440\n- Heats: 20/27 won (74.1%)",
         {"3rd": ("Hana Kowalczyk", "rank"), "38,440": ("Hana Kowalczyk", "points"),
          "20": ("Hana Kowalczyk", "wins"), "27": ("Hana Kowalczyk", "heats"), "74.1": ("Hana Kowalczyk", "win_rate")}),
        # pipe-separated event stat line, with abbreviations and a range
        ("SBP (M): 36 surfers | 47 heats | avg heat 12.66 | 18 exc. waves | 4-6 ft",
         {"36": (None, "surfers"), "47": (None, "heats"), "12.66": (None, "avg_heat"), "18": (None, "excellent"),
          "4": (None, "swell")}),
        # numbers written as words
        ("Breakneck Point Pro: twenty-four surfers, thirty-one heats, four hundred and six waves ridden.",
         {"twenty-four": ("Breakneck Point Pro", "surfers"), "four hundred and six": ("Breakneck Point Pro",
                                                                                      "waves_ridden")}),
        # a record
        ("Heat record: 25 wins, 7 losses (78.1%).", {"25": (None, "wins"), "7": (None, "losses")}),
    ],
)
def test_context_formats(context: str, expected: dict[str, tuple]) -> None:
    found = readings(context, as_context=True)
    for text, reading in expected.items():
        assert found[text] == reading, text


@pytest.mark.parametrize(
    ("post", "number", "subject"),
    [
        ("The highest heat total was 17.32 by Nalu Nakoa.", "17.32", "Nalu Nakoa"),  # named after, by "by"
        ("Kai's 9.10 led the way.", "9.10", "Kai Moana"),  # a possessive
        ("Kai Moana beat Leo Santos with a 17.10.", "17.10", None),  # the object of a defeat owns nothing
        ("Kai Moana beat Leo Santos on 13.65.", "13.65", "Leo Santos"),  # "Leo Santos on 13.65" is his
        ("Kai won 17.10 to 13.65.", "13.65", None),  # the other side of a score line
        ("Kai Moana beat Leo Santos 17.10 to 13.65.", "17.10", "Kai Moana"),  # a score line's verb says whose
        ("Kai Moana beat Leo Santos 17.10 to 13.65.", "13.65", "Leo Santos"),
        ("Leo Santos trailed Kai Moana 17.10 to 13.65.", "17.10", "Kai Moana"),
        ("Leo Santos trailed Kai Moana 17.10 to 13.65.", "13.65", "Leo Santos"),
        ("Kai Moana beat Leo Santos 13.65 to 17.10.", "13.65", None),  # the smaller side first: left unread
        ("Kai posted 17.10 and the runner-up managed 13.65.", "13.65", None),  # an unnamed athlete
        ("At the Pelican Point Challenge, Nalu Nakoa posted 17.32.", "17.32", "Nalu Nakoa"),
    ],
)
def test_post_subjects(post: str, number: str, subject: str | None) -> None:
    context = "Kai Moana beat Leo Santos. Nalu Nakoa won the Pelican Point Challenge."
    assert readings(post, context)[number][0] == subject


@pytest.mark.parametrize(
    ("post", "number", "statistic"),
    [
        # a superlative single heat or wave before the number outweighs a rate after it
        ("Lani Ortega scored a best heat of 13.79 per heat.", "13.79", "heat_total"),
        ("Her best wave was a 7.40 per wave.", "7.40", "wave_score"),
        # ... unless the clause says it averages, or no superlative is there
        ("Her best heat came early; she averaged 13.79 per heat.", "13.79", "avg_heat"),
        ("Lani Ortega scored 13.79 per heat.", "13.79", "avg_heat"),
    ],
)
def test_superlative_before_a_rate(post: str, number: str, statistic: str) -> None:
    context = "Lani Ortega has an average heat score of 13.79 and a best heat total of 16.01."
    assert readings(post, context)[number][1] == statistic

from __future__ import annotations

import pytest

from metrics.statistics import (
    STATISTICS,
    after_statistic,
    comparable,
    compatible,
    plausible,
    statistic_before,
)


@pytest.mark.parametrize(
    ("after", "value", "integer", "expected"),
    [
        (" heat total", 17.1, False, "heat_total"),  # the noun right after names it
        (" waves", 9, True, "waves_ridden"),  # an integer before "waves" is a count
        (" waves", 8.57, False, "wave_score"),  # a decimal before "waves" is a score
        ("-point ride", 9.1, False, "wave_score"),  # "9.10-point ride"
        (" points", 55045, True, "points"),
        ("-point total", 55045, True, "points"),  # a "point total" in the thousands is ranking points
        ("% win rate", 69.6, False, "win_rate"),
        (" or better)", 8, False, "threshold"),  # "8.00 or better"
        (" clear", 3.45, False, "margin"),  # a margin stated after its number
        (" points ahead", 5465, True, "margin"),  # ahead wins over the unit
        (" excellent scores", 17, True, "excellent"),
        (" podium finishes", 2, True, "podiums"),
        (" heat wins", 3, True, "wins"),
        (" event wins", 2, True, "event_wins"),  # events won are not heats won
        (" titles this year", 2, True, "event_wins"),
        (" events won", 4, True, "event_wins"),
        (" heats are won", 16, True, "wins"),  # "16 heats are won": heats won, as "16 heats were won"
        (" heats", 27, True, "heats"),
        (" events", 9, True, "events"),
        (" surfers", 36, True, "surfers"),
        (" per heat", 14.3, False, "avg_heat"),  # "averages 14.30 per heat"
        (" waves per heat", 15.2, False, "average"),  # a per-heat count is an average, kind unsaid
        (" ft", 6, True, "swell"),
        (" minutes left", 3, True, "time"),
        (" is the best single wave of the round", 17.1, False, "wave_score"),  # a copula names it too
        (" on his opening wave", 9.1, False, "wave_score"),  # so does a short prepositional bridge
        (" in the rankings", 6, True, "rank"),
        (" win", 15.2, False, None),  # "a 15.20 win" is a score, not a count of wins
        (", so the margin", 13.65, False, None),  # punctuation first: the cue belongs to the next number
    ],
)
def test_after_statistic(after: str, value: float, integer: bool, expected: str | None) -> None:
    assert after_statistic(after, value, integer)[0] == expected


@pytest.mark.parametrize(
    ("before", "integer", "expected"),
    [
        ("a heat total of ", False, "heat_total"),
        ("kai moana is ranked no. ", True, "rank"),  # an adjacent cue touching the number
        ("won ", True, "wins"),
        ("won ", False, None),  # "won 17.10" is a score
        ("best waves ", False, "wave_score"),
        ("heat ", True, "heat_number"),
        ("the round of ", True, "round"),
        ("beat leo by over ", False, "margin"),  # "by over" is a margin, not a threshold
        ("kai posted a 17.10 heat total, built on a ", False, "wave_score"),  # the nearest cue wins
        ("averages ", False, "average"),
        ("has an average heat score of ", False, "avg_heat"),
        ("the average wave score was ", False, "avg_wave"),
        ("a win rate of ", False, "win_rate"),
        ("a gap of ", True, "margin"),
        ("heats won: ", True, "wins"),  # "Label: value"
        ("event wins: ", True, "event_wins"),  # "Event wins: 2", a table's "Event wins" column likewise
        ("four titles and ", True, "event_wins"),
        ("heats run: ", True, "heats_run"),
        ("finished ", True, "finish"),
        (" in total, and ", True, None),  # "rode 455 waves in total, and 38 ...": an adverb, not a heat total
        ("prize money of $", True, "prize_money"),
        ("scored ", False, None),  # a generic verb names nothing
    ],
)
def test_statistic_before(before: str, integer: bool, expected: str | None) -> None:
    assert statistic_before(before, integer) == expected


def test_bare_waves_before_a_number_is_decided_by_its_form() -> None:
    # "rode the most waves, 42" is a count; "best waves 9.10" a score; the caller decides for a bare "waves"
    assert statistic_before("rode the most waves, ", True) == "wave_or_count"
    assert statistic_before("his best waves ", False) == "wave_score"


@pytest.mark.parametrize(
    ("claimed", "fact", "expected"),
    [
        ("heat_total", "heat_total", True),  # the same statistic
        (None, "heat_total", True),  # a claim that names no statistic agrees with any
        ("heat_total", None, True),  # a fact the reader could not name agrees with any claim
        ("average", "avg_heat", True),  # "averages 14.30" may be a heat or a wave average
        ("avg_heat", "avg_wave", False),  # but a heat average is not a wave average
        ("heats", "heats_run", True),  # heats of an athlete or of an event: the subject tells them apart
        ("finish", "rank", True),  # "finished fourth" is said of a season's ranking too
        ("wave_score", "heat_total", False),  # the misattribution the claims metric exists to catch
        ("win_rate", "heat_total", False),
        ("wins", "event_wins", True),  # "2 wins" may be events won
        ("event_wins", "wins", False),  # but "2 event wins" are never heats won
    ],
)
def test_compatible(claimed: str | None, fact: str | None, expected: bool) -> None:
    assert compatible(claimed, fact) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("heat_total", "heat_total", True),  # a winning margin
        ("points", "points", True),  # a points gap
        ("heat_total", "avg_heat", True),  # "beat the event average by 5.65"
        ("heat_total", "wave_score", False),  # a total minus a wave is nothing anyone states
        ("rank", "points", False),
    ],
)
def test_comparable(a: str, b: str, expected: bool) -> None:
    assert comparable(a, b) is expected


@pytest.mark.parametrize(
    ("statistic", "value", "expected"),
    [
        ("wave_score", 9.1, True),
        ("wave_score", 17.1, False),  # no wave scores above 10
        ("rank", 46150, False),  # "No. 2 Mathis Fontaine, 46,150": the 46,150 cannot be a rank
        ("points", 24, False),  # ranking points run in the hundreds and up
        ("heat_total", 17.1, True),
        (None, 12345, True),  # no statistic, no range
    ],
)
def test_plausible(statistic: str | None, value: float, expected: bool) -> None:
    assert plausible(statistic, value) is expected


def test_vocabulary_covers_the_issue_list() -> None:
    # every statistic the data holds has a name
    for name in ("heat_total", "wave_score", "margin", "points", "rank", "wins", "heats", "events", "podiums",
                 "win_rate", "avg_heat", "avg_wave", "waves_ridden", "surfers", "heats_run", "excellent", "swell",
                 "time", "round", "heat_number"):
        assert name in STATISTICS


@pytest.mark.parametrize(
    ("after", "value", "integer", "expected"),
    [
        (" heat, a 33.3% win rate", 8.77, False, "heat_total"),  # "an 8.77 heat": a heat total
        (" heat.", 8.77, False, "heat_total"),
        (" heat", 8.0, True, "heats"),  # an integer before "heat" is still a count
        (" heats have been won", 16.0, True, "wins"),  # heats won, however it is phrased
        (" heats were won", 16.0, True, "wins"),
        (" heats surfed", 16.0, True, "heats"),
    ],
)
def test_after_statistic_singular_heat_and_heats_won(after: str, value: float, integer: bool, expected: str) -> None:
    assert after_statistic(after, value, integer)[0] == expected

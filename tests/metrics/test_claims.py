from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metrics
from metrics.claims import FALSE_VERDICTS, TRUE_VERDICTS, VERDICTS, Claim, claims, context_facts

# The worked example of docs/metrics.md: Kai Moana 17.10 (9.10 + 8.00) beat Leo Santos 13.65 (7.15 + 6.50).
RECAP = (
    "Heat 3, Round of 16 at Bells Beach: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat Leo Santos "
    "on 13.65 (best waves 7.15 and 6.50). Kai caught 9 waves."
)
SEASON = (
    "Ines Mbeki is ranked No. 1 with 53,500 points. Ines Mbeki has won 16 of 23 heats this season, a win rate of "
    "69.6%. Ines Mbeki has 4 podiums from 9 events. Felipe Sorensen is ranked No. 8 with 41,840 points. Felipe "
    "Sorensen has won 5 of 19 heats this season, a win rate of 26.3%. Felipe Sorensen has 1 podium from 7 events."
)
STATS = (
    "The Pelican Point Challenge at Pelican Point ran 27 heats. Surfers rode 298 waves in total. The average heat "
    "total was 11.67. There were 17 excellent scores (8.00 or better). The highest heat total was 17.32 by Nalu "
    "Nakoa, and the best single wave was an 8.87 by Ines Quill."
)


def task(context: str) -> dict[str, Any]:
    return {"context": context, "expected_behavior": "answer", "instruction": "Write a post."}


def read(context: str, post: str) -> list[tuple[str, str | None, str | None, str]]:
    return [(c.text, c.subject, c.statistic, c.verdict) for c in claims(task(context), post)]


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # supported: value, subject and statistic agree with a context fact
        (RECAP, "Kai posted a 17.10 heat total.", [("17.10", "Kai Moana", "heat_total", "supported")]),
        (RECAP, "Leo Santos answered with 13.65.", [("13.65", "Leo Santos", None, "supported")]),  # subject only
        (RECAP, "The best single wave was a 9.10.", [("9.10", None, "wave_score", "supported")]),  # statistic only
        # derived: a margin between the two totals of the heat, or two waves making a total
        (RECAP, "Kai won by 3.45.", [("3.45", "Kai Moana", "margin", "derived")]),
        (RECAP, "Leo's waves summed to 13.65.", [("13.65", "Leo Santos", "heat_total", "supported")]),
        # misattributed: the value is in the context, as another statistic or another athlete's
        (RECAP, "Kai Moana's 17.10 is the best single wave of the round.",
         [("17.10", "Kai Moana", "wave_score", "misattributed")]),  # a heat total called a wave
        (RECAP, "Leo Santos's best wave, a 9.10, kept him close.",
         [("9.10", "Leo Santos", "wave_score", "misattributed")]),  # Kai's wave given to Leo
        (RECAP, "Leo caught 9 waves.", [("9", "Leo Santos", "waves_ridden", "misattributed")]),  # Kai's count
        (RECAP, "Kai caught 3 waves.", [("3", "Kai Moana", "waves_ridden", "misattributed")]),  # the heat number
        # unsupported: the value is nowhere in the context
        (RECAP, "Kai posted a 17.90 heat total.", [("17.90", "Kai Moana", "heat_total", "unsupported")]),
        (RECAP, "Kai won by 3.55.", [("3.55", "Kai Moana", "margin", "unsupported")]),  # a wrong margin
        # unverifiable: in the context, but nothing says what it is
        (RECAP, "17.10!", [("17.10", None, None, "unverifiable")]),
        (RECAP, "The runner-up managed 13.65.", [("13.65", None, None, "unverifiable")]),  # an unnamed athlete
    ],
)
def test_verdicts(context: str, post: str, expected: list[tuple[str, str | None, str | None, str]]) -> None:
    assert read(context, post) == expected


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        (SEASON, "Ines Mbeki sits No. 1.", ("1", "Ines Mbeki", "rank", "supported")),
        (SEASON, "Felipe is on 41,840 points.", ("41,840", "Felipe Sorensen", "points", "supported")),
        (SEASON, "Felipe Sorensen has 53,500 points.", ("53,500", "Felipe Sorensen", "points", "misattributed")),
        (SEASON, "Ines has 16 heat wins.", ("16", "Ines Mbeki", "wins", "supported")),
        (SEASON, "Ines has 23 heat wins.", ("23", "Ines Mbeki", "wins", "misattributed")),  # wins and heats swapped
        (SEASON, "Ines wins 69.6% of her heats.", ("69.6", "Ines Mbeki", "win_rate", "supported")),
        (SEASON, "Ines Mbeki has 4 podiums.", ("4", "Ines Mbeki", "podiums", "supported")),
        (SEASON, "Felipe Sorensen has surfed 7 events.", ("7", "Felipe Sorensen", "events", "supported")),
        (SEASON, "Felipe Sorensen is ranked No. 1.", ("1", "Felipe Sorensen", "rank", "misattributed")),
        (SEASON, "The points gap is 11,660.", ("11,660", None, "margin", "derived")),  # 53,500 - 41,840
        (STATS, "The event ran 27 heats.", ("27", "Pelican Point Challenge", "heats_run", "supported")),
        (STATS, "Surfers rode 298 waves.", ("298", "Pelican Point Challenge", "waves_ridden", "supported")),
        (STATS, "The average heat total was 11.67.", ("11.67", None, "avg_heat", "supported")),
        (STATS, "Nalu Nakoa averaged 11.67.", ("11.67", "Nalu Nakoa", "average", "misattributed")),  # the event's
        (STATS, "Judges handed out 17 excellent scores.", ("17", None, "excellent", "supported")),
        (STATS, "Nalu Nakoa posted a 17.32.", ("17.32", "Nalu Nakoa", None, "supported")),
        (STATS, "The best single wave was an 8.87 from Nalu Nakoa.",
         ("8.87", "Nalu Nakoa", "wave_score", "misattributed")),  # Ines Quill's wave
        (STATS, "The top heat total of 8.87 came from Ines Quill.",
         ("8.87", "Ines Quill", "heat_total", "misattributed")),  # her wave called a total
        (RECAP, "It was Heat 3 of the Round of 16.", ("3", None, "heat_number", "supported")),
    ],
)
def test_statistics_and_subjects(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


# A season context with averages and no heat or wave scores: its "points" are ranking points.
AVERAGES = (
    "Koa Arruda is ranked No. 5 with 48,580 points. Koa Arruda's heat win rate is 69.7%. Koa Arruda has an "
    "average heat score of 13.28. Leilani Amaro is ranked No. 19 with 11,935 points. Leilani Amaro's heat win "
    "rate is 25.0%. Leilani Amaro has an average heat score of 11.73."
)


ELLIPSIS = (
    "Semifinal 1 at the Kingfisher Reef Invitational: Odile Marchetti beat Saoirse Dunleavy 15.60 to 14.90. Odile's "
    "best waves were 8.10 and 7.50; Saoirse's were 8.40 and 6.50."
)
TWO_HEATS = (
    "SF1: Kai Moana 17.10 (9.10 + 8.00) def. Leo Santos 13.65 (7.15 + 6.50). "
    "SF2: Mara Lowe 14.20 (7.40 + 6.80) def. Ines Quill 12.00 (6.50 + 5.50)."
)


# Rules added on 2026-12-02 from the dev split's disagreements: one case each, with its counterpart that must not move.
@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # a percentage called a score: no score is a percentage, so the win rate is misattributed
        (AVERAGES, "Koa Arruda posted the highest score of the season, 69.7%.",
         ("69.7", "Koa Arruda", "heat_total", "misattributed")),
        (AVERAGES, "Koa Arruda wins 69.7% of his heats.", ("69.7", "Koa Arruda", "win_rate", "supported")),
        # a decimal called "points" where the context has no heat or wave scores: ranking points, so an average
        # given as points is misattributed ...
        (AVERAGES, "Leilani Amaro has 11.73 points.", ("11.73", "Leilani Amaro", "points", "misattributed")),
        (AVERAGES, "Leilani Amaro averages 11.73 points per heat.",
         ("11.73", "Leilani Amaro", "avg_heat", "supported")),  # ... but a named average is still one
        # ... and where the context has heat scores, "points" is a score of unnamed kind
        (RECAP, "Kai Moana scored 17.10 points.", ("17.10", "Kai Moana", None, "supported")),
        # "in X's favour": the margin must favour X (Ines Mbeki has the more points)
        (SEASON, "That leaves a gap of 11,660 points in Ines Mbeki's favour.",
         ("11,660", "Ines Mbeki", "points", "derived")),
        (SEASON, "That leaves a gap of 11,660 points in Felipe Sorensen's favour.",
         ("11,660", "Felipe Sorensen", "points", "unsupported")),
        # "the top single ride of the heat" must be the heat's top wave (Kai's 9.10, not Leo's 7.15) ...
        (RECAP, "The top single ride of the heat was Leo Santos's 7.15.",
         ("7.15", "Leo Santos", "wave_score", "misattributed")),
        (RECAP, "The top single ride of the heat was Kai Moana's 9.10.",
         ("9.10", "Kai Moana", "wave_score", "supported")),
        (RECAP, "Leo Santos posted the highest heat total, a 13.65.",
         ("13.65", "Leo Santos", "heat_total", "misattributed")),
        (RECAP, "Leo Santos's best wave was a 7.15.", ("7.15", "Leo Santos", "wave_score", "supported")),  # his own
        # ... judged only against waves the context names as waves: Saoirse's 8.40 is not read as a wave there, and
        # "the best single wave, an 8.40" stays true (gold-005)
        (ELLIPSIS, "Saoirse Dunleavy posted the best single wave, an 8.40.",
         ("8.40", "Saoirse Dunleavy", "wave_score", "supported")),
        # ... but a context of more than one heat has no one top ("the best wave of SF2")
        (TWO_HEATS, "The best single wave was a 7.40 from Mara Lowe.",
         ("7.40", "Mara Lowe", "wave_score", "supported")),
    ],
)
def test_rules_of_2026_12_02(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


# Rules added while reading the labelled set's dev split (data/claims): one case each.
NOTES = "nadia oyarzun: rank 13, 19,250 pts, 10-9 in heats\nfenella grimaldi: rank 3, 35,900 pts, 18-8 in heats"
PROSE = ("Odette Rautenbach opened with a 7.10 and then found an 8.83. Priya Villalobos answered with a 7.93 and "
         "backed it up with a 6.40. Rautenbach took the title with 15.93 to Villalobos's 14.33.")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # a count or a position written with decimals is impossible, so false
        (SEASON, "Felipe Sorensen is No. 69.6 in the world.", ("69.6", "Felipe Sorensen", "rank", "misattributed")),
        (STATS, "Judges handed out 11.67 excellent scores.", ("11.67", None, "excellent", "misattributed")),
        (RECAP, "It was the Round of 9.10.", ("9.10", None, "round", "misattributed")),
        (STATS, "The event ran 12.34 heats.", ("12.34", "Pelican Point Challenge", "heats_run", "unsupported")),
        # "won A of B" ends with B: a figure after it starts nothing ("27" is heats, "36,770" not a count of them)
        (SEASON, "Ines won 16 of 23 from 53,500.", ("23", "Ines Mbeki", "heats", "supported")),
        # "won A of B events": B is events, whatever the "of" pair suggests
        (SEASON, "Felipe won 5 of 19 events.", ("19", "Felipe Sorensen", "events", "misattributed")),
        # a list shares its owner: "Leo's best rides were a 9.10 and an 8.00" gives both waves to Leo
        (RECAP, "Leo Santos's best rides were a 7.15 and an 8.00.",
         ("8.00", "Leo Santos", "wave_score", "misattributed")),
        # the statistic may follow the number: "a 17.10 best single wave"
        (RECAP, "Kai posted a 17.10 best single wave.", ("17.10", "Kai Moana", "wave_score", "misattributed")),
        # "sits 6th" is a rank; an ordinal is never a sum or a difference
        (SEASON, "Felipe sits 8th.", ("8th", "Felipe Sorensen", "rank", "supported")),
        (SEASON, "Ines sits 7th.", ("7th", "Ines Mbeki", "rank", "misattributed")),
        # "N-M in heats" and a bare integer "N-M" are a win-loss record
        (NOTES, "Nadia Oyarzun is 10-9 in heats.", ("10", "Nadia Oyarzun", "wins", "supported")),
        (NOTES, "Fenella Grimaldi holds the top heat, 18-8.", ("8", "Fenella Grimaldi", "losses", "supported")),
        # names the context writes in lower case are found in any case
        (NOTES, "nadia oyarzun sits on 35,900 points.", ("35,900", "Nadia Oyarzun", "points", "misattributed")),
        # a context decimal whose statistic is not said is still a score: never minutes or feet
        (PROSE, "Rautenbach opened with a 7.10.", ("7.10", "Odette Rautenbach", None, "supported")),
        (PROSE, "The final lasted 7.10 minutes.", ("7.10", None, "time", "misattributed")),
        # the post's own shape is not a claim about the context
        (RECAP, "Format: 0-2 hashtags.", ("0", None, "format", "unverifiable")),
    ],
)
def test_dev_split_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


# Rules added while reading the labelled set's batch c (dev posts of the newer adapters, 2026-12-02): one case each.
COMEBACK = ("With 6 minutes left, Ikaika Makoa trailed Sefton Ravensworth 14.40 to 13.05. Ravensworth had a 7.90 "
            "and a 6.50; Makoa was holding a 6.75 and a 6.30. Makoa then stuck an 8.47 for 15.22.")
H2H = ("Remy Takeda: ranked No. 5, 48,165 points, 4 podiums. Maya Amaro: ranked No. 18, 15,125 points, 0 podiums. "
       "Head to head this season, Remy Takeda has 5 wins and Maya Amaro has 1.")
BULLETS = ("- Liesel Trevithick: 11.60 (6.10, 5.50)\n- Anouk Haldane: 12.03 (6.53, 5.50) before penalty\n"
           "- Haldane's final total was 6.53 after the penalty")
TABLE = ("Stat | Value\nSurfer | Rashid Benali\nHeats surfed | 12\nHeats won | 4\nWin rate | 33.3%\n"
         "Best single wave | 8.77 (Pumice Bay)")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # a context figure is that figure unless the post calls it a margin or a total: not a chance difference
        # (7.90 = 14.40 - 6.50) of the subject's numbers
        (COMEBACK, "Makoa posted a 7.90 and a 6.50.", ("7.90", "Ikaika Makoa", None, "misattributed")),
        (H2H, "Podiums: Maya Amaro has 4.", ("4", "Maya Amaro", "podiums", "misattributed")),
        # ... while a named margin is still a difference
        (H2H, "Remy Takeda has 4 more podiums than Maya Amaro.", ("4", "Remy Takeda", "margin", "derived")),
        # "won 15 heats" counts heats won ("lost 7 heats" those lost); so does "16 heats have been won"
        (SEASON, "Ines Mbeki has won 23 heats.", ("23", "Ines Mbeki", "wins", "misattributed")),
        (SEASON, "16 heats have been won by Ines Mbeki.", ("16", "Ines Mbeki", "wins", "supported")),
        # "an 8.77 heat" is a heat total (the count noun "heats" no longer takes the singular)
        (TABLE, "Benali posted an 8.77 heat.", ("8.77", "Rashid Benali", "heat_total", "misattributed")),
        # "11.60 (6.10, 5.50)": a heat total and its waves; and a heat total is not the difference of two others
        (BULLETS, "Anouk Haldane posted a 5.50 heat total.", ("5.50", "Anouk Haldane", "heat_total", "misattributed")),
        (BULLETS, "Liesel Trevithick opened with a 6.10.", ("6.10", "Liesel Trevithick", None, "supported")),
        # a superlative after the number: "... 1.71 was the top single ride of the heat"
        (RECAP, "Leo Santos's 6.50 was the top single ride of the heat.",
         ("6.50", "Leo Santos", "wave_score", "misattributed")),
        (RECAP, "Kai Moana's 9.10 was the top single ride of the heat.",
         ("9.10", "Kai Moana", "wave_score", "supported")),
        # a score line between two named athletes: "A trailed B 14.40 to 13.05" gives 14.40 to B and 13.05 to A
        (COMEBACK, "Makoa posted a 14.40.", ("14.40", "Ikaika Makoa", None, "misattributed")),
        (COMEBACK, "Makoa was down 13.05 at that point.", ("13.05", "Ikaika Makoa", None, "supported")),
        (COMEBACK, "Ravensworth led with 14.40.", ("14.40", "Sefton Ravensworth", None, "supported")),
        (ELLIPSIS, "Saoirse Dunleavy scored 15.60.", ("15.60", "Saoirse Dunleavy", None, "misattributed")),
        (ELLIPSIS, "Odile Marchetti scored 15.60.", ("15.60", "Odile Marchetti", None, "supported")),
        # a pair before a superlative shares its noun: "4.07 and 1.71 were the top single ride" makes both waves,
        # each said to be the top one (Leo's 7.15 was not: Kai's 9.10 was) ...
        (RECAP, "Leo Santos's 7.15 and 6.50 were the top single ride of the heat.",
         ("7.15", "Leo Santos", "wave_score", "misattributed")),
        (RECAP, "Kai Moana's 9.10 and 8.00 were his best waves.", ("9.10", "Kai Moana", "wave_score", "supported")),
        # ... but not across forms: "9 and 17.10" are a count and a score
        (RECAP, "Kai Moana: 9 and 17.10 was his heat total.", ("9", "Kai Moana", None, "supported")),
        # "the best single surf score" names a wave: 17 excellent scores are not one
        (STATS, "The best single surf score of the event was 17.", ("17", None, "wave_score", "misattributed")),
    ],
)
def test_batch_c_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


# Batch e of the labelled set (dev): rules from reading its disagreements.
FINAL_TABLE = ("Pos  Surfer            Total   Wave 1  Wave 2\n"
               "1    Lorcan Wexford    14.20   7.60    6.60\n"
               "3    Iker Jaramillo    10.50   5.50    5.00")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # an aligned table whose header says "Wave 1": 5.50 is Iker's first wave, not his total
        (FINAL_TABLE, "Iker Jaramillo posted the lowest total, a 5.50.",
         ("5.50", "Iker Jaramillo", "heat_total", "misattributed")),
        # a percentage the words after it call an average heat: no average is a percentage
        (SEASON, "Ines Mbeki has won 16 of 23 heats, a 69.6% average heat.",
         ("69.6", "Ines Mbeki", "avg_heat", "misattributed")),
        (SEASON, "Ines Mbeki posted a 69.6% heat score.", ("69.6", "Ines Mbeki", "heat_total", "misattributed")),
        # "1-2 numbered bullets (1.1, 1.2)" echoes the instruction: about the post, not a win-loss record
        (SEASON, "Format: 1-2 numbered bullets (1.1, 1.2).", ("1.1", None, "format", "unverifiable")),
        (SEASON, "Format: 1-2 numbered bullets (1.1, 1.2).", ("2", None, "format", "unverifiable")),
    ],
)
def test_batch_e_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


# Heats won and events won are different statistics (dev disagreements of the first set, batches c and e).
SEASON_WINS = "Marlowe Ashby: No. 3, 36,770 pts, won 21 of 27 heats, two event wins, 4 podiums from 9 events."


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # "won N of M events" counts events won: 16 is heats won
        (SEASON, "Ines Mbeki has won 16 of 9 events.", ("16", "Ines Mbeki", "event_wins", "misattributed")),
        (SEASON, "Ines Mbeki has won 16 of 9 events.", ("9", "Ines Mbeki", "events", "supported")),
        (SEASON, "Ines Mbeki won 16 events.", ("16", "Ines Mbeki", "event_wins", "misattributed")),
        # "won N of M heats" stays heats won
        (SEASON, "Ines Mbeki has won 16 of 23 heats.", ("16", "Ines Mbeki", "wins", "supported")),
        # the context's "two event wins" are events won: called so, or plain wins, they are true
        (SEASON_WINS, "Marlowe Ashby has 2 event wins.", ("2", "Marlowe Ashby", "event_wins", "supported")),
        (SEASON_WINS, "Marlowe Ashby has 2 titles.", ("2", "Marlowe Ashby", "event_wins", "supported")),
        (SEASON_WINS, "Marlowe Ashby has 2 wins.", ("2", "Marlowe Ashby", "wins", "supported")),
        # heats won called event wins are false
        (SEASON_WINS, "Marlowe Ashby has 21 event wins.", ("21", "Marlowe Ashby", "event_wins", "misattributed")),
        # heats won plus events won make nothing: 23 is not a sum the post may state
        (SEASON_WINS, "Marlowe Ashby has 23 wins.", ("23", "Marlowe Ashby", "wins", "unsupported")),
    ],
)
def test_heat_wins_and_event_wins(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


# Regressions the rules above must not cause (each a correct or unreadable claim that stays not false).
PRIZE = "Kai Moana won the final. The winner takes home 100 thousand dollars."
LABELS = "start time: 7:30am\nwin percentage: 62%\nHeat 1: Kai Moana scored 9.10 and 8.00."
PARTICLE = ("Kai da Silva won the Tern Island Pro.\nkai da silva: rank 3, 19,250 pts\n"
            "mara lowe: rank 5, 15,110 pts")


@pytest.mark.parametrize(
    ("context", "post"),
    [
        (PROSE, "Odette Rautenbach won with 15.93 points."),  # a decimal "points" is a score, not ranking points
        (PRIZE, "Kai Moana collected the $100,000 prize."),  # "100 thousand" is no ordinal
        (LABELS, "Kai Moana took time to settle, then found a 9.10."),  # "start time:" is no athlete
        (PARTICLE, "Kai da Silva sits on 19,250 points."),  # one athlete, whatever the case of "da"
        (SEASON + " Ines Mbeki was the 2025 champion.", "Ines Mbeki, the 2025 champion, heads into the 2025-26 "
         "season."),  # a season is no win-loss record ("26" is read as a year's end, not losses)
        (SEASON, "Ines Mbeki leads Felipe Sorensen 16-5 in heat wins."),  # a head-to-head line is no record
        (SEASON, "Ines Mbeki went 16-7 in heats."),  # 7 = 23 - 16, her losses
        (RECAP, "Kai Moana opened with a 9.10 excellent wave."),  # a singular noun: a score
        (RECAP, "Kai Moana's 9.10 starts the comeback."),  # "starts" the verb, not events
        (RECAP, "In the final round 17.10 was the top score."),  # a bare "round" names no position
        (RECAP, "No 9.10 came close on the day."),  # nor a bare "no"
        (RECAP, "Kai Moana won by 3.45."),  # a margin (17.10 - 13.65) stays derived
        (SEASON, "Ines Mbeki has lost 7 heats."),  # 23 - 16, her losses
        (SEASON, "Ines Mbeki has won 16 heats."),  # heats won
        (SEASON, "Ines Mbeki: 69.6% heat wins."),  # a percentage of heat wins stays a win rate
        (SEASON, "Ines Mbeki has a 69.6% heat win rate."),
        (FINAL_TABLE, "Lorcan Wexford won with 14.20, his best wave a 7.60."),  # the table's own figures
    ],
)
def test_rules_keep_correct_claims_true(context: str, post: str) -> None:
    assert not [c for c in claims(task(context), post) if c.is_false]


def test_standings_line_is_not_a_numbered_list() -> None:
    # "Kai: 1. Leo: 2." states ranks: the numbers stay claims, so a false one is caught
    found = read(SEASON, "Ranks: Felipe Sorensen: 1. Ines Mbeki: 2.")
    assert [c[0] for c in found] == ["1", "2"]


def test_inline_numbered_list_markers_are_not_claims() -> None:
    post = "Ines Mbeki: 1. She is ranked No. 1. 2. She has 4 podiums. 3. She won 16 of 23 heats."
    assert [c.text for c in claims(task(SEASON), post)] == ["1", "4", "16", "23"]


def test_issue_example_comparison_post_is_caught() -> None:
    # the main job's adapter: a heat win rate called a heat score (the post's own wording, not the value, is false)
    context = ("Duke Amaro: ranked No. 10, 30,340 points, heat win rate 45.5%, 2 podiums, average heat score 11.53. "
               "Elena Okafor: ranked No. 12, 27,150 points, heat win rate 48.6%, 1 podium, average heat score 11.20.")
    post = ("1. Duke Amaro posted the highest heat score of 45.5% against Elena Okafor.\n"
            "2. The heat win rate was 45.5% against 48.6%.")
    assert read(context, post) == [
        ("45.5", "Duke Amaro", "heat_total", "misattributed"),
        ("45.5", None, "win_rate", "supported"),
        ("48.6", None, "win_rate", "supported"),
    ]


def test_claim_offsets_and_sentence_end() -> None:
    post = "Kai posted 17.10. Leo got 13.65."
    first, second = claims(task(RECAP), post)
    assert post[first.start : first.end] == "17.10" and first.sentence_end == len("Kai posted 17.10.")
    assert post[second.start : second.end] == "13.65" and second.sentence_end == len(post)
    assert isinstance(first, Claim) and first.to_dict()["verdict"] == "supported"


def test_pronouns_resolve_only_when_unambiguous() -> None:
    # "He" after a sentence naming only Kai is Kai; after one naming both athletes it is nobody
    assert read(RECAP, "Kai posted 17.10. He caught 9 waves.")[1][1] == "Kai Moana"
    assert read(RECAP, "Kai beat Leo. He caught 9 waves.")[0][1] is None


def test_instruction_numbers_are_supported() -> None:
    # "the 2027 final" comes from the user's own words
    t = {"context": RECAP, "expected_behavior": "refuse", "instruction": "Who wins the 2027 final?"}
    assert [c.verdict for c in claims(t, "I can't predict the 2027 final.")] == ["supported"]


def test_verdict_vocabulary() -> None:
    assert set(VERDICTS) == {"supported", "derived", "misattributed", "unsupported", "unverifiable"}
    assert FALSE_VERDICTS == {"misattributed", "unsupported"}
    assert TRUE_VERDICTS == {"supported", "derived"}
    assert not TRUE_VERDICTS & FALSE_VERDICTS and TRUE_VERDICTS | FALSE_VERDICTS | {"unverifiable"} == set(VERDICTS)


def test_context_facts_read_tables_and_labels() -> None:
    # "the same extractor reads the context as people write it": a table with athletes across the columns
    context = ("Stat | Odette Rautenbach | Winona Kettle\nRank | 2 | 1\nPoints | 44,020 | 47,315\n"
               "Win rate | 78.1% | 85.7%")
    facts = {(f.text, f.subject, f.statistic) for f in context_facts(context).facts}
    assert ("44,020", "Odette Rautenbach", "points") in facts and ("1", "Winona Kettle", "rank") in facts
    assert ("85.7", "Winona Kettle", "win_rate") in facts


def test_fact_details_list_claims() -> None:
    details = metrics.score(task(RECAP), "Leo Santos's best wave, a 9.10, kept him close.").details
    assert details["fact"]["verdicts"] == {"misattributed": 1}
    assert details["misattributed_numbers"] == ["9.10"]
    assert details["fact"]["claims"][0]["subject"] == "Leo Santos"


def test_attribution_off_gives_the_number_presence_check() -> None:
    # RewardWeights(attribution=False): a misattributed figure counts as true again (the earlier metric)
    post = "Kai Moana posted 17.10. Leo Santos's best wave, a 9.10, kept him close."
    assert metrics.score(task(RECAP), post).fact < 1.0
    assert metrics.score(task(RECAP), post, weights={"attribution": False}).fact == 1.0


# ---- properties --------------------------------------------------------------------------------------------------

NAMES = st.sampled_from(["Tama Rewiti", "Odile Brannock", "Yusuf Calder", "Petra Vasquez", "Hemi Lodge"])
GOOD = ("Kai Moana takes Heat 3 at Bells Beach!\n"
        "1. Kai posted a 17.10 heat total, built on a 9.10 and an 8.00.\n"
        "2. Leo Santos answered with 13.65, so the winning margin was 3.45.\n"
        "3. Kai caught 9 waves on the way to the Quarterfinals.\n#WSL #BellsBeach")


@settings(max_examples=40, deadline=None)
@given(NAMES, NAMES)
def test_renaming_athletes_leaves_every_score_unchanged(a: str, b: str) -> None:
    if a == b or a.split()[0] == b.split()[0] or a.split()[1] == b.split()[1]:
        return
    posts = [GOOD, "Leo Santos's best wave, a 9.10, kept him close.", "Kai caught 3 waves. Leo posted 17.10."]

    def rename(text: str) -> str:
        for old, new in (("Kai Moana", a), ("Leo Santos", b), ("Kai", a.split()[0]), ("Leo", b.split()[0])):
            text = text.replace(old, new)
        return text

    for post in posts:
        before = metrics.score(task(RECAP), post)
        after = metrics.score(task(rename(RECAP)), rename(post))
        assert (before.structure, before.fact, before.safety, before.total) == (
            after.structure, after.fact, after.safety, after.total)


@settings(max_examples=40, deadline=None)
@given(st.permutations([0, 1, 2]))
def test_reordering_bullets_leaves_fact_unchanged(order: list[int]) -> None:
    lines = GOOD.split("\n")
    bullets = [lines[1 + i].split(". ", 1)[1] for i in range(3)]
    shuffled = "\n".join([lines[0], *(f"{n}. {bullets[i]}" for n, i in enumerate(order, start=1)), lines[-1]])
    assert metrics.fact_score(task(RECAP), shuffled) == metrics.fact_score(task(RECAP), GOOD)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([("17.10", "13.65"), ("9.10", "7.15"), ("8.00", "6.50")]))
def test_swapping_two_athletes_values_lowers_fact(pair: tuple[str, str]) -> None:
    x, y = pair
    post = f"Kai Moana posted {x}. Leo Santos posted {y}."
    swapped = f"Kai Moana posted {y}. Leo Santos posted {x}."
    assert metrics.fact_score(task(RECAP), swapped) < metrics.fact_score(task(RECAP), post)


# Rounds and divisions as subjects (metrics.groups): a figure of one round or division given to another.
ROUND_TABLE = "Round | Heats | Waves ridden\nR32 | 16 | 260\nR16 | 8 | 118\nQF | 4 | 58\nTotal | 28 | 436"
DIVISION_TABLE = "Division | Surfers | Avg heat total\nMen      | 36      | 12.58\nWomen    | 18      | 12.96"
QUARTERS = ("Sealion Reef Pro, Quarterfinals\nQF1: Augustin Rahm 13.50 def. Tobiah Krantz 12.00\n"
            "QF2: Eero Valtonen 14.27 def. Cormac Deveraux 14.03")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # the round the figure is in the table for
        (ROUND_TABLE, "R32 rode 260 waves.", ("260", "r32", "waves_ridden", "supported")),
        (ROUND_TABLE, "R16 ran 8 heats.", ("8", "r16", "heats_run", "supported")),  # a round's heats are run
        # another round's figure
        (ROUND_TABLE, "R16 rode 260 waves.", ("260", "r16", "waves_ridden", "misattributed")),
        # a round the context does not have owns none of its figures
        (ROUND_TABLE, "R42 rides 260.", ("260", "r42", "waves_ridden", "misattributed")),
        # a division named before the number, or attached after it by a preposition
        (DIVISION_TABLE, "The women averaged 12.96.", ("12.96", "women", "average", "supported")),
        (DIVISION_TABLE, "The men averaged 12.96.", ("12.96", "men", "average", "misattributed")),
        (DIVISION_TABLE, "There were 18 surfers in the women's draw.", ("18", "women", "surfers", "supported")),
        (DIVISION_TABLE, "There were 36 surfers in the women's draw.", ("36", "women", "surfers", "misattributed")),
        # a group named after a number with no preposition in between does not own it
        (DIVISION_TABLE, "Average heat total: 12.58, women 18.", ("12.58", None, "avg_heat", "supported")),
        # a division's figure given to the whole event is false; said of no one, it is not judged on its subject
        ("Shearwater Reef Pro\n" + DIVISION_TABLE, "The average heat total across the event was 12.58.",
         ("12.58", "Shearwater Reef Pro", "avg_heat", "misattributed")),
        ("Shearwater Reef Pro\n" + DIVISION_TABLE, "The average heat total was 12.58.",
         ("12.58", None, "avg_heat", "supported")),
        # an athlete's figure in a heat the context heads with its label is that heat's too
        (QUARTERS, "QF1 was won with 13.50.", ("13.50", "qf1", None, "unverifiable")),
        (QUARTERS, "Augustin Rahm won QF1 with 13.50.", ("13.50", "Augustin Rahm", None, "supported")),
    ],
)
def test_rounds_and_divisions_as_subjects(context: str, post: str,
                                          expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


@pytest.mark.parametrize(
    ("post", "expected"),
    [
        # an ordinal is a position: given as a count of wins, a rank is misattributed
        ("Ines Mbeki has won 1st heats.", ("1st", "Ines Mbeki", "wins", "misattributed")),
        # "a 4th heat" where the context's 4 is no position (her podiums) says nothing checkable
        ("Ines Mbeki posted a 4th heat.", ("4th", "Ines Mbeki", "heats", "unverifiable")),
        # an ordinal of no context value is still unsupported, and a position is still judged as one
        ("Ines Mbeki has won 31st heats.", ("31st", "Ines Mbeki", "wins", "unsupported")),
        ("Ines Mbeki is ranked 1st.", ("1st", "Ines Mbeki", "rank", "supported")),
    ],
)
def test_an_ordinal_is_a_position(post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(SEASON, post)


# Batch h of the labelled set (held-out once, retired to dev after its figures were reported): rules from reading
# its disagreements.
DEFEATS = ("Quarry Bay Classic: H1 Eamon Stroud 12.77 def. Hollis Varga 10.20; H2 Mathis Fontaine 15.33 def. Vito "
           "Gallardo 14.90.")
AVERAGES_TWO = "Wiremu Thorsby: No. 3, average heat total 14.12. Ciaran Abernethy: No. 7, average heat total 12.47."
EVENT_AVERAGE = ("The Barrelhouse Reef Open ran 24 heats. The highest heat total was 17.83 by Tevan Oakes and the "
                 "average heat total was 13.21.")
RATES = ("Yara Esteves: heat win rate 56.2%, average heat score 12.43. Oli Brennan: heat win rate 42.9%, average "
         "heat score 11.88.")
SEMI = "Hana Kowalczyk 15.47 (8.10 + 7.37) def. Matilde Quintero 12.90 (6.90 + 6.00)."
WAVES = ("FINAL. Winner: Ottilie Baptiste 12.94 (waves: 6.57, 6.37; other rides: 3.10, 2.00). Runner-up: Solveig "
         "Iturbe 12.50 (waves: 6.50, 6.00).")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # "A 12.77 def. B 10.20": both are heat totals, so a total called a single ride is false
        (DEFEATS, "Eamon Stroud's 12.77 was the top single ride of the heat.",
         ("12.77", "Eamon Stroud", "wave_score", "misattributed")),
        (DEFEATS, "Hollis Varga went out on a 10.20 heat total.", ("10.20", "Hollis Varga", "heat_total", "supported")),
        # a heat's label holds its number: "H2" makes "Heat 2" true, and no label makes "Heat 4" true
        (DEFEATS, "Heat 2 went to Mathis Fontaine.", ("2", "Quarry Bay Classic", "heat_number", "supported")),
        (DEFEATS, "Heat 4 went to Mathis Fontaine.", ("4", "Quarry Bay Classic", "heat_number", "unsupported")),
        # ... for a heat's number alone: the label is no fact of any other statistic
        (DEFEATS, "Mathis Fontaine won 2 heats.", ("2", "Mathis Fontaine", "wins", "unsupported")),
        # an average two athletes each have is not the event's; the athlete's own stays true
        (AVERAGES_TWO, "The average heat total across the event was 14.12.",
         ("14.12", None, "avg_heat", "misattributed")),
        (AVERAGES_TWO, "Wiremu Thorsby's average heat total was 14.12.",
         ("14.12", "Wiremu Thorsby", "avg_heat", "supported")),
        # an event average the context states after an athlete's figure is still the event's
        (EVENT_AVERAGE, "The average heat total across the event was 13.21.",
         ("13.21", "Barrelhouse Reef Open", "avg_heat", "supported")),
        # a list of percentages shares its label: rates called average heat scores are false, called rates true
        (RATES, "Average heat score: Yara Esteves 56.2% against Oli Brennan 42.9%.",
         ("42.9", "Oli Brennan", "avg_heat", "misattributed")),
        (RATES, "Heat win rate: Yara Esteves 56.2% against Oli Brennan 42.9%.",
         ("42.9", "Oli Brennan", "win_rate", "supported")),
        # a percentage after a score is no list of rates: still the rate
        (RATES, "Oli Brennan: 11.88 average, 42.9%.", ("42.9", "Oli Brennan", "win_rate", "supported")),
        # a decimal listed after a wave is called a wave too, even one no wave can be
        (SEMI, "The best two waves were Hana Kowalczyk's 8.10 and Matilde Quintero's 12.90.",
         ("12.90", "Matilde Quintero", "wave_score", "misattributed")),
        (SEMI, "The best waves were Hana Kowalczyk's 8.10 and Matilde Quintero's 6.90.",
         ("6.90", "Matilde Quintero", "wave_score", "supported")),
        # the top ride of the heat: rides the context gives no owner do not make it a heat of several athletes
        (WAVES, "The top single ride of the heat was a 6.37.", ("6.37", None, "wave_score", "misattributed")),
        (WAVES, "The top single ride of the heat was Ottilie Baptiste's 6.57.",
         ("6.57", "Ottilie Baptiste", "wave_score", "supported")),
    ],
)
def test_batch_h_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


def test_one_wave_given_twice() -> None:
    # "built on a 6.57 and a 6.57": the pair says two waves of 6.57, and she had one
    assert read(WAVES, "Ottilie Baptiste posted 12.94, built on a 6.57 and a 6.57.")[1:] == [
        ("6.57", "Ottilie Baptiste", "wave_score", "supported"),
        ("6.57", "Ottilie Baptiste", "wave_score", "misattributed"),
    ]
    # two equal waves in the context make the pair true
    assert read("Kai Moana 14.00 (7.00 + 7.00) def. Leo Santos 12.00.",
                "Kai Moana posted 14.00, built on a 7.00 and a 7.00.")[1:] == [
        ("7.00", "Kai Moana", "wave_score", "supported"), ("7.00", "Kai Moana", "wave_score", "supported")]


def test_a_wave_that_beat_a_wave_is_no_heat_total() -> None:
    # only a score right before a defeat and the loser's score makes a score line
    facts = context_facts("Kai Moana's best wave, a 9.10, beat Leo Santos's 8.50.")
    assert {f.text: f.statistic for f in facts.facts}["9.10"] == "wave_score"


# Batch k of the labelled set (held-out once, retired to dev after its figures were reported): rules from reading
# its disagreements, mostly on hand-written formats.
BLOCKS = ("Winner: Ayla Brennan (AUS) 16.43 - waves 8.60, 7.83\nRunner-up: Mireya Salcedo (PER) 14.10 - waves "
          "7.40, 6.70\nConditions: 5 ft, light cross-shore")
LEFTS = ("Day three ran in 3-4 ft lefts. Kenji Arakawa posted a 6.90 and a 7.27 for 14.17, edging Rafael Quintao, "
         "who managed 6.10 and 5.57 for 11.67.")
SEASON_BESTS = ("Athlete A: Callum Reid, rank 9, points 9,730, best wave 8.77; Athlete B: Koa Nakamura, rank 11, "
                "points 8,950, best wave 8.93")
DIVISIONS_8 = ("Division | Surfers | Heats | Waves | Avg heat total | 8+ scores\nMen | 32 | 31 | 418 | 12.44 | 17\n"
               "Women | 24 | 23 | 290 | 11.98 | 8")
ACROSS = ("| | Ines Baptista (POR) | Leilani Okafor (USA-HI) |\n|---|---|---|\n| Rank | 1 | 2 |\n"
          "| Avg heat | 14.61 | 14.22 |\n| Heats W/S | 34/41 (83%) | 30/38 (79%) |")
MEETINGS = "Kalani Reef Pro R16: Tiago Arruda 13.20 def. Dev Pillai 12.77"


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # "16.43 - waves 8.60, 7.83": a total followed by its waves, so the total and the top wave are true
        (BLOCKS, "Ayla Brennan posted a 16.43 heat total.", ("16.43", "Ayla Brennan", "heat_total", "supported")),
        (BLOCKS, "The top single ride of the heat was Ayla Brennan's 8.60.",
         ("8.60", "Ayla Brennan", "wave_score", "supported")),
        (BLOCKS, "Ayla Brennan's best wave was a 16.43.", ("16.43", "Ayla Brennan", "wave_score", "misattributed")),
        # a range's unit names both ends: "a 3-4 ft" is the swell, even after "built on"
        (LEFTS, "Kenji Arakawa posted a 6.90 and a 7.27, built on a 3-4 ft swell.", ("3", None, "swell", "supported")),
        # a season's best waves: each athlete's own top, so no "top ride of the heat" is beaten by the other's
        (SEASON_BESTS, "Reid is the top single ride of the heat, a 8.77.",
         ("8.77", "Callum Reid", "wave_score", "supported")),
        # no wave scores over 10: a heat total "built on" as a ride is false
        (MEETINGS, "Tiago Arruda is the top single ride of the event, built on a 13.20.",
         ("13.20", "Tiago Arruda", "wave_score", "misattributed")),
        # a header with "8+ scores" is still a header: the columns name their statistics
        (DIVISIONS_8, "Men's wave count: 32.", ("32", "men", "waves_ridden", "misattributed")),
        (DIVISIONS_8, "The men rode 418 waves.", ("418", "men", "waves_ridden", "supported")),
        # row labels read as phrases ("Avg heat" is an average, not a heat's number), "W/S" is won of surfed
        (ACROSS, "The best heat was Ines Baptista's 14.61.", ("14.61", "Ines Baptista", "heat_total", "misattributed")),
        (ACROSS, "Ines Baptista averaged 14.61 per heat.", ("14.61", "Ines Baptista", "avg_heat", "supported")),
        (ACROSS, "Leilani Okafor surfed 38 heats.", ("38", "Leilani Okafor", "heats", "supported")),
        (ACROSS, "Leilani Okafor won 38 heats.", ("38", "Leilani Okafor", "wins", "misattributed")),
        # "rk 5" is a rank
        ("Kenji Arakawa | JPN | rk 5 | 11,940 pts", "Kenji Arakawa is ranked 5th.",
         ("5th", "Kenji Arakawa", "rank", "supported")),
        ("Kenji Arakawa | JPN | rk 5 | 11,940 pts", "Kenji Arakawa has 5 wins.",
         ("5", "Kenji Arakawa", "wins", "misattributed")),
    ],
)
def test_batch_k_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


def test_a_labelled_win_pair_is_wins_of_heats() -> None:
    # "Heats won/surfed: 13/21" is 13 won of 21 surfed, not two counts of wins
    facts = {f.text: f.statistic for f in context_facts("Lisandro Quiroga\nHeats won/surfed: 13/21").facts}
    assert facts == {"13": "wins", "21": "heats"}


# Batch m of the labelled set (held-out once, retired to dev after its figures were reported).
DAYS = ("Sandbar Bay Pro - daily breakdown\nDay 1: 16 heats, 298 waves, avg heat total 11.62, swell 1.2 m\n"
        "Day 2: 8 heats, 171 waves, avg heat total 13.05, swell 1.8 m\nEvent totals: 24 heats, 469 waves")
CAREER = ("Surfer: Marisol Vega\nYear  Rank  Points  Wins\n2021  22    14,100  6\n2022  13    22,650  12\n"
          "2023   6    34,800  16")
KEYS = "athlete=Ruairi Costello; rank=11; points=27,300; events=8; heats_won=14; heats_surfed=25; avg_heat=13.08"


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # days head lines like rounds: one day's figures are not the event's, nor another day's
        (DAYS, "The average heat total across the event was 11.62.",
         ("11.62", "Sandbar Bay Pro", "avg_heat", "misattributed")),
        (DAYS, "Sandbar Bay Pro ran 24 heats.", ("24", "Sandbar Bay Pro", "heats_run", "supported")),
        (DAYS, "Day 2 saw 171 waves ridden.", ("171", "day 2", "waves_ridden", "supported")),
        (DAYS, "Day 2 saw 298 waves ridden.", ("298", "day 2", "waves_ridden", "misattributed")),
        # ... while a day's swell is the event's too
        (DAYS, "The Sandbar Bay Pro had a swell of 1.8 m.", ("1.8 m", "Sandbar Bay Pro", "swell", "supported")),
        # a sum of one statistic is no single athlete's figure: two of her seasons' wins are not her wins
        (CAREER, "Marisol Vega has 18 wins.", ("18", "Marisol Vega", "wins", "unsupported")),
        (CAREER, "Marisol Vega has 16 wins.", ("16", "Marisol Vega", "wins", "supported")),
        # key=value lines name their statistics
        (KEYS, "Ruairi Costello sits 14th in the rankings.", ("14th", "Ruairi Costello", "rank", "misattributed")),
        (KEYS, "Ruairi Costello has won 14 heats.", ("14", "Ruairi Costello", "wins", "supported")),
    ],
)
def test_batch_m_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


def test_instruction_numbers_that_shape_the_post_are_no_facts() -> None:
    # "max 80 words" sets the post's length: "80 points" is invented; "Heat 3" the user named is given
    task = {"context": RECAP, "expected_behavior": "answer",
            "instruction": "Recap Heat 3 for the team site, max 80 words, 2-4 hashtags."}
    found = {(c.text, c.verdict) for c in claims(task, "Kai Moana is on 80 points. Heat 3 went to Kai Moana.")}
    assert found == {("80", "unsupported"), ("3", "supported")}


# Batch n of the labelled set (held-out once, retired to dev after its figures were reported).
CSV_HEAT = ("event,round,heat,surfer,country,wave1,wave2,total,place\n"
            "Cabo Lunar Pro,R32,3,Tomas Ibarra,CHL,6.17,5.50,11.67,1\n"
            "Cabo Lunar Pro,R32,3,Hugo Lefebvre,FRA,5.83,4.90,10.73,2")
ROUND_TABLE = ("Tamarind Reef Open (Men)\nRound | Heats | Avg heat total\nR32 | 16 | 11.04\nQF | 4 | 13.52\n"
               "SF | 2 | 14.90\nF | 1 | 16.77")
UP_FROM = "Windmill Reef Pro: 24 surfers and 23 heats. Avg heat total was 12.48, which is up from 11.20 last year."
YEAR_ROWS = "Surfer: Marisol Vega\n2023: rank 6, 34,800 pts, 1 win\n2024: rank 2, 47,350 pts, 2 wins"
RELEASE = ("Oumar Diallo won the Ponta Escura Pro, defeating Brazil's Vitor Nunes in the final. Diallo's 8.10 and 7.10 "
           "edged Nunes's 7.93 and 7.00.")
WRAP = ("Season wrap - Women's Tour 2024 - Champion: Aiyana Redcloud (CAN)\nFinal rank 1 | 64,800 pts | 4 wins "
        "(Kahuli Point, Sagar Point) | heats 40/47 | avg heat 15.74\nRunner-up: Chloe Bernard, 57,400 pts")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # a CSV export is a table: its columns name the statistics, its rows the athletes
        (CSV_HEAT, "Hugo Lefebvre posted a 10.73 heat total.", ("10.73", "Hugo Lefebvre", "heat_total", "supported")),
        (CSV_HEAT, "Tomas Ibarra posted a 6.17 heat total.", ("6.17", "Tomas Ibarra", "heat_total", "misattributed")),
        (CSV_HEAT, "Hugo Lefebvre's best wave was a 2.", ("2", "Hugo Lefebvre", "wave_score", "misattributed")),
        # a table's "F" row is the final's: its average is neither R32's nor the event's
        (ROUND_TABLE, "R32 posted the highest average heat total, a 16.77.",
         ("16.77", "r32", "avg_heat", "misattributed")),
        (ROUND_TABLE, "The final averaged 16.77 per heat.", ("16.77", "final", "avg_heat", "supported")),
        # last year's figure given as this year's is false; said as last year's, true
        (UP_FROM, "The average heat total across the event was 11.20.",
         ("11.20", "Windmill Reef Pro", "avg_heat", "misattributed")),
        (UP_FROM, "The average heat total was 11.20 last year.", ("11.20", None, "avg_heat", "supported")),
        (UP_FROM, "The average heat total across the event was 12.48.",
         ("12.48", "Windmill Reef Pro", "avg_heat", "supported")),
        # an earlier year's row is not the present standing, unless the sentence names that year
        (YEAR_ROWS, "Marisol Vega sits on 34,800 points.", ("34,800", "Marisol Vega", "points", "misattributed")),
        (YEAR_ROWS, "Marisol Vega had 34,800 points in 2023.", ("34,800", "Marisol Vega", "points", "supported")),
        (YEAR_ROWS, "Marisol Vega sits on 47,350 points.", ("47,350", "Marisol Vega", "points", "supported")),
        # "Diallo's 8.10 and 7.10": both his; "defeating Brazil's Vitor Nunes" blocks Nunes from what follows
        (RELEASE, "The top single ride of the heat was Diallo's 7.00.",
         ("7.00", "Oumar Diallo", "wave_score", "misattributed")),
        (RELEASE, "Oumar Diallo's second wave was a 7.10.", ("7.10", "Oumar Diallo", "wave_score", "supported")),
        # a heading that names one athlete and a year heads the next line; an event in brackets owns nothing after
        (WRAP, "Aiyana Redcloud averages 15.74 per heat.", ("15.74", "Aiyana Redcloud", "avg_heat", "supported")),
        (WRAP, "Chloe Bernard averages 15.74 per heat.", ("15.74", "Chloe Bernard", "avg_heat", "misattributed")),
        (WRAP, "Aiyana Redcloud won 40 heats.", ("40", "Aiyana Redcloud", "wins", "supported")),
        # "sits 15.74 in the rankings": a decimal given as a ranking
        (WRAP, "Aiyana Redcloud sits 15.74 in the rankings.", ("15.74", "Aiyana Redcloud", "rank", "misattributed")),
        # "a 12.50 margin" names a margin; "2024 event log" is a year
        (MEETINGS, "Dev Pillai's 12.77 margin was not enough.", ("12.77", "Dev Pillai", "margin", "misattributed")),
        ("Rohan Das - 2024 event log\n| Event | Finish |\n| Sagar Point Pro | 2nd |", "A record 2024 season.",
         ("2024", "Sagar Point Pro", "year", "supported")),
    ],
)
def test_batch_n_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


CAREER_TABLE = ("| Stat | Emeka Obi | Stellan Berg |\n|---|---|---|\n| Career wins | 5 | 7 |\n"
                "| Career-best wave | 9.93 | 10.00 |")
QUARTER = ("In the quarterfinal, Tiago Mendonca posted a 16.43 (8.33 + 8.10) to eliminate Kai Rowntree, who "
           "finished on 13.90 (7.40 + 6.50).")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # a career figure is not a season's: "the best ride of the season" does not get a career-best wave
        (CAREER_TABLE, "The best ride of the season was Obi's 9.93.", ("9.93", "Emeka Obi", "wave_score",
                                                                       "misattributed")),
        (CAREER_TABLE, "Obi's career-best wave is a 9.93.", ("9.93", "Emeka Obi", "wave_score", "supported")),
        (CAREER_TABLE, "Obi's best wave is a 9.93.", ("9.93", "Emeka Obi", "wave_score", "supported")),
        # "N, built on an A + B": N is a heat total, and A and B its waves
        (QUARTER, "Mendonca posted a 8.10, built on an 8.33 + 16.43.",
         ("8.10", "Tiago Mendonca", "heat_total", "misattributed")),
        (QUARTER, "Mendonca posted a 8.10, built on an 8.33 + 16.43.",
         ("16.43", "Tiago Mendonca", "wave_score", "misattributed")),
        (QUARTER, "Mendonca posted a 16.43, built on an 8.33 + 8.10.",
         ("16.43", "Tiago Mendonca", "heat_total", "supported")),
        # a list whose first number cannot be its statistic shares it: both are false
        (SEASON, "The best rides are Ines Mbeki's 53,500 and Felipe Sorensen's 41,840.",
         ("41,840", "Felipe Sorensen", "wave_score", "misattributed")),
        # "the best heat count was 16": a count of heats, not a heat total
        (SEASON, "The best heat count was 16.", ("16", None, None, "unverifiable")),
        # "in the rankings on X": a rank (an ordinal or a small integer), points, or the heat total a heat's
        # standing rests on
        (SEASON, "Ines Mbeki sits in the rankings on 53,500.", ("53,500", "Ines Mbeki", "points", "supported")),
        (SEASON, "Ines Mbeki sits in the rankings on 16.", ("16", "Ines Mbeki", "rank", "misattributed")),
        (RECAP, "Kai Moana sits first in the rankings on 17.10.", ("17.10", "Kai Moana", "heat_total", "supported")),
        (RECAP, "Kai Moana sits in the rankings on 9.10.", ("9.10", "Kai Moana", "heat_total", "misattributed")),
    ],
)
def test_session_19_dev_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)


BLOG = ("Las Dunas Pro - Day 1 blog\n09:12 - Heat 4: Ezequiel Barros drops an 8.93.\n"
        "09:24 - Barros backs it up with a 7.50 for 16.43.\n"
        "11:45 - Heat 9: Oskar Lindqvist goes through with 14.60 (7.50 + 7.10).")
LIVE = "09:12 - Barros 8.93.\n09:24 - Barros 7.50, total 16.43.\nHeat 4: Ezequiel Barros 1st."
BIO = ("Leilani Cordeiro\nSponsor: Reefline Apparel\nCurrent rank: 5th (34,100 pts)\n"
       "2025 average heat score: 14.82\n2025 excellent scores (8+): 11")
REVIEW = ("Last year Jade Whitfield finished 17th with 19,850 points. This year she climbed to 5th on 41,650 "
          "points.")


@pytest.mark.parametrize(
    ("context", "post", "expected"),
    [
        # two unlabelled decimals of one surfer that make her heat total are her waves: not a total
        (LIVE, "Barros posted an 8.93 heat total.", ("8.93", "Ezequiel Barros", "heat_total", "misattributed")),
        (LIVE, "Barros's best wave was an 8.93.", ("8.93", "Ezequiel Barros", "wave_score", "supported")),
        # a context of two numbered heats has no one top ride
        (BLOG, "The top single ride of the heat was Oskar Lindqvist's 7.50.",
         ("7.50", "Oskar Lindqvist", "wave_score", "supported")),
        # a sponsor is no athlete, and "2025 average heat score: 14.82" leaves the noun to 14.82
        (BIO, "Leilani Cordeiro averages 14.82 per heat.", ("14.82", "Leilani Cordeiro", "avg_heat", "supported")),
        (BIO, "Leilani Cordeiro has 11 excellent scores.", ("11", "Leilani Cordeiro", "excellent", "supported")),
        # last year's finish is not her standing now
        (REVIEW, "Jade Whitfield sits 17th in the rankings.", ("17th", "Jade Whitfield", "rank", "misattributed")),
        (REVIEW, "Jade Whitfield finished 17th last year.", ("17th", "Jade Whitfield", "finish", "supported")),
        # "the best wave ridden" with a decimal is a wave, not a count
        (RECAP, "The best wave ridden was Kai Moana's 9.10.", ("9.10", "Kai Moana", "wave_score", "supported")),
        # "edge" blocks the athlete it edged from the score line after it
        ("Ines Caldevilla needed a late 8.03 to edge Pua Akana - 15.53 to 15.20.", "Ines Caldevilla posted a 15.53.",
         ("15.53", "Ines Caldevilla", None, "supported")),
        # a range's noun names both ends: "16.13-14.47 heat total"
        (RECAP, "Kai Moana won it, built on a 17.10-13.65 heat total.", ("17.10", "Kai Moana", "heat_total",
                                                                         "supported")),
        # one surfer over two events: no one top wave
        ("Ezra Lambert at the Pohutu Pro: best wave 8.60. At the Coral Gate Open: 17.93 (9.43 + 8.50).",
         "The best wave was an 8.60.", ("8.60", None, "wave_score", "supported")),
    ],
)
def test_batch_q_rules(context: str, post: str, expected: tuple[str, str | None, str | None, str]) -> None:
    assert expected in read(context, post)

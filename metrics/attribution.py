"""What each number in a text is said to be: its subject (athlete or event) and its statistic.

One reader serves the context and the response alike (:func:`read_numbers`). Within each sentence or clause
(:func:`metrics.parse.sentence_spans`), a number's **statistic** comes from, in order:

1. the words right after it (``17.10 heat total``, ``9 waves``, ``55,045 points``, ``8.00 or better``, ``3.45 clear``,
   ``17.10 is the best single wave``), or ``N of M heats`` (wins of heats);
2. the nearest cue before it in its clause (``a heat total of 17.10``, ``No. 4``, ``best waves 9.10``);
3. a bare percentage is a win rate (one the clause calls a score is read as a score); a number followed by ``(``
   with wave scores is a heat total, and the numbers in those brackets are wave scores; a decimal followed by
   ``points`` is ``points`` (:mod:`metrics.claims` keeps that only where the context has no heat or wave scores);
4. a number joined to the previous one only by connectors (``9.10 and 8.00``, ``54.5% vs 56.5%``, ``Ines has 0 wins
   and Felipe has 4``) shares its statistic; ``4-6 ft`` shares the next one's.

Its **subject**: an event for event-only statistics (``Heat 3``, ``36 surfers``); otherwise the athlete named right
after it (``17.32 by Nalu Nakoa``, ``16.37 (Tessa Lowe)``), the athlete it is attached to before it (``Kai's 9.10``,
``Leo Santos on 13.65``, ``Ines 54.5%``), the nearest athlete or event named before it in the sentence, or the only
athlete the sentence names. A nearest name that is the object of a defeat ("beat Leo with a 17.10") or an unnamed
athlete ("the runner-up managed 13.65") leaves the subject ``None``: a subject is only given where the text says
it. A number followed by "in X's favour" is X's, and the reading says X is the side ahead (``Reading.ahead``); one
after "the top/best/highest single ride, wave or heat total" is said to be the top one (``Reading.top``). In a
context, a number left without a subject belongs to the event (event-level statistics) or to the context's only
athlete.
"""

from __future__ import annotations

import bisect
import re
from itertools import pairwise
from typing import NamedTuple

from metrics.entities import ATHLETE, EVENT, Entities, Mention, find_mentions
from metrics.groups import GROUP, find_groups
from metrics.numbers import SCALE, NumberMention, is_ordinal
from metrics.scope import changed_from
from metrics.statistics import (
    ATHLETE_STATISTICS,
    EVENT_ONLY,
    INTEGER_STATISTICS,
    YEARS,
    adjacent_statistic,
    after_statistic,
    before_statistic,
    names_outright,
    plausible,
)
from metrics.tables import Cell, table_cells

__all__ = ["EVENT_LEVEL", "NO_CARRY", "PAIR_AND", "Carry", "Reading", "read_numbers", "read_sentence", "relative",
           "sentence_cells", "sentence_numbers"]


_WINDOW = 80  # characters of clause read before a number
# "16 of 23", "16/23", "16 heats from 23": wins out of heats (when heats or "won" are said around them)
_OF_HEATS = re.compile(
    r"[ \t]*/[ \t]*|[ \t]+(?:heats?[ \t]+)?(?:of|from|out of|in)[ \t]+(?:his |her |their |the |its )?"
)
_HEATS_AFTER = re.compile(r"[ \t]*(?:heats|heat starts|starts|won)\b")
_EVENTS_AFTER = re.compile(r"[ \t]*(?:events|contests|comps|tour stops|stops)\b")  # "won 3 of 11 events": event wins
_WON_BEFORE = re.compile(r"\b(?:won|wins?|winning)[ \t]*:?[ \t]+$")
_PERCENT = re.compile(r"[ \t]*(?:%|percent\b|per cent\b)")
# A percentage the clause calls a score ("the highest score of the season, 77.8%"): no score is a percentage, so it
# is read as a score and judged against the context (where the figure is a rate).
_SCORE_BEFORE_PERCENT = re.compile(r"\bscores?\b(?:[ \t]+(?:of|in|for|on|at|was|is|were|the|his|her|their|a|an|"
                                   r"season|heat|event|day|round|contest|final|year))*[ \t]*[,:]?[ \t]*$")
# A percentage the words after it call a score ("a 54.5% average heat", "a 45.5% heat score"): read as that score,
# as above; "54.5% heat wins" stays a rate.
_SCORE_AFTER_PERCENT = re.compile(_PERCENT.pattern + r"[ \t]+(?:(?P<average>average|avg|mean)[ \t]+)?"
                                  r"(?P<kind>heat|wave|ride)s?(?:[ \t]+(?:total|score)s?)?\b(?![ \t-]*win)")
# The numbers of a parenthesised run right after a format cue ("1-2 numbered bullets (1.1, 1.2, 1.3)"): item
# markers of the post, like the cue's own number.
_FORMAT_RUN = re.compile(r"[ \t]*[(,;][ \t(]*")
# A decimal followed by "points" with no other cue: ranking points where the context has no heat or wave scores
# (a season table), any score where it has (``metrics.claims`` decides; "won with 15.93 points").
_POINTS_AFTER = re.compile(r"[ \t]*(?:points|pts)\b")
# "5,725 points in Ines Duarte's favour": the athlete the gap favours (the possessive and "favour" follow the name).
_FAVOUR_BEFORE = re.compile(r"[ \t]*(?:points?|pts\.?)?[ \t]*in[ \t]+")
_FAVOUR_AFTER = re.compile(r"['\u2019]s?[ \t]+favou?r\b")
# "the top single ride of the heat was Nina's 6.33", "had the best single wave, an 8.03", "the highest heat total,
# a 17.10": a definite superlative of a wave or heat total before the number, in its clause.
_TOP = re.compile(
    r"\bthe[ \t]+(?:top|best|highest|biggest)[ \t]+(?:single[ \t]+)?(?:ride|wave|heat[ \t]+(?:total|score))\b"
    r"[^.;!?]{0,60}$"
)
# "a best heat of 13.79 per heat": a superlative single heat or wave right before the number wins over a rate after
# it (a best heat is one heat's total, not an average), unless the clause also says it averages.
_SUPERLATIVE_BEFORE = re.compile(
    r"\b(?:top|best|highest|biggest)[ \t]+(?:single[ \t]+)?(?:ride|wave|heat)(?:[ \t]+(?:total|score))?"
    r"(?:[ \t]+(?:of|was|is|at|:))?[ \t]*(?:an?[ \t]+)?$"
)
_AVERAGE_WORD = re.compile(r"\baverag|\bavg\b|\bmean\b")
# "... 1.71 were the top single ride of the heat", "17.10 is the highest heat total": the superlative after it.
_TOP_AFTER = re.compile(
    r"[ \t]+(?:is|was|were|are|as)[ \t]+the[ \t]+(?:top|best|highest|biggest)[ \t]+(?:single[ \t]+)?"
    r"(?:ride|wave|heat[ \t]+(?:total|score))\b"
)
# A number followed by its waves is a heat total: "17.10 (best waves 9.10 and 8.00)", "11.60 (6.10, 5.50)", "12.01,
# with best waves of", "16.43, built on an 8.33 + 8.10".
_TOTAL_OF_WAVES = re.compile(
    r"[ \t]*(?:\([^)]*(?:\+|wave|ride)|\([ \t]*\d{1,2}\.\d{1,2}(?:[ \t]*[,&/][ \t]*\d{1,2}\.\d{1,2}){1,2}[ \t]*\)"
    r"|,?[ \t]*(?:with|from|off|thanks to|built on)[ \t]+(?:his |her |their |the )?"
    r"(?:best |top |two |scoring )*(?:waves|rides|scores)\b"
    r"|,[ \t]*built on[ \t]+(?:an?[ \t]+)?\d{1,2}\.\d{1,2}[ \t]*(?:\+|and))"
)
# "Ayla Brennan 16.43 - waves 8.60, 7.83", "16.43 (waves: 8.60, 7.83)": a decimal followed by its waves is a heat
# total, not a wave ("- waves" would otherwise name it).
_TOTAL_THEN_WAVES = re.compile(r"[ \t]*[-\u2013:(][ \t]*(?:best[ \t]+|top[ \t]+|two[ \t]+|scoring[ \t]+)*"
                               r"(?:waves|rides|scores)[ \t]*:?[ \t]*\d")
# "H1 Eamon Stroud 12.77 def. Hollis Varga 10.20", "Haddad 12.50 - Moretti 12.43": a score line, read with names
# blanked out. A decimal right before a defeat (or a dash) of a named athlete whose score follows is a heat total,
# and that score the other's.
_DEFEAT_GAP = re.compile(r"[ \t]*(?:def\.|defeated|defeats|beat|beats|edged(?:[ \t]+out)?|outscored|[-\u2013]|vs\.?)"
                         r"[ \t]{3,}(?:\([a-z-]{2,8}\)[ \t]*)?")
# Two numbers joined only by these share a statistic ("9.10 and 8.00", "Ines has 0 wins and Felipe has 4"): a
# joiner must be there, and nothing but fillers (names are blanked out before the check).
_JOINERS = frozenset({"and", "or", "vs", "vs.", "versus", "against", "to", "while", "compared", "plus", ",", "/", "&",
                      "-", "\u2013", "respectively", "then", "+"})
_FILLERS = frozenset({"has", "have", "had", "is", "was", "a", "an", "the", "his", "her", "their", "each", "with", "(",
                      ")", ":", "'s", "\u2019s"})
_CONNECTOR_WORDS = re.compile(r"[a-z'\u2019.]+|[^a-z'\u2019.\s]")
# "Kai won 17.10 to 13.65": a number set against the previous one belongs to the other side.
_CONTRAST = re.compile(r"[ \t]*(?:to|vs\.?|versus|against|over|-|\u2013)[ \t]*(?:a |an |the )?")
_STANDS = re.compile(r"\b(?:sits|sat|sitting|stands|stood|is now|now)[ \t]+$")
_RECORD_AFTER = re.compile(r"[ \t]+(?:in heats|heat record|record|w-l|win-loss)\b")
_RANGE = re.compile(r"^[ \t]*(?:-|\u2013|to)[ \t]*$")
_YEAR_MIN, _YEAR_MAX = YEARS  # an integer in this range with no other statistic is a year
PAIR_AND = re.compile(r"^[ \t]+and[ \t]+(?:an?[ \t]+)?$")  # "4.07 and 1.71", "an 8.03 and a 6.10"
_UNITS = frozenset({"swell", "time"})  # statistics a unit names ("3-4 ft", "20-30 minutes")
_SCORE_NOUNS = frozenset({"heat_total", "wave_score"})  # "16.13-14.47 heat total": a noun after a range of scores
_SHARED_BACK = frozenset({"wave_score", "heat_total", "win_rate", "avg_heat", "avg_wave", "average"})
# Links from a name to a number it owns: "Leo Santos on 13.65", "Kai: 17.10", "Ines 54.5%", "Kai (17.10)".
_ADJACENT = re.compile(
    r"^[ \t]*(?:[:\-\u2013(,][ \t]*)?(?:(?:on|has|had|with|posted|posts|scored|scores|at|is|was|averages|averaged"
    r"|managed|earned|got|put up|finished on|sits on|sits at|sat on|answered with|recorded)[ \t]+)?"
    r"(?:a |an |the )?$"
)
_POSSESSIVE = re.compile(r"^['\u2019]s?(?:[ \t]+[a-z-]+,?){0,4}[ \t]+(?:a |an )?$")
_RELATIVE = re.compile(r"^,?[ \t]+(?:who|whose)\b[a-z \t]{0,30}$")
_AFTER_ATTACH = re.compile(r"[ \t%]*(?:[a-z-]+[ \t]+){0,3}?(?:by|from|courtesy of|for)[ \t]+$|[ \t]*\([ \t]*$")
_DEFEAT = re.compile(
    r"(?:\bbeat|\bbeats|\bbeating|\bdefeating|\bdefeated|\bdefeats|\bdef\.|\bedged?(?: out)?|\bedges(?: out)?"
    r"|\boutscored|\boutscores|\boutpointed|\bover|\bagainst|\bvs\.?|\bversus|\bpast|\bousted|\beliminated"
    r"|\bknocked out"
    r"|\btook down|\bdowned|\bovercame|\btopped|\bpipped|\bheld off|\bahead of|\bthan|\bleads?|\bleading"
    r"|\btrails?|\btrailed|\btrailing|\bbehind)[ \t]+(?:[a-z]+['\u2019]s[ \t]+)?$"
)
# A score line between two named athletes, "A beat B 17.10 to 13.65" or "A trailed B 14.40 to 13.05": the verb (an
# adverb or "was" may come first) says whose each side is. The first side is the larger, as in English: a line
# written the other way round is left unread.
_SCORE_VERB = re.compile(
    r"^[ \t]+(?:[a-z]+[ \t]+)?(?:(?P<ahead>beat|beats|beating|defeating|defeated|defeats|def\.|edged(?: out)?"
    r"|edges(?: out)?|outscored|outscores|outpointed|downed|topped|pipped|held off|holds off|led|leads|leading"
    r"|overcame)"
    r"|(?P<behind>trailed|trails|trailing|behind))[ \t]+$"
)
_SCORE_GAP = re.compile(r"^[ \t,]*$")
# Where a sentence turns to another clause: an athlete named past this does not own an earlier number.
_CLAUSE_BREAK = re.compile(r",[ \t]*(?:and|but|while|whereas|although|though|so)\b|:[ \t]|\bwhile\b|\bbut\b|\|"
)


class Reading(NamedTuple):
    """One number of a text and what the text says it is."""

    mention: NumberMention
    end: int  # where the number as written ends
    subject: str | None
    subject_kind: str | None  # "athlete", "event" or "group" (a round or division; None with no subject)
    statistic: str | None
    sentence_end: int  # the end of its sentence: the reading is final once the text goes past it
    ahead: bool = False  # the subject is the side a margin favours ("a gap of 5,725 points in Ines's favour")
    top: bool = False  # said to be the top one of its kind ("the top single ride of the heat was Nina's 6.33")


# A number that ends a list item ("8.00.", "7.80,", "4)", "56.5% vs") may share the previous one's statistic; one
# followed by a verb starts a clause of its own ("5 were decided by ...").
_LIST_ITEM_END = re.compile(r"[ \t]*(?:$|[,.;:)\]/!?%]|and\b|or\b|vs\b|versus\b|respectively\b|each\b|apiece\b)")
_SCORE_LINE = re.compile(r"(?:[ \t]+[a-z]+)?[ \t]*(?:to|-|\u2013)[ \t]*\d")


def _joined(text: str) -> bool:
    """Whether ``text`` (between two numbers) only joins them: a joiner and fillers, nothing else."""
    words = _CONNECTOR_WORDS.findall(text)
    return any(w in _JOINERS for w in words) and all(w in _JOINERS or w in _FILLERS for w in words)


def _record_pair(lower: str, numbers: list[NumberMention], ends: list[int], i: int, end: int) -> str | None:
    """Whether numbers ``i`` and ``i + 1`` read as a win-loss record: ``"named"`` ("15-9 in heats", "a 12-4
    record"), ``"bare"`` (two small integers joined by a dash, nothing after: "went 18-8") or ``None``.
    """
    if i + 1 >= len(numbers) or numbers[i + 1].readings[0][1] < SCALE:
        return None
    if not _RANGE.match(lower[ends[i] : numbers[i + 1].start]):
        return None
    if _RECORD_AFTER.match(lower, ends[i + 1], min(end, ends[i + 1] + 24)):
        return "named"
    small = all(0 <= m.value <= 200 for m in numbers[i : i + 2])  # not "the 2025-26 season", "$5-10k"
    bare = lower[ends[i] : numbers[i + 1].start] == "-" and small and not numbers[i + 1].text.lower().endswith("k")
    if bare and after_statistic(lower[ends[i + 1] : min(end, ends[i + 1] + 60)], 0, True)[0] is None:
        return "bare"
    return None


def _bracket_owner(lower: str, numbers: list[NumberMention], ends: list[int], i: int, start: int) -> int | None:
    """The index of the number whose brackets hold number ``i`` ("17.10 (9.10 + 8.00)"), if any."""
    opening = lower.rfind("(", max(start, numbers[i].start - _WINDOW), numbers[i].start)
    if opening < 0 or ")" in lower[opening : numbers[i].start]:
        return None
    for j in range(i - 1, -1, -1):
        if ends[j] <= opening:
            return j if not lower[ends[j] : opening].strip(" \t,:") else None
    return None


def _statistics(lower: str, blanked: str, numbers: list[NumberMention], ends: list[int], start: int,
                end: int, cells: list[Cell]) -> tuple[list[str | None], list[int]]:
    """The statistic of each number of one sentence ``[start, end)`` (see the module docstring); a number that
    names none in its own words takes its table cell's (``cells``).
    """
    stats: list[str | None] = []
    cue_ends: list[int] = []
    forced: dict[int, str] = {}
    floor = start
    for i, mention in enumerate(numbers):
        after = lower[ends[i] : min(end, ends[i] + 60)]
        integer = mention.readings[0][1] >= SCALE  # written without decimals
        window = max(floor, mention.start - _WINDOW)
        adjacent = adjacent_statistic(lower, window, mention.start, integer)
        if names_outright(adjacent):
            stat, span = adjacent, 0
        else:
            stat, span = after_statistic(after, mention.value, integer)
            if stat == "heats" and adjacent in ("wins", "losses"):
                stat = adjacent  # "won 15 heats", "lost 7 heats": heats won or lost, not surfed
            elif stat == "events" and adjacent == "wins":
                stat = "event_wins"  # "won 4 events": events won, not entered
            elif stat is not None and integer and _YEAR_MIN <= mention.value <= _YEAR_MAX and not plausible(
                    stat, mention.value):
                # "2024 event log", "2025 average heat score: 14.82": a year before the noun, not a count of them;
                # the noun is left to the number it names
                stat, span = "year", 0
        if not integer and span and stat == "wave_score" and _TOTAL_THEN_WAVES.match(after):
            stat, span = "heat_total", 0
        if (stat in ("avg_heat", "avg_wave") and span and _SUPERLATIVE_BEFORE.search(lower, window, mention.start)
                and not _AVERAGE_WORD.search(lower, window, mention.start)):
            stat = before_statistic(lower, window, mention.start, adjacent, integer) or stat
        if i in forced and (stat is None or stat in ("wins", "losses", "heats")):
            stat = forced[i]
        of = (i + 1 < len(numbers) and forced.get(i) != "heats"  # "won 21 of 27 from 36,770": 27 ends the pair
              and _OF_HEATS.fullmatch(lower, ends[i], numbers[i + 1].start) is not None)
        if of and not names_outright(adjacent):
            # "won 16 of 23 heats": the first is wins, the second heats surfed ("..., Wren 6 of 15" likewise).
            heats_named = _HEATS_AFTER.match(lower, ends[i + 1], min(end, ends[i + 1] + 14)) is not None
            cell = _cell_at(cells, mention.start) if cells else None
            in_heats_cell = cell is not None and cell.statistic in ("wins", "heats")  # "Heats won | 14 of 19"
            won = _WON_BEFORE.search(lower, window, mention.start) is not None
            if won and not heats_named and _EVENTS_AFTER.match(lower, ends[i + 1], min(end, ends[i + 1] + 14)):
                stat, forced[i + 1] = "event_wins", "events"  # "has won 3 of 11 events"
            elif (heats_named or in_heats_cell or won or "heats" in forced.values()
                  or before_statistic(lower, window, mention.start, adjacent, integer) == "wins"
                  or (adjacent == "heats" and "/" in lower[ends[i] : numbers[i + 1].start])):
                # "Heats won/surfed: 13/21", "Heats W/S 34/41", "heats 40/47": a pair its cue calls wins (or a
                # slash pair after "heats") is wins of heats
                stat, forced[i + 1] = "wins", "heats"
        record = _record_pair(lower, numbers, ends, i, end) if integer and i + 1 not in forced else None
        if stat in (None, "heat_total", "wave_score") and record == "named":
            stat, forced[i + 1] = "wins", "losses"  # "15-9 in heats", "a 12-4 record"
        if stat is None:
            stat = before_statistic(lower, window, mention.start, adjacent, integer)
            if stat == "wave_or_count":
                stat = "waves_ridden" if integer else "wave_score"
            elif stat == "record":  # "W-L 25-7", "a 12-4 record": wins, then losses
                stat = "wins" if i + 1 < len(numbers) and _RANGE.match(lower[ends[i] : numbers[i + 1].start]) else None
                if stat:
                    forced[i + 1] = "losses"
        if (stat in (None, "heat_total") and record == "bare" and not span
                and not _DEFEAT.search(blanked, max(floor, mention.start - 40), mention.start)):
            stat, forced[i + 1] = "wins", "losses"  # "the top heat, 18-8": integer heat totals are never written so
        rate = _PERCENT.match(after)
        previous_rate = _PERCENT.match(lower, ends[i - 1]) if stat is None and rate and i else None
        if (previous_rate is not None and stats[i - 1] not in INTEGER_STATISTICS and stats[i - 1] is not None
                and _LIST_ITEM_END.match(after)
                and _joined(blanked[max(previous_rate.end(), cue_ends[-1]) : mention.start])):
            stat = stats[i - 1]  # "Heat win rate: Yara 56.2% against Oli 42.9%": a list of percentages shares one label
        if stat is None and rate:
            score = _SCORE_AFTER_PERCENT.match(after)
            if score is not None:
                wave = score.group("kind") != "heat"
                stat = ("avg_wave" if wave else "avg_heat") if score.group("average") else (
                    "wave_score" if wave else "heat_total")
            elif _SCORE_BEFORE_PERCENT.search(lower, window, mention.start):
                stat = "heat_total"
            else:
                stat = "win_rate"
        if stat is None and i and stats[i - 1] == "format" and _FORMAT_RUN.fullmatch(lower, cue_ends[-1],
                                                                                   mention.start):
            stat = "format"
        if stat is None and _TOTAL_OF_WAVES.match(lower, ends[i], min(end, ends[i] + 60)):
            stat = "heat_total"
        if stat is None and not integer and i + 1 < len(numbers) and _DEFEAT_GAP.fullmatch(
                blanked, ends[i], numbers[i + 1].start):
            stat = "heat_total"
        if (stat is None and i and stats[i - 1] == "heat_total" and not integer
                and _DEFEAT_GAP.fullmatch(blanked, cue_ends[-1], mention.start)):
            stat = "heat_total"
        if stat is None and i:
            owner = _bracket_owner(lower, numbers, ends, i, start)
            if owner is not None and stats[owner] == "heat_total":
                stat = "wave_score"  # "17.10 (9.10 + 8.00)"
        if stat is None and cells:
            cell = _cell_at(cells, mention.start)
            if cell is not None and cell.statistic is not None:
                stat = cell.statistic
                if stat == "wave_or_count":
                    stat = "waves_ridden" if integer else "wave_score"
                elif stat == "record":  # "25-7" under "Heats W-L"
                    stat = "losses" if i and _cell_at(cells, numbers[i - 1].start) == cell else "wins"
                elif (stat in INTEGER_STATISTICS and not integer) or not plausible(stat, mention.value):
                    stat = None
        if (stat is None and i and stats[i - 1] is not None and not of and _LIST_ITEM_END.match(after)
                and _joined(blanked[cue_ends[-1] : mention.start])
                and (plausible(stats[i - 1], mention.value)
                     or not (integer or numbers[i - 1].readings[0][1] >= SCALE)
                     or not plausible(stats[i - 1], numbers[i - 1].value))):
            # a decimal listed after a decimal shares its statistic even where it cannot be one: "the best two waves
            # were Dunmore's 14.03 and Kowalczyk's 15.47" calls 15.47 (a heat total) a wave; and a list whose first
            # number already cannot be it ("the best rides are Greer's 44,750 and Duarte's 43,900") shares it too
            stat = stats[i - 1]
        if stat is None and i and changed_from(lower, floor, mention.start):
            stat = stats[i - 1]  # "averaged 12.48, up from 11.20": the earlier value of the same figure
        if stat is None and not integer and _POINTS_AFTER.match(after):
            stat = "points"
        if stat is None and integer and _YEAR_MIN <= mention.value <= _YEAR_MAX:
            stat = "year"
        if stat is None and is_ordinal(mention.text) and _STANDS.search(lower, window, mention.start):
            stat = "rank"  # "Valtonen sits 6th"
        stats.append(stat)
        cue_ends.append(ends[i] + span)
        floor = max(ends[i] + span, mention.start)
    for i in range(len(numbers) - 2, -1, -1):  # "4-6 ft": a range shares its upper end's statistic
        if stats[i] is None and stats[i + 1] is not None and _RANGE.match(lower[ends[i] : numbers[i + 1].start]):
            stats[i] = stats[i + 1]
        elif (cue_ends[i] == ends[i] and stats[i] != stats[i + 1]
              and _RANGE.match(lower[ends[i] : numbers[i + 1].start])
              and (stats[i + 1] in _UNITS or (stats[i + 1] in _SCORE_NOUNS and cue_ends[i + 1] > ends[i + 1]
                                              and numbers[i].readings[0][1] < SCALE
                                              and numbers[i + 1].readings[0][1] < SCALE))):
            # "built on a 3-4 ft ...", "built on a 16.13-14.47 heat total": a range's unit or noun names both ends,
            # whatever came before
            stats[i] = stats[i + 1]
        elif (stats[i] is None and stats[i + 1] in _SHARED_BACK and cue_ends[i] == ends[i]
              and PAIR_AND.match(lower[ends[i] : numbers[i + 1].start])
              and plausible(stats[i + 1], numbers[i].value)
              and (numbers[i].readings[0][1] >= SCALE) == (numbers[i + 1].readings[0][1] >= SCALE)):
            stats[i] = stats[i + 1]  # "Moana's 4.07 and 1.71 were the top single ride": a pair shares its noun
    return stats, cue_ends


def _score_sides(lower: str, mentions: list[Mention], numbers: list[NumberMention], ends: list[int],
                 stats: list[str | None]) -> dict[int, Mention]:
    """The owners of the two sides of each score line between named athletes ("A beat B 17.10 to 13.65": 17.10 is
    A's and 13.65 B's; "A trailed B 14.40 to 13.05": 14.40 is B's and 13.05 A's), by number index.
    """
    sides: dict[int, Mention] = {}
    for a, b in pairwise(mentions):
        verb = _SCORE_VERB.match(lower[a.end : b.start]) if a.kind == b.kind == ATHLETE else None
        if verb is None or a.name is None or b.name is None or a.name == b.name:
            continue
        i = next((k for k, n in enumerate(numbers) if n.start >= b.end), None)
        if (i is None or i + 1 >= len(numbers) or "rank" in (stats[i], stats[i + 1])
                or not _SCORE_GAP.match(lower[b.end : numbers[i].start])
                or not _RANGE.match(lower[ends[i] : numbers[i + 1].start])
                or numbers[i].scaled <= numbers[i + 1].scaled):
            continue
        first, second = (a, b) if verb.group("ahead") else (b, a)
        sides[i], sides[i + 1] = first, second
    return sides


def _favoured(lower: str, mentions: list[Mention], starts: list[int], number_end: int) -> Mention | None:
    """The athlete named in "in X's favour" right after a number, if the number is followed by one."""
    lead = _FAVOUR_BEFORE.match(lower, number_end)
    if lead is None:
        return None
    k = bisect.bisect_left(starts, lead.end())
    if k == len(mentions) or starts[k] != lead.end() or mentions[k].kind != ATHLETE:
        return None
    return mentions[k] if _FAVOUR_AFTER.match(lower, mentions[k].end) else None


def _enclosed(lower: str, mention: Mention, number_start: int) -> bool:
    """Whether ``mention`` stands in brackets closed before ``number_start``: "4 wins (Kahuli Point, Sagar Point) •
    avg heat 15.74" names where the wins came, not whose the average is.
    """
    return lower.rfind("(", 0, mention.start) > lower.rfind(")", 0, mention.start) and ")" in lower[
        mention.end : number_start]


def _subject(lower: str, number_start: int, number_end: int, mentions: list[Mention], starts: list[int],
             people: int, statistic: str | None, own: list[NumberMention], i: int) -> Mention | None:
    """The mention that number ``own[i]`` belongs to, among the mentions of its sentence (see the module
    docstring); ``starts`` are the mentions' start offsets and ``people`` how many athletes (named or not) the
    sentence mentions.
    """
    k = bisect.bisect_left(starts, number_end)
    following = mentions[k] if k < len(mentions) else None
    if following is not None and following.kind == ATHLETE:
        if _AFTER_ATTACH.match(lower, number_end, following.start):
            return following
    athlete_level = statistic is None or statistic in ATHLETE_STATISTICS
    j = bisect.bisect_right(starts, number_start) - 1
    while j >= 0 and (mentions[j].end > number_start or (
            mentions[j].kind == EVENT and (athlete_level or _enclosed(lower, mentions[j], number_start)))):
        j -= 1
    if j < 0:
        if people == 1 and following is not None and following.kind == ATHLETE:
            gap = lower[number_end : following.start]
            if not _CLAUSE_BREAK.search(gap) and not any(c.isdigit() for c in gap):
                return following
        return None
    preceding = mentions[j]
    if preceding.kind != ATHLETE:
        return preceding if preceding.kind == EVENT else None
    between = lower[preceding.end : number_start]
    if _POSSESSIVE.match(between) or _RELATIVE.match(between):
        return preceding
    if lower.startswith(("'s", "\u2019s"), preceding.end) and i and own[i - 1].start > preceding.end:
        return None  # "5 podiums to Yumi's 2 and a 15.12": the possessive owned the number in between
    blocked = _DEFEAT.search(lower, max(0, preceding.start - 24), preceding.start) is not None
    if blocked and _SCORE_LINE.match(lower, number_end, number_end + 24):
        return None  # "Leo leads Kai 3 wins to 1", "beat Leo 17.10 to 13.65": the score line's first side is not said
    if _ADJACENT.match(between) and not (blocked and "with" in between):
        return preceding
    return None if blocked else preceding


def _decimal_pair(lower: str, numbers: list[NumberMention], ends: list[int], i: int) -> bool:
    """Whether numbers ``i - 1`` and ``i`` are two decimals joined by "and" ("8.10 and 7.10"): one pair, one owner."""
    return (numbers[i].readings[0][1] < SCALE and numbers[i - 1].readings[0][1] < SCALE
            and PAIR_AND.match(lower[ends[i - 1] : numbers[i].start]) is not None)


def _blank(lower: str, mentions: list[Mention]) -> str:
    """``lower`` with every entity mention replaced by spaces (connectors are checked without names)."""
    if not mentions:
        return lower
    parts, last = [], 0
    for m in mentions:
        parts.append(lower[last : m.start])
        parts.append(" " * (m.end - m.start))
        last = m.end
    parts.append(lower[last:])
    return "".join(parts)


class Carry(NamedTuple):
    """What one sentence leaves for the next: the athlete a pronoun refers to, and (in a context) the athlete a
    heading line names ("Hana Kowalczyk" on a line of its own, then "- Rank: 3rd").
    """

    pronoun: str | None = None
    heading: str | None = None


NO_CARRY = Carry()
_HEADING_WORDS = 12  # a line this short that names one athlete and no number (but years) is a heading


def _cell_at(cells: list[Cell], at: int) -> Cell | None:
    return next((c for c in cells if c.start <= at < c.end), None)


# Statistics an event has of its own, as a whole: averages and counts over all its heats. An athlete's figure of
# these is not the event's ("the average heat total across the event was 14.12", his average).
EVENT_LEVEL = frozenset({"avg_heat", "avg_wave", "average", "waves_ridden", "heats", "heats_run", "excellent"})

# Statistics a round or division does not own: the post's shape, a year, a round's or heat's own number, a prize.
_NOT_GROUPED = frozenset({"format", "year", "round", "heat_number", "prize_money"})


_GROUP_AFTER = re.compile(r"[^\d,;:.]{0,30}\b(?:in|for|at|of|from|across)[ \t]+(?:the[ \t]+)?")


def _group_of(lower: str, at: int, end: int, cells: list[Cell], groups: list[tuple[int, int, str]],
              mentions: list[Mention]) -> str | None:
    """The round or division (:mod:`metrics.groups`) a number at ``[at, end)`` with no athlete belongs to: its
    table row's, else the group named nearest before it in its sentence with no athlete named in between ("R16
    rode 8 and 118", "the women averaged 12.96"), else one a preposition attaches right after it ("18 surfers in
    the women's draw").
    """
    cell = _cell_at(cells, at) if cells else None
    if cell is not None and cell.kind == GROUP:
        return cell.subject
    before = [g for g in groups if g[1] <= at]
    if before:
        _, named_end, key = before[-1]
        return None if any(m.kind == ATHLETE and named_end <= m.start < at for m in mentions) else key
    after = next((g for g in groups if g[0] >= end), None)
    if after is not None and _GROUP_AFTER.fullmatch(lower, end, after[0]):
        return after[2]
    return None


def read_sentence(sentence: str, lower: str, numbers: list[NumberMention], entities: Entities, carry: Carry,
                  *, cells: list[Cell] | None = None, context: bool = False,
                  words: frozenset[str] | None = None) -> tuple[list[Reading], Carry]:
    """The readings of one sentence's numbers (offsets relative to the sentence), and what it carries forward.

    ``lower`` is the sentence lower-cased at equal length, ``numbers`` its number mentions and ``cells`` its table
    cells (:func:`metrics.tables.table_cells`; both with offsets relative to the sentence), ``carry`` what the
    previous sentence left (:class:`Carry`).
    """
    mentions, pronoun = find_mentions(sentence, entities, carry.pronoun, lower, words)
    heading = carry.heading
    people = {m.name for m in mentions if m.kind != EVENT}
    if context and people:
        one = len(people) == 1 and None not in people and len(sentence.split()) <= _HEADING_WORDS
        if not numbers or (one and all(_YEAR_MIN <= n.value <= _YEAR_MAX and n.readings[0][1] >= SCALE
                                       for n in numbers)):  # "Season wrap 2024 - Champion: Aiyana Redcloud"
            heading = next(iter(people)) if one else None
        elif people != {heading}:
            heading = None  # a line about someone else ends the heading's section
    after = Carry(pronoun, heading)
    if not numbers:
        return [], after
    starts = [m.start for m in mentions]
    groups = find_groups(lower, entities.groups)
    blanked = _blank(lower, mentions)
    end = len(sentence)
    ends = [m.start + len(m.text) for m in numbers]
    stats, cue_ends = _statistics(lower, blanked, numbers, ends, 0, end, cells or [])
    sides = _score_sides(lower, mentions, numbers, ends, stats)
    out: list[Reading] = []
    owners: list[Mention | None] = []
    for i, mention in enumerate(numbers):
        stat = stats[i]
        if stat in EVENT_ONLY:
            owner = Mention(mention.start, mention.start, EVENT, entities.event)
        elif i in sides:
            owner = sides[i]
        elif i and stat == "losses" and stats[i - 1] == "wins" and _RANGE.match(lower[ends[i - 1] : mention.start]):
            owner = owners[i - 1]  # a win-loss record ("18-8") is one surfer's
        elif i and _CONTRAST.fullmatch(lower, cue_ends[i - 1], mention.start):
            owner = None  # the other side of a score line ("leads 5 wins to 0"); which athlete is not said
        else:
            bracket = _bracket_owner(lower, numbers, ends, i, 0) if i else None
            # The numbers in brackets after another ("17.10 (9.10 + 8.00)") are the same surfer's.
            owner = owners[bracket] if bracket is not None else _subject(
                lower, mention.start, ends[i], mentions, starts, len(people), stat, numbers, i)
            if owner is None and i and ((stat is not None and stat == stats[i - 1]
                                         and _joined(blanked[cue_ends[i - 1] : mention.start]))
                                        or (stat is None and stats[i - 1] is None and _decimal_pair(
                                            lower, numbers, ends, i))):
                # "Mara's best rides were a 9.29 and a 2.50", "Diallo's 8.10 and 7.10": a list shares its owner
                owner = owners[i - 1]
            if owner is None and i and changed_from(lower, cue_ends[i - 1], mention.start):
                owner = owners[i - 1]  # "12.48, up from 11.20": the same subject's earlier figure
            if owner is None and not context and stat in EVENT_LEVEL:
                # "the average heat total across the event was 14.12": an event's own figure, said of the event
                owner = next((m for m in mentions if m.kind == EVENT), None)
        favoured = _favoured(lower, mentions, starts, ends[i])
        if favoured is not None:
            owner = favoured
        owners.append(owner)
        subject, kind = (owner.name, owner.kind) if owner is not None and owner.name is not None else (None, None)
        if owner is not None and owner.kind == EVENT and stat in EVENT_LEVEL:
            kind = EVENT  # "across the event" in a context that names none: the event still, if unnamed
        if subject is None and stat not in EVENT_ONLY:
            cell = _cell_at(cells, mention.start) if cells else None
            if cell is not None and cell.subject is not None:
                subject, kind = cell.subject, cell.kind
            elif context and heading is not None and not any(m.kind == ATHLETE for m in mentions):
                subject, kind = heading, ATHLETE
        if entities.groups and kind != ATHLETE and stat not in _NOT_GROUPED:
            group = _group_of(lower, mention.start, ends[i], cells or [], groups, mentions)
            if group is not None:
                subject, kind = group, GROUP
        if context and subject is None:
            subject, kind = _context_default(stat, entities)
        if stat == "heats" and kind in (EVENT, GROUP):
            stat = "heats_run"
        top = stat in ("wave_score", "heat_total") and (
            _TOP.search(lower, cue_ends[i - 1] if i else 0, mention.start) is not None
            or _TOP_AFTER.match(lower, ends[i], end) is not None
            or (i + 1 < len(numbers) and stats[i + 1] == stat  # "4.07 and 1.71 were the top single ride"
                and PAIR_AND.match(lower[ends[i] : numbers[i + 1].start]) is not None
                and _TOP_AFTER.match(lower, ends[i + 1], end) is not None)
        )
        out.append(Reading(mention, ends[i], subject, kind, stat, end, favoured is not None and subject is not None,
                           top))
    return out, after


def sentence_numbers(numbers: list[NumberMention], sentences: list[tuple[int, int]]) -> list[list[NumberMention]]:
    """The number mentions of each sentence (offsets still in the whole text)."""
    out: list[list[NumberMention]] = []
    cursor = 0
    for start, end in sentences:
        own = []
        while cursor < len(numbers) and numbers[cursor].start < end:
            if numbers[cursor].start >= start:
                own.append(numbers[cursor])
            cursor += 1
        out.append(own)
    return out


def sentence_cells(cells: list[Cell], start: int, end: int) -> list[Cell]:
    """The table cells inside ``[start, end)``, with offsets relative to ``start``."""
    # Built directly, not with NamedTuple._replace (several times slower; contexts shift every number and cell).
    return [Cell(c.start - start, c.end - start, *c[2:]) for c in cells if start <= c.start < end]


def relative(numbers: list[NumberMention], start: int) -> list[NumberMention]:
    """The mentions with offsets relative to ``start`` (a sentence's)."""
    return [NumberMention(m.text, m.start - start, *m[2:]) for m in numbers]


def read_numbers(text: str, lower: str, numbers: list[NumberMention], sentences: list[tuple[int, int]],
                 entities: Entities, *, context: bool = False, words: frozenset[str] | None = None) -> list[Reading]:
    """A :class:`Reading` for every number of ``text``, in order, with offsets in ``text``.

    ``lower`` is ``text`` lower-cased at equal length, ``numbers`` its number mentions and ``sentences`` its
    sentence spans (see :class:`metrics.parse.Parse`), ``words`` its lower-cased word set if known. ``context=True``
    reads a context: numbers left without a subject then go to the event or the context's only athlete.
    """
    out: list[Reading] = []
    carry = NO_CARRY
    cells = table_cells(text, entities)
    for (start, end), own in zip(sentences, sentence_numbers(numbers, sentences), strict=True):
        readings, carry = read_sentence(text[start:end], lower[start:end], relative(own, start), entities, carry,
                                        cells=sentence_cells(cells, start, end), context=context, words=words)
        out += [Reading(NumberMention(m.text, m.start + start, *m[2:]), r.end + start, *r[2:5], end, *r[6:])
                for r in readings for m in (r.mention,)]
    return out



def _context_default(stat: str | None, entities: Entities) -> tuple[str | None, str | None]:
    """A context's number with no subject: the event's for event-level statistics (when the context names one
    event), else the context's only athlete's.
    """
    if entities.event is not None and (stat in EVENT_ONLY or stat in EVENT_LEVEL):
        return entities.event, EVENT
    if len(entities.athletes) == 1 and stat not in EVENT_ONLY:
        return entities.athletes[0], ATHLETE
    return None, None

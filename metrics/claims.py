"""Claims: every number a post states, what it says the number is, and whether the context agrees.

    >>> [(c.text, c.subject, c.statistic, c.verdict) for c in metrics.claims(task, post)]
    [('17.10', 'Kai Moana', 'heat_total', 'supported'), ('9.10', 'Leo Santos', 'wave_score', 'misattributed'), ...]

The same reader (:mod:`metrics.attribution`) reads the context into **facts** and the response into **claims**:
a value, a subject (an athlete, the event, or a round or division: :mod:`metrics.groups`) and a statistic
(:data:`metrics.statistics.STATISTICS`). Verdicts:

- ``supported``: a context fact has the value (at the precision shown), and its subject and statistic agree with
  what the claim says (a claim that says no subject, or no statistic, agrees on that part);
- ``derived``: the sum or difference of two context facts that can be combined, between the right subjects (a
  winning margin between the two totals of a heat, two waves making a surfer's total, a points gap);
- ``misattributed``: the value is in the context, but only as another subject's or another statistic's;
- ``unsupported``: the value is not in the context (nor in the instruction, nor derivable);
- ``unverifiable``: the value is in the context, but the claim names neither a subject nor a statistic, so there
  is nothing to check it against. Reported, never penalised: unusual but correct phrasings are not punished.

``misattributed`` and ``unsupported`` claims are false: they lower the fact score's precision alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from metrics._task import check_response, read_task
from metrics.attribution import (
    EVENT_LEVEL,
    NO_CARRY,
    PAIR_AND,
    Carry,
    Reading,
    read_numbers,
    read_sentence,
    relative,
    sentence_cells,
    sentence_numbers,
)
from metrics.entities import ATHLETE, EVENT, Entities, context_entities
from metrics.groups import GROUP
from metrics.numbers import SCALE, NumberMention, NumberSupport, extract_numbers, is_ordinal
from metrics.parse import Parse, safe_lower, sentence_spans
from metrics.scope import SEASONAL, asks_history, career_offsets, names_past, names_season, past_offsets, past_years
from metrics.statistics import after_statistic, comparable, compatible, plausible, possible
from metrics.tables import Cell, table_cells

__all__ = ["FALSE_VERDICTS", "TRUE_VERDICTS", "VERDICTS", "Claim", "ContextFacts", "Fact", "claims", "context_facts",
           "judge_claims"]

VERDICTS: tuple[str, ...] = ("supported", "derived", "misattributed", "unsupported", "unverifiable")
FALSE_VERDICTS: frozenset[str] = frozenset({"misattributed", "unsupported"})
TRUE_VERDICTS: frozenset[str] = frozenset({"supported", "derived"})
_MAX_PAIR_FACTS = 150  # sums and differences are formed over at most this many context facts (quadratic)


@dataclass(frozen=True)
class Claim:
    """One number of a response: what it says (``subject``, ``statistic``) and the ``verdict`` on it.

    ``text`` is the number as written and ``start``/``end`` its offsets in the response. ``sentence_end`` is where
    its sentence ends: what the claim says is settled once the text goes past it.
    """

    text: str
    start: int
    end: int
    value: float
    subject: str | None
    statistic: str | None
    verdict: str
    sentence_end: int

    @property
    def is_false(self) -> bool:
        """Whether the claim is ``misattributed`` or ``unsupported``."""
        return self.verdict in FALSE_VERDICTS

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "value": self.value,
                "subject": self.subject, "statistic": self.statistic, "verdict": self.verdict}


_new_object = object.__new__


def _claim(text: str, start: int, end: int, value: float, subject: str | None, statistic: str | None, verdict: str,
           sentence_end: int) -> Claim:
    """``Claim(...)`` without the frozen dataclass's ``__init__``, which sets each field through
    ``object.__setattr__`` (three times the cost; a post makes several claims). Same object: the fields go straight
    into the instance's ``__dict__``, where the generated ``__init__`` would put them.
    """
    claim = _new_object(Claim)
    fields = claim.__dict__
    fields["text"], fields["start"], fields["end"], fields["value"] = text, start, end, value
    fields["subject"], fields["statistic"], fields["verdict"], fields["sentence_end"] = (subject, statistic, verdict,
                                                                                        sentence_end)
    return claim


@dataclass(frozen=True)
class Fact:
    """One number of a context and what the context says it is."""

    text: str
    value: float
    readings: tuple[tuple[int, int], ...]
    subject: str | None
    subject_kind: str | None
    statistic: str | None
    past: bool = False  # an earlier season's figure ("up from 11.20 last year"; metrics.scope)
    career: bool = False  # a career figure ("Career wins: 5"), no season's


def _round_half_up(value: int, quantum: int) -> int:
    return ((value + quantum // 2) // quantum) * quantum


class ContextFacts:
    """The facts of one context (and the numbers of its instruction), indexed for judging claims.

    Built once per context by :func:`context_facts` (cached), so judging a response costs a few dictionary
    lookups per claim.
    """

    def __init__(self, entities: Entities, facts: list[Fact], instruction: list[NumberMention],
                 heat_labels: frozenset[int] = frozenset(), past_years: frozenset[int] = frozenset(),
                 history: bool = False) -> None:
        self.entities = entities
        self.heat_labels = heat_labels  # heat numbers given only in labels: "H2 Mathis Fontaine 15.33", "QF3:"
        self.past_years = past_years  # years before the latest of a context's season rows (metrics.scope)
        self.history = history  # the user asks about a career or a change: past figures are fair unless given as now
        self.has_past = any(f.past for f in facts)
        self.has_career = any(f.career for f in facts)
        self.facts = tuple(facts)
        self.instruction = NumberSupport(r for m in instruction for r in m.readings)
        self.sentence_cache: dict[tuple[Any, ...], Any] = {}
        self._by_quantum: dict[int, dict[int, list[Fact]]] = {}

    @functools.cached_property
    def _pairs(self) -> dict[int, dict[int, list[tuple[Fact, Fact, str]]]]:
        """Sums and differences of two facts, by the finer quantum of the two: built when a claim first needs them
        (quadratic in the facts; a post whose figures are all quoted never does).
        """
        pairs: dict[int, dict[int, list[tuple[Fact, Fact, str]]]] = {}
        pool = self.facts[:_MAX_PAIR_FACTS]
        for i, a in enumerate(pool):
            for b in pool[i + 1 :]:
                for va, qa in a.readings:
                    for vb, qb in b.readings:
                        bucket = pairs.setdefault(min(qa, qb), {})
                        bucket.setdefault(va + vb, []).append((a, b, "sum"))
                        bucket.setdefault(abs(va - vb), []).append((a, b, "difference"))
        return pairs

    @functools.cached_property
    def ranking_points_only(self) -> bool:
        """Whether the context gives ranking points and no heat or wave score: a decimal its reader calls "points"
        ("Amaro has 11.73 points") is then ranking points; elsewhere it is a score of some kind ("won with 15.93
        points").
        """
        stats = {f.statistic for f in self.facts}
        return "points" in stats and not stats & {"heat_total", "wave_score"}

    @functools.cached_property
    def heat_numbers(self) -> frozenset[float]:
        """The heat numbers a context gives ("Heat 4", a CSV's heat column, "QF3")."""
        return frozenset({f.value for f in self.facts if f.statistic == "heat_number"} | set(self.heat_labels))

    @property
    def one_heat(self) -> bool:
        """Whether the context is one heat of three or more surfers: it gives one heat number ("Round 1, Heat 4";
        a CSV's heat column, the same on every row).
        """
        return len(self.heat_numbers) == 1

    @functools.cached_property
    def has_heat(self) -> bool:
        """Whether the context gives a heat total: a heat's or an event's result, not a season's line of best waves."""
        return any(f.statistic == "heat_total" for f in self.facts)

    def is_top(self, reading: Reading) -> bool:
        """Whether no context fact of ``reading``'s statistic is larger than its value, as shown.

        True too where the context has no one heat: its facts of that statistic belong to more than two athletes (a
        fact with no owner, "other rides: 3.10", is no third one) unless it numbers one heat only, or it numbers two
        or more heats, or names two or more events; and where it gives no heat total (each athlete's season best
        wave is the top of "their heat"). Only a larger fact the context names as that statistic counts, so a wave
        the reader could not label never makes a claim false.
        """
        own = [f for f in self.facts if f.statistic == reading.statistic]
        if (not own or (len({f.subject for f in own} - {None}) > 2 and not self.one_heat) or not self.has_heat
                or len(self.heat_numbers) > 1 or len(self.entities.events) > 1):
            return True
        top = max(f.readings[0][0] for f in own)
        return any(_round_half_up(top, quantum) <= value for value, quantum in reading.mention.readings)

    def resolve(self, reading: Reading) -> Reading:
        """``reading`` with a decimal's "points" made a score of unnamed kind unless :attr:`ranking_points_only`."""
        if (reading.statistic == "points" and reading.mention.readings[0][1] < SCALE
                and not self.ranking_points_only):
            return reading._replace(statistic=None)
        return reading

    @functools.cached_property
    def per_athlete(self) -> frozenset[str]:
        """The event-level statistics (averages, counts: ``EVENT_LEVEL``) that two or more athletes of the context
        have: figures of a table or comparison of athletes, none of them the event's. Where one athlete has one,
        the reader may have pinned the event's figure on the athlete named before it, so it is left out.
        """
        owners: dict[str, set[str]] = {}
        for f in self.facts:
            if f.subject_kind == ATHLETE and f.statistic in EVENT_LEVEL and f.subject is not None:
                owners.setdefault(f.statistic, set()).add(f.subject)
        return frozenset(stat for stat, names in owners.items() if len(names) > 1)

    @functools.cached_property
    def values(self) -> frozenset[int]:
        """The distinct values of the context's facts (first readings, in units of 10^-4)."""
        return frozenset(f.readings[0][0] for f in self.facts)

    def direct(self, mention: NumberMention) -> list[Fact]:
        """Context facts whose value the mention shows (a fact rounds to it at the precision shown)."""
        found: list[Fact] = []
        for value, quantum in mention.readings:
            index = self._by_quantum.get(quantum)
            if index is None:
                index = self._by_quantum[quantum] = {}
                for fact in self.facts:
                    for v, _ in fact.readings:
                        index.setdefault(_round_half_up(v, quantum), []).append(fact)
            found.extend(index.get(_round_half_up(value, quantum), ()))
        return found

    def derivations(self, mention: NumberMention) -> Iterator[tuple[Fact, Fact, str]]:
        """Pairs of facts whose sum or difference the mention shows, at least as precisely as the finer one."""
        for value, quantum in mention.readings:
            if value % quantum:
                continue
            for finest, pairs in self._pairs.items():
                if quantum <= finest:
                    yield from pairs.get(value, ())


# A context number whose statistic the reader did not name still has a form: a decimal there is a score of some
# kind ("opened with a 7.10"), never a time, a size or a count; an ordinal is a position.
_SCORE_STATISTICS = frozenset({"heat_total", "wave_score", "margin", "average", "avg_heat", "avg_wave", "threshold",
                               "win_rate"})
_POSITION_STATISTICS = frozenset({"rank", "finish", "round", "heat_number"})
_ORDINAL_STATISTICS = _POSITION_STATISTICS | {None, "format"}  # what "4th" can be: a position, or a post's item
_CONDITIONS = frozenset({"swell", "time"})  # a day's or round's swell is the event's too ("the event ran in 5-6 ft")
_LOWER_IS_BETTER = frozenset({"rank", "finish", "losses"})  # a margin favours the side with the smaller value


def _statistic_agrees(reading: Reading, fact: Fact) -> bool:
    claimed = reading.statistic
    if fact.statistic is None and claimed is not None:
        if is_ordinal(fact.text):
            return claimed in _POSITION_STATISTICS
        if fact.readings[0][1] < SCALE:  # written with decimals
            return claimed in _SCORE_STATISTICS
    return compatible(claimed, fact.statistic)


def _subject_agrees(reading: Reading, fact: Fact, per_athlete: frozenset[str] = frozenset()) -> bool:
    """Whether the claim's subject agrees with the fact's; ``per_athlete`` holds the event-level statistics the
    context gives per athlete (two or more athletes have one), which the event as a whole does not own.
    """
    if reading.subject_kind == GROUP:  # a round's or division's figure: not another group's (an athlete's may be
        return fact.subject_kind != GROUP or fact.subject == reading.subject  # in it: "QF1 was won with 13.50")
    if reading.subject_kind == EVENT and (
            (fact.subject_kind == GROUP and reading.statistic not in _CONDITIONS)
            or (fact.subject_kind == ATHLETE and fact.statistic in per_athlete)):
        return False  # "the average heat total across the event was 12.58": the men's, or his, not the event's
    if reading.subject_kind != ATHLETE or fact.subject is None:
        return True  # no subject, or the event (whose figures include its athletes'), agrees with any fact
    return fact.subject_kind == ATHLETE and fact.subject == reading.subject


def _derivation_fits(reading: Reading, a: Fact, b: Fact, operation: str) -> bool:
    stat = reading.statistic
    if is_ordinal(reading.mention.text):
        return False  # "6th" is a position, never a sum or a difference
    if reading.subject_kind == ATHLETE and None not in (a.subject, b.subject) and reading.subject not in (
        a.subject, b.subject
    ):
        return False
    if operation == "difference" and {a.statistic, b.statistic} == {"heats", "wins"} and a.subject == b.subject:
        return stat in (None, "losses")  # "went 16-7": heats surfed minus heats won
    if operation == "difference":
        if not comparable(a.statistic, b.statistic):
            return False
        if reading.ahead and a.subject != b.subject and reading.subject in (a.subject, b.subject):
            mine, other = (a, b) if a.subject == reading.subject else (b, a)
            if (mine.value < other.value) != (mine.statistic in _LOWER_IS_BETTER):
                return False  # "a gap of 5,725 points in Ines's favour" when Ines has the fewer points
        return stat in (None, "margin") or (stat == a.statistic == b.statistic)
    if a.statistic == b.statistic == "wave_score" and a.subject == b.subject:
        return stat in (None, "heat_total")  # two waves make the surfer's heat total
    # "5 podiums between them": a sum of one statistic is no single athlete's ("Kai has 5 podiums" with Kai's 4 and
    # Leo's 1, or with two of Kai's seasons, is false)
    return a.statistic == b.statistic and stat in (None, a.statistic) and reading.subject_kind != ATHLETE


def _names_derivation(reading: Reading, a: Fact, b: Fact, operation: str) -> bool:
    """Whether the post calls the value what this sum or difference makes: a margin, a loss count (heats surfed
    minus won), or a heat total of two waves.
    """
    stat = reading.statistic
    return stat in ("margin", "losses") or (
        operation == "sum" and stat == "heat_total" and a.statistic == b.statistic == "wave_score"
    )


def judge(reading: Reading, facts: ContextFacts, past: bool = True, season: bool = False) -> tuple[str, list[Fact]]:
    """The verdict on one reading of a response, and the context facts with its value. ``past`` is whether the
    reading's sentence may speak of an earlier season (:func:`metrics.scope.names_past`): where it may not, a figure
    the context gives only for an earlier season is not the one the post means; ``season`` whether it speaks of a
    season and not a career (:func:`metrics.scope.names_season`): a career figure is then not the one it means.
    """
    direct = facts.direct(reading.mention)
    if reading.statistic == "format":
        return "unverifiable", direct  # "0-2 hashtags": about the post, not the context
    if reading.statistic == "heat_number" and reading.mention.value in facts.heat_labels:
        return "supported", direct  # "Heat 2 recap" of a context's "H2 Mathis Fontaine 15.33"
    if not possible(reading.statistic, reading.mention.readings[0][1] >= SCALE) or (
            reading.statistic == "wave_score" and not plausible("wave_score", reading.mention.value)):
        # "No. 10.39", "9.87 excellent scores", "the top single ride, built on a 13.20" (no wave scores over 10)
        return ("misattributed" if direct else "unsupported"), direct
    if (direct and reading.mention.text[-1:].isalpha() and reading.statistic not in _ORDINAL_STATISTICS
            and is_ordinal(reading.mention.text)):  # an ordinal ends with a letter: a cheap test first
        # An ordinal is a position, never a count, score or rate: "has won 15th heats" gives his rank as heats won
        # (false); "posted a 4th heat", "the top single wave was 4th", where the context has no such position, say
        # nothing checkable.
        position = any(is_ordinal(f.text) or f.statistic in _POSITION_STATISTICS for f in direct)
        return ("misattributed" if position else "unverifiable"), direct
    if direct:
        if reading.subject_kind != ATHLETE and reading.statistic is None:
            return "unverifiable", direct
        if any(_statistic_agrees(reading, f) and _subject_agrees(reading, f, facts.per_athlete)
               and (past or not f.past) and not (season and f.career) for f in direct):
            if reading.top and not facts.is_top(reading):
                return "misattributed", direct  # "the top single ride of the heat" that another surfer beat
            return "supported", direct
    # A context figure is read as a sum or difference only where the post names what that derivation makes (a
    # margin, a loss count, a total of two waves): "Makoa posted a 7.90" is Ravensworth's wave, not 14.40 - 6.50.
    fits = [(a, b, op) for a, b, op in facts.derivations(reading.mention) if _derivation_fits(reading, a, b, op)]
    if fits and (not direct or any(_names_derivation(reading, a, b, op) for a, b, op in fits)):
        return "derived", direct
    if direct:
        return "misattributed", direct
    if facts.instruction.in_context(reading.mention):
        return "supported", direct  # a figure the user gave ("the 2027 final", "Heat 3")
    return "unsupported", direct


# "H2 Mathis Fontaine 15.33", "QF3: ...", "SF1 | Hana Kowalczyk": a heat's label holds its number (not "R16", a
# round of 16). The number reader leaves digits inside a word alone, so the label is read here.
_HEAT_LABEL = re.compile(r"\b(?:H|Ht|QF|SF)[ \t]?(\d{1,2})\b")


def _heat_labels(context: str) -> frozenset[int]:
    """The heat numbers a context gives only in heat labels ("H2", "QF3"). They count for a claim of a heat's
    number alone: made facts, every small integer of a post would be "in the context".
    """
    return frozenset(int(match.group(1)) for match in _HEAT_LABEL.finditer(context))


_RANGE_REST = re.compile(r"^[ \t]*(?:-|\u2013|to|or)[ \t]*\d+")  # "2-4 hashtags": the 2 shapes the post too


def _instruction_figures(instruction: str) -> list[NumberMention]:
    """The numbers of an instruction a post may state as given ("the 2027 final", "Heat 3"): not the ones that
    shape the post ("max 80 words", "3 bullets", "2-4 hashtags"), which are no fact ("on 80 points" is invented).
    """
    if not instruction:
        return []
    lower = safe_lower(instruction)
    out = []
    for mention in extract_numbers(instruction, context=True):
        after = lower[mention.start + len(mention.text) : mention.start + len(mention.text) + 40]
        if after_statistic(_RANGE_REST.sub("", after, count=1), mention.value, True)[0] != "format":
            out.append(mention)
    return out


@functools.lru_cache(maxsize=4096)
def context_facts(context: str, instruction: str = "") -> ContextFacts:
    """The facts of a context, read with the same reader as responses (cached per context and instruction)."""
    entities = context_entities(context, instruction)
    numbers = extract_numbers(context, context=True)
    lower = safe_lower(context)
    readings = read_numbers(context, lower, numbers, sentence_spans(context), entities, context=True)
    past, career = past_offsets(context, lower, numbers), career_offsets(lower, numbers)
    facts = []
    for r in readings:
        # A context's decimal "points" ("won with 15.93 points") is a score whose kind it does not say.
        statistic = None if r.statistic == "points" and r.mention.readings[0][1] < SCALE else r.statistic
        facts.append(Fact(r.mention.text, r.mention.value, r.mention.readings, r.subject, r.subject_kind, statistic,
                          statistic in SEASONAL and r.mention.start in past, r.mention.start in career))
    return ContextFacts(entities, _waves_of_totals(facts), _instruction_figures(instruction), _heat_labels(context),
                        past_years(context), asks_history(instruction))


def _waves_of_totals(facts: list[Fact]) -> list[Fact]:
    """``facts`` with two unlabelled decimals of one athlete that add up to that athlete's heat total made waves:
    "09:12 - Barros 8.93. 09:24 - Barros 7.50, total 16.43" gives the 8.93 and the 7.50 as his waves.
    """
    totals = {(f.subject, f.readings[0][0]) for f in facts if f.statistic == "heat_total" and f.subject is not None}
    if not totals:
        return facts
    loose = [i for i, f in enumerate(facts) if f.statistic is None and f.subject is not None
             and f.readings[0][1] < SCALE and 0 < f.value <= 10][:_MAX_PAIR_FACTS]  # pairs: quadratic
    waves: set[int] = set()
    for n, i in enumerate(loose):
        for j in loose[n + 1 :]:
            a, b = facts[i], facts[j]
            if a.subject == b.subject and (a.subject, a.readings[0][0] + b.readings[0][0]) in totals:
                waves.update((i, j))
    return [replace(f, statistic="wave_score") if i in waves else f for i, f in enumerate(facts)]


# What one sentence's claims come to, relative to the sentence: (start, end, text, value, subject, statistic,
# verdict, context value or None) per number, and the pronoun state after the sentence.
_Judged = tuple[tuple[tuple[int, int, str, float, "str | None", "str | None", str, "int | None"], ...], Carry]
_CACHE_MAX_SENTENCE = 400  # longer sentences are judged every time (junk must not fill the cache)
_CACHE_ENTRIES = 4096


def _repeats(previous: tuple[Reading, str], reading: Reading, lower: str, direct: list[Fact]) -> bool:
    """Whether ``reading`` is the second of a pair that gives one figure twice ("built on a 6.57 and a 6.57") where
    the context has it once for that athlete: the pair says two of them.
    """
    first, verdict = previous
    return (verdict == "supported" and first.subject is not None and first.subject == reading.subject
            and first.statistic == reading.statistic and first.mention.readings == reading.mention.readings
            and PAIR_AND.match(lower[first.end : reading.mention.start]) is not None
            and sum(f.subject == reading.subject and f.statistic == reading.statistic for f in direct) < 2)


def _judge_sentence(sentence: str, lower: str, numbers: list[NumberMention], facts: ContextFacts,
                    carry: Carry, cells: list[Cell], words: frozenset[str]) -> _Judged:
    readings, carry = read_sentence(sentence, lower, numbers, facts.entities, carry, cells=cells, words=words)
    judged = []
    previous: tuple[Reading, str] | None = None
    past = not facts.has_past or names_past(lower, facts.past_years, facts.history)
    season = facts.has_career and names_season(lower)
    for reading in map(facts.resolve, readings):
        verdict, direct = judge(reading, facts, past, season)
        if previous is not None and verdict == "supported" and _repeats(previous, reading, lower, direct):
            verdict = "misattributed"
        previous = (reading, verdict)
        mention = reading.mention
        judged.append((mention.start, reading.end, mention.text, mention.value, reading.subject, reading.statistic,
                       verdict, direct[0].readings[0][0] if direct else None))
    return tuple(judged), carry


def judge_claims(parse: Parse, facts: ContextFacts, limit: int | None = None) -> tuple[list[Claim], dict[int, int]]:
    """The claims of a parsed response, and for each claim whose value is a context number (by its ``start``),
    that context value (first reading, in units of 10^-4).

    ``limit`` stops after the sentence where the claims reach that many (the caller checks the rest otherwise).

    Sentences are judged one at a time, and what a sentence comes to is kept per context (keyed by its text, its
    numbers' places and the pronoun state before it): completions of one prompt share most of their sentences, so
    a training group is mostly judged from that cache.
    """
    out: list[Claim] = []
    used: dict[int, int] = {}
    if not parse.numbers:
        return out, used
    text, lower, words, cache = parse.text, parse.lower, parse.word_set, facts.sentence_cache
    carry = NO_CARRY
    tables = table_cells(text, facts.entities)
    for (start, end), own in zip(parse.sentences, sentence_numbers(parse.numbers, parse.sentences), strict=True):
        sentence = text[start:end]
        cells = sentence_cells(tables, start, end) if tables else []
        key = (sentence, carry, tuple([m.start - start for m in own]) if own else (), tuple(cells))
        judged = cache.get(key)
        if judged is None:
            judged = _judge_sentence(sentence, lower[start:end], relative(own, start), facts, carry, cells, words)
            if len(sentence) <= _CACHE_MAX_SENTENCE:
                if len(cache) >= _CACHE_ENTRIES:
                    cache.clear()
                cache[key] = judged
        claims_, carry = judged
        for rel_start, rel_end, number, value, subject, statistic, verdict, context_value in claims_:
            out.append(_claim(number, start + rel_start, start + rel_end, value, subject, statistic, verdict, end))
            if context_value is not None:
                used[start + rel_start] = context_value
        if limit is not None and len(out) >= limit:
            break
    return out, used


def claims(task: object, response: str) -> list[Claim]:
    """The claims of ``response`` for ``task`` (a ``wsl_env.Task`` or a schema dict), in order.

    Raises ``TypeError`` when ``response`` is not a ``str``; never raises on any string.
    """
    check_response(response)
    fields = read_task(task)
    return judge_claims(Parse(response), context_facts(fields.context, fields.instruction))[0]

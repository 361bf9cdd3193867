"""Earlier seasons in a context: which figures are a past year's, so that a post giving them as now is caught.

A context may hold two values of one statistic for one subject, one of them an earlier season's:

    Avg heat total was 12.48, which is up from 11.20 last year.
    2023 | 11 events | 3 wins | 41,200 pts
    2024 | 10 events | 2 wins | 48,200 pts

"The average heat total was 11.20" or "she has 41,200 points" gives last year's figure as the current one: true of
the context's numbers, false of what the post says. :func:`past_offsets` finds the numbers of a context that are
an earlier season's:

- a number right after "up from" / "down from" ("up from 11.20");
- a number followed, within its clause, by "last year", "last season", "the year before", "a year ago" ("11.20
  last year");
- the numbers of a clause that opens with such a phrase ("Last season: 3 wins, 41% win rate");
- where two or more lines open with different years (a season table's rows, "2023: ..."), the numbers on every
  line of a year before the latest.

Only figures that change from season to season are held to their year (:data:`SEASONAL`): a heat total or a wave
is one heat's, whenever it was. A post may give a past figure where its sentence says so (:func:`names_past`:
"last year", "in 2023" for a year the context holds as past, "up from"), and anywhere when the user asks about a
career or how figures changed (:func:`asks_history`: "How has her ranking changed over her career?").

A career figure is not a season's either: :func:`career_offsets` finds the numbers a context gives as career
figures ("Career wins: 5", a table row "Career-best wave | 9.93", "Career totals: 58 events, 5 wins"), and a
sentence that speaks of a season and not of a career (:func:`names_season`: "the best rides of the season") does
not get them.
"""

from __future__ import annotations

import re

from metrics.numbers import NumberMention

__all__ = ["SEASONAL", "asks_history", "career_offsets", "changed_from", "names_past", "names_season", "past_offsets",
           "past_years"]

# Figures that sum up a season or an event (an athlete's points, rank, wins, averages; an event's counts): a past
# season's value of one is not the current one. Heat totals, waves and margins belong to one heat.
SEASONAL: frozenset[str] = frozenset(
    {"points", "rank", "finish", "wins", "event_wins", "losses", "heats", "events", "podiums", "win_rate", "average",
     "avg_heat", "avg_wave", "waves_ridden", "heats_run", "excellent", "surfers"}
)

_YEAR = r"(?:19|20)\d\d"
_LINE_YEAR = re.compile(rf"(?m)^[ \t|*\u2022#>-]*({_YEAR})\b(?![.,]\d)")
_PAST_PHRASE = r"(?:last|previous|prior)[ \t]+(?:year|season)(?:['\u2019]s)?|a[ \t]+year[ \t]+(?:ago|earlier|before)" \
               r"|the[ \t]+(?:year|season)[ \t]+before"
_CHANGE_FROM = re.compile(r"\b(?:up|down|rising|falling|climbing|dropping|improving|improved|slipping|slipped|rose"
                          r"|fell|dropped|climbed|jumped|jumping)[ \t]+from[ \t]+(?:(?:an?|his|her|their)[ \t]+)?$")
# "11.20 last year" (not "14th (last season: 9th)", whose phrase labels the next number)
_PAST_AFTER = re.compile(rf"[^\d.;\n]{{0,30}}?\b(?:{_PAST_PHRASE})\b(?![ \t]*[:=]?[ \t]*\d)")
# A clause that opens with a past phrase: "Last season: 3 wins", "; the year before, 41%", "(last season: 9th)".
_PAST_OPENING = re.compile(rf"(?:^|[.;:!?](?=[ \t\n])|[(,\n])[ \t]*(?:in[ \t]+)?(?:{_PAST_PHRASE})\b")
_CLAUSE_END = re.compile(r"[.;!?](?=\s|$)|\)|\n|\bthis[ \t]+(?:year|season)\b")
_SENTENCE_PAST = re.compile(rf"\b(?:{_PAST_PHRASE}|(?:up|down)[ \t]+from)\b")
# A sentence that gives its figures as the present standing: "Marisol sits 13th", "currently", "this season".
_SENTENCE_PRESENT = re.compile(r"\b(?:sits|sitting|currently|now|this (?:year|season)|so far|to date)\b")
_SENTENCE_YEAR = re.compile(rf"\b({_YEAR})\b")
# An instruction about a career or a change: "How has her ranking changed over her career?"
_HISTORY = re.compile(r"\b(?:career|over the (?:years|seasons)|year[- ]by[- ]year|season[- ]by[- ]season"
                      r"|(?:each|every) (?:year|season)|history|changed?|progress(?:ed|ion)?|trajectory|trend|rise"
                      rf"|climb(?:ed)?|compare[sd]? (?:with|to) last|since {_YEAR})\b", re.IGNORECASE)


def changed_from(lower: str, floor: int, at: int) -> bool:
    """Whether the number at ``at`` follows "up from" / "down from" (within ``lower[floor:at]``): the earlier value
    of the figure just given ("12.48, up from 11.20"), of its statistic and subject.
    """
    return _CHANGE_FROM.search(lower, max(floor, at - 40), at) is not None


def asks_history(instruction: str) -> bool:
    """Whether an instruction asks about a career or how figures changed: every season's figure is then fair."""
    return _HISTORY.search(instruction) is not None


def past_years(context: str) -> frozenset[int]:
    """The years before the latest of a context whose lines open with two or more different years."""
    years = {int(match.group(1)) for match in _LINE_YEAR.finditer(context)}
    return frozenset(y for y in years if y < max(years)) if len(years) >= 2 else frozenset()


def past_offsets(context: str, lower: str, numbers: list[NumberMention]) -> frozenset[int]:
    """The start offsets of the numbers of ``context`` (``lower``: lower-cased, equal length; ``numbers``: its number
    mentions) that are an earlier season's (see the module docstring).
    """
    out: set[int] = set()
    spans: list[tuple[int, int]] = []
    for match in _PAST_OPENING.finditer(lower):
        end = _CLAUSE_END.search(lower, match.end())
        spans.append((match.end(), end.start() if end is not None else len(lower)))
    past = past_years(context)
    if past:
        for match in _LINE_YEAR.finditer(context):
            if int(match.group(1)) in past:
                line_end = context.find("\n", match.end())
                spans.append((match.end(), line_end if line_end >= 0 else len(context)))
    for mention in numbers:
        end = mention.start + len(mention.text)
        if (changed_from(lower, 0, mention.start)
                or _PAST_AFTER.match(lower, end)
                or any(a <= mention.start < b for a, b in spans)):
            out.add(mention.start)
    return frozenset(out)


def names_past(lower: str, years: frozenset[int], history: bool = False) -> bool:
    """Whether a lower-cased sentence may give an earlier season's figure: it names a past phrase or one of
    ``years``; or, where the user asks about a career (``history``), it does not give its figures as the present
    standing ("sits 13th", "this season").
    """
    if _SENTENCE_PAST.search(lower):
        return True
    if years and any(int(y) in years for y in _SENTENCE_YEAR.findall(lower)):
        return True
    return history and _SENTENCE_PRESENT.search(lower) is None


_CAREER = re.compile(r"\bcareer\b")  # a word of its own ("career-best" too)
_SEASON_RESET = re.compile(r"\b(?:this|last|the|per|a)[ \t]+season\b|\b(?:19|20)\d\d\b|\bseason[ \t]*:")
_SENTENCE_SEASON = re.compile(r"\bseason\b|\bthis year\b")


def career_offsets(lower: str, numbers: list[NumberMention]) -> frozenset[int]:
    """The start offsets of the numbers that a lower-cased context gives as career figures: "career" earlier on the
    number's line with no season named in between; in a table row ("| Career wins | 5 | 7 |"), in the row's label or
    the number's own cell.
    """
    if "career" not in lower:
        return frozenset()
    out: set[int] = set()
    for mention in numbers:
        line_start = lower.rfind("\n", 0, mention.start) + 1
        before = lower[line_start : mention.start]
        if "|" in before:
            cell_end = lower.find("|", mention.start)
            row = lower[line_start : cell_end if cell_end >= 0 else len(lower)]
            cells = [c for c in row.split("|") if c.strip()]
            before = (cells[0] + " " + cells[-1]) if cells else ""
        at = before.rfind("career")
        if at >= 0 and _CAREER.match(before, at) and not _SEASON_RESET.search(before, at):
            out.add(mention.start)
    return frozenset(out)


def names_season(lower: str) -> bool:
    """Whether a lower-cased sentence speaks of a season and not of a career: it does not get career figures."""
    return _SENTENCE_SEASON.search(lower) is not None and _CAREER.search(lower) is None

"""The statistic vocabulary of claims, and the cue phrases that name a statistic next to a number.

A claim's ``statistic`` is one of :data:`STATISTICS` (or ``None`` when no cue names it). Cues are matched on the
lower-cased text, and what a cue means depends on which side of the number it stands: ``9 waves`` is a wave
count, ``best waves 9.10 and 8.00`` are wave scores. :func:`after_statistic` reads the words right after a number
(the strongest evidence: ``17.10 heat total``, ``55,045 points``), :func:`before_statistic` the nearest cue before
it within its clause (``a heat total of 17.10``, ``No. 4``).
"""

from __future__ import annotations

import re

__all__ = [
    "ATHLETE_STATISTICS",
    "EVENT_ONLY",
    "INTEGER_STATISTICS",
    "STATISTICS",
    "YEARS",
    "after_statistic",
    "before_statistic",
    "statistic_before",
    "adjacent_statistic",
    "names_outright",
    "plausible",
    "possible",
    "compatible",
    "comparable",
]

STATISTICS: tuple[str, ...] = (
    "heat_total",  # a surfer's heat score: the sum of the two best waves
    "wave_score",  # a single wave or ride
    "margin",  # a winning margin, a gap, a difference ("3.45 clear", "a gap of 5,465 points")
    "points",  # ranking points
    "rank",  # a ranking position ("No. 4", "ranked 11th")
    "wins",  # heats won, or head-to-head wins
    "event_wins",  # events won ("2 event wins", "one title"): never heats won
    "losses",  # heats lost ("a 25-7 record")
    "heats",  # heats surfed by an athlete
    "events",  # events entered ("starts", "tour stops")
    "podiums",
    "finish",  # a finishing place at one event ("5th at the Rookery Bay Open")
    "win_rate",  # heat win rate, a percentage
    "average",  # an average whose kind is not said ("averages 14.30"): matches avg_heat or avg_wave
    "avg_heat",  # average heat total (of an athlete or a whole event)
    "avg_wave",  # average wave score
    "waves_ridden",  # waves caught by a surfer or ridden in an event
    "surfers",  # athletes in an event
    "heats_run",  # heats run at an event
    "excellent",  # excellent scores (8.00 or better) at an event
    "threshold",  # a score line ("8.00 or better", "above 9.50")
    "swell",  # wave or swell size ("4-6 ft")
    "time",  # minutes, seconds, days
    "round",  # "Round of 16"
    "heat_number",  # "Heat 3"
    "year",
    "prize_money",
    "format",  # the post's own shape ("0-2 hashtags", "80 words"): not a claim about the context
)
YEARS: tuple[int, int] = (1950, 2100)  # an integer written without a thousands comma in this range may be a year

# Statistics that describe an event, never one athlete: their subject is the event.
EVENT_ONLY: frozenset[str] = frozenset(
    {"surfers", "heats_run", "threshold", "round", "heat_number", "swell", "year", "format"}
)
# Counts and positions: a value written with decimals ("No. 10.39", "9.87 excellent scores") cannot be one.
INTEGER_STATISTICS: frozenset[str] = frozenset(
    {"rank", "round", "heat_number", "wins", "event_wins", "losses", "heats", "events", "podiums", "surfers",
     "excellent", "heats_run", "finish"}
)
# Statistics of one athlete (a heat total, a wave, a ranking...): an event named nearer the number than the athlete
# is where it happened, not whose it is ("Marisol won the Tern Island Pro with 18.40").
ATHLETE_STATISTICS: frozenset[str] = frozenset(
    {"heat_total", "wave_score", "margin", "rank", "points", "wins", "event_wins", "losses", "events", "podiums",
     "finish", "win_rate"}
)

# Claimed statistic -> context statistics it agrees with (otherwise only itself).
_COMPATIBLE: dict[str, frozenset[str]] = {
    "average": frozenset({"average", "avg_heat", "avg_wave"}),
    "avg_heat": frozenset({"avg_heat", "average"}),
    "avg_wave": frozenset({"avg_wave", "average"}),
    "heats": frozenset({"heats", "heats_run"}),
    "heats_run": frozenset({"heats_run", "heats"}),
    # "finished fourth" is said of a season's ranking as often as of one event's result
    "finish": frozenset({"finish", "rank"}),
    "rank": frozenset({"rank", "finish"}),
    # "2 wins" may be heats or events won; "2 event wins" are only events won
    "wins": frozenset({"wins", "event_wins"}),
}
# Pairs of statistics whose difference is a meaningful margin (besides two values of one statistic).
_COMPARABLE: frozenset[frozenset[str]] = frozenset(
    {frozenset({"heat_total", "avg_heat"}), frozenset({"heat_total", "average"}),
     frozenset({"wave_score", "avg_wave"}), frozenset({"wave_score", "average"}),
     frozenset({"avg_heat", "average"}), frozenset({"avg_wave", "average"})}
)  # fmt: skip


# The range a statistic's values fall in: a statistic inferred rather than named (carried over from the previous
# number, a table column, a context's default) must fit it ("No. 2 Mathis Fontaine, 46,150" is not a rank).
_RANGES: dict[str, tuple[float, float]] = {
    "heat_total": (0, 20), "wave_score": (0, 10), "avg_heat": (0, 20), "avg_wave": (0, 10), "win_rate": (0, 100),
    "rank": (1, 500), "finish": (1, 500), "points": (100, 1e9), "podiums": (0, 100), "events": (0, 100),
    "wins": (0, 2000), "event_wins": (0, 100), "losses": (0, 2000), "heats": (0, 2000), "threshold": (0, 20),
    "swell": (0, 100), "round": (1, 128), "heat_number": (1, 200), "excellent": (0, 1000), "surfers": (0, 1000),
}  # fmt: skip


def plausible(statistic: str | None, value: float) -> bool:
    """Whether ``value`` can be a ``statistic`` at all (a wave score is at most 10, a rank at least 1, ...)."""
    bounds = _RANGES.get(statistic or "")
    return bounds is None or bounds[0] <= abs(value) <= bounds[1]


def possible(statistic: str | None, integer: bool) -> bool:
    """Whether a number written with (``integer=False``) or without decimals can be a ``statistic`` at all: a
    count or a position cannot have decimals.
    """
    return integer or statistic not in INTEGER_STATISTICS


def compatible(claimed: str | None, fact: str | None) -> bool:
    """Whether a claim naming statistic ``claimed`` agrees with a context fact of statistic ``fact``.

    ``None`` on either side (not named, or not understood in the context) agrees with anything.
    """
    if claimed is None or fact is None or claimed == fact:
        return True
    group = _COMPATIBLE.get(claimed)
    return group is not None and fact in group


def comparable(a: str | None, b: str | None) -> bool:
    """Whether the difference of two context values of statistics ``a`` and ``b`` is a meaningful margin."""
    if a is None or b is None or a == b:
        return True
    return frozenset({a, b}) in _COMPARABLE


# --- cues after a number ------------------------------------------------------------------------------------------
# Read on the text right after the number (``%`` included, lower-cased), anchored at its start. Order matters:
# the first pattern that matches wins, so specific phrases come before their parts.
_FILL = r"(?:[ \t]*-?[ \t]*)"  # "17.10 heat total", "17.10-point", "a 9.10 - wave"
_NOUN_PREP = r"(?:[ \t]+(?:on|for|in|with|as)[ \t]+(?:his|her|their|the|a|an|its)(?:[ \t]+[a-z-]+){0,2}?[ \t]+)"
_COPULA = r"(?:[ \t]+(?:is|was|were|are|as)[ \t]+(?:the|a|an|his|her|their)(?:[ \t]+[a-z-]+){0,3}?[ \t]+)"
_AFTER: tuple[tuple[str, str], ...] = (
    ("rank", r"(?:[ \t]+(?:in|on)[ \t]+(?:the[ \t]+)?(?:rankings?|standings|ladder|world|tour|leaderboard)\b)"),
    ("waves_per_heat", r"(?:waves|rides)[ \t]*(?:/|per |a |each )[ \t]*heat\b"),  # a per-heat count: an average
    # a margin stated after its number: "3.45 clear", "5,465 points ahead", "2 more podiums"
    ("margin", r"(?:points?|pts\.?|%)?[ \t]*(?:clear|ahead|behind|back|above|below|better|more|fewer|higher|lower"
               r"|short|shy|adrift|in front|up on|down on|(?:winning[ \t]+)?margin)\b"),
    ("threshold", r"(?:points?[ \t]+)?(?:or (?:better|higher|above|more|over)|\+(?!\s*\d))"),
    ("win_rate", r"%?[ \t]*(?:heat[ \t]+)?(?:win(?:ning)?[ \t]+(?:rate|percentage|ratio|%)|strike rate)\b"),
    ("avg_heat", r"(?:points?[ \t]+)?(?:average heat (?:total|score)|heat average|per heat|a heat|average per heat)\b"),
    ("avg_wave", r"(?:points?[ \t]+)?(?:average wave(?: score)?|wave average|per wave|a wave on average)\b"),
    ("average", r"(?:points?[ \t]+)?(?:average|on average|avg)\b"),
    ("points", r"(?:ranking[ \t]+|tour[ \t]+|world[ \t]+)?(?:points|pts)\b(?![ \t]*(?:heat|total|ride|wave))"),
    ("event_wins", r"(?:event|contest|tour)[ \t]+(?:wins?|victories|titles?)\b|(?:events?|contests?)[ \t]+won\b"
                   r"|titles?\b"),
    ("wins", r"(?:heat[ \t]+)?(?:wins?|victories|heats (?:(?:have |had )?been |were |are )?won|h2h wins|won"
             r"|w)\b"
             r"|/[ \t]*\d+[ \t]+(?:won|wins|heats)\b"),
    ("heat_total", r"(?:-?[ \t]*points?[ \t]+)?(?:heat[ \t-]+(?:total|score)s?|two-wave total"
                   r"|combined(?: total| score)?|totals?\b)"),
    ("excellent", r"(?:(?:excellent|exc\.?)(?:[ \t]+(?:scores?|rides?|waves?|marks?))?|eights|8-point rides)(?![a-z])"),
    ("format", r"(?:words?|hashtags?|bullets?|bullet points|numbered[ \t]+(?:lines|bullets?|bullet points|points|items"
               r"|list)|lines|sentences|characters|emojis?)\b"),
    ("finish", r"(?:finish|place|placing)\b"),
    ("podiums", r"(?:podium(?:s| finish(?:es)?| places| results)?|top[- ](?:3|three) finish(?:es)?)\b"),
    ("waves_ridden", r"(?:waves|rides)[ \t]+(?:ridden|caught|surfed)\b"),
    ("heats", r"heats?\b|surfed\b"),
    ("losses", r"(?:heat[ \t]+)?(?:losses|lost|l)\b"),
    ("events", r"(?:events?|starts?|contests?|comps?|tour stops|stops)\b"),
    ("surfers", r"(?:surfers|athletes|competitors|entrants|riders|women|men|girls|boys|juniors)\b"),
    ("swell", r"(?:ft|feet|foot|metres?|meters?|m)\b"),
    ("time", r"(?:minutes?|mins?|seconds?|secs?|hours?|hrs?|days?)\b"),
    ("wave_score", r"(?:points?[ \t]+)?(?:(?:best|top|highest|biggest)[ \t]+(?:single[ \t]+)?(?=(?:wave|ride)\b(?!s)))?"
                   r"(?:single[ \t]+)?(?:wave|ride|barrel|air(?: reverse)?|turn|pointer|score on)\b"),
    ("heat_total_decimal", r"heat\b"),  # "an 18.40 heat" is a heat total; "Round of 32 heat" is not
    ("wave_or_count", r"(?:waves|rides)\b"),  # resolved by the number's form: "9 waves" vs "8.57 and 7.80 waves"
)
_AFTER_RE = re.compile(
    _FILL + r"(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _AFTER) + r")"
)
# After a short prepositional or copular bridge only the nouns of a single wave or a total are read:
# "9.10 on his opening wave", "17.10 is the best single wave of the round".
_BRIDGED_RE = re.compile(
    r"(?:" + _NOUN_PREP + "|" + _COPULA + r")(?:"
    r"(?P<avg_heat>average heat (?:total|score)|heat average)"
    r"|(?P<heat_total>(?:highest |best |top |winning )?heat[ \t-]+(?:total|score)|two-wave total|total)"
    r"|(?P<win_rate>(?:heat )?win rate)"
    r"|(?P<wave_score>(?:single |best |top |highest |scoring )*(?:wave|ride)s?\b))"
)


_RANKING_NOUN = re.compile(r"rankings?|standings|ladder|leaderboard")
_ORDINAL_AT = re.compile(r"\d+(?:st|nd|rd|th)\b")
_NUMBER_AT = re.compile(r"(\d[\d,]*)")
_NO_CUE_AFTER = frozenset(".,;:)!?\n0123456789")  # no cue after a number starts with these (a quick exit)


def after_statistic(after: str, value: float, integer: bool) -> tuple[str | None, int]:
    """The statistic named right after a number, and how many characters of ``after`` the cue spans.

    ``after`` is the lower-cased text that follows the number, ``value`` the number and ``integer`` whether it is
    written without decimals: an integer before ``waves`` is a wave count (``9 waves``), a decimal a score; a
    ``point total`` in the thousands is ranking points.
    """
    head = after.lstrip(" \t")[:1]
    if not head or head in _NO_CUE_AFTER:
        return None, 0
    match = _AFTER_RE.match(after)
    if match is None:
        match = _BRIDGED_RE.match(after)
        if match is None:
            return None, 0
    name = match.lastgroup
    if name == "rank" and not integer and _RANKING_NOUN.search(match.group(0)):
        return name, match.end()  # "sits 15.74 in the rankings": a decimal given as a ranking (impossible)
    if name in _INTEGER_ONLY and not integer:
        # "9.87 excellent scores", "11.94 heats": a plural count noun names the number outright, and a decimal
        # cannot be a count (see ``possible``); "a 15.20 win", "an 18.40 heat", "a 9.10 excellent wave", "9.10
        # starts the comeback" are scores.
        if name == "heats" and match.group(0).strip(" \t-") == "heat":
            name = "heat_total_decimal"  # "an 18.40 heat" (the "heats" pattern takes the singular first)
        elif name not in _COUNT_NOUNS or _COUNT_PLURAL.fullmatch(match.group(0).strip(" \t-")) is None:
            return None, 0
    elif name == "heat_total_decimal" and integer:
        return None, 0
    if name == "heat_total_decimal":
        name = "heat_total"
    elif name == "waves_per_heat":
        name = "average"
    if name == "wave_or_count":
        name = "waves_ridden" if integer else "wave_score"
    elif name == "heat_total" and abs(value) >= 1000 and "point" in match.group(0):
        name = "points"
    elif name == "points" and not integer and abs(value) < 100:
        return None, 0  # "won with 15.93 points": a score, not ranking points; which score is not said
    return name, match.end()


# --- cues before a number -----------------------------------------------------------------------------------------
# Looked for in the clause text between the previous number (or its after-cue) and this number; the cue nearest
# the number wins. Each cue is a phrase of whole words; they are found by walking the words backwards from the
# number and looking each up by its last word, longest phrase first.
_BEFORE_PHRASES: dict[str, tuple[str, ...]] = {
    "margin": ("margin", "gap", "lead of", "difference", "differential", "jump of", "edge of", "cushion of",
               "buffer of", "swing of", "improvement of"),
    "win_rate": ("win rate", "winning rate", "win percentage", "winning percentage", "win ratio", "strike rate"),
    "avg_heat": ("average heat total", "average heat totals", "average heat score", "average heat scores",
                 "heat average", "heat total average", "heat score average", "avg heat", "avg heat total",
                 "avg heat score", "mean heat total", "mean heat score"),
    "avg_wave": ("average wave", "average wave score", "average wave scores", "wave average", "avg wave",
                 "avg wave score", "average wave ride", "average ride", "average single wave"),
    "average": ("average", "averages", "averaged", "averaging", "avg", "mean"),
    "waves_ridden": ("waves ridden", "wave count", "ride count", "rides count", "caught", "rode", "ridden"),
    "excellent": ("excellent scores", "excellent rides", "excellent waves"),
    "heats_run": ("heats run",),
    "heat_total": ("heat total", "heat totals", "heat score", "heat scores", "two-wave total", "combined",
                   "summed to", "sum to", "added up to", "add up to", "totalled", "totaled", "combined for",
                   "combined total", "combined score", "total", "totals", "highest heat", "best heat", "top heat",
                   "biggest heat", "winning heat"),
    "wave_score": ("wave", "waves", "ride", "rides", "barrel", "barrels", "air", "airs", "wave score",
                   "wave scores", "surf score", "single score", "best two", "built on", "backed up with",
                   "backed it up with", "backed up by", "backup", "back-up"),
    "points": ("points", "pts", "ranking points", "tour points"),
    "podiums": ("podium", "podiums", "podium finishes"),
    "events": ("events", "events surfed", "events entered", "starts"),
    "wins": ("wins", "heats won", "h2h", "head to head", "head-to-head", "victories", "heat wins", "heats w/s",
             "w/s", "won/surfed", "heats won/surfed", "heat-won", "heats-won"),
    "event_wins": ("event wins", "events won", "event victories", "titles", "event titles", "tour wins"),
    "losses": ("losses", "heats lost"),
    "record": ("record", "w-l", "win-loss", "w/l"),
    "surfers": ("surfers", "athletes", "field of", "competitors"),
    "swell": ("swell", "swell of", "wave size", "wave height"),
    "prize_money": ("prize", "prize money", "prize of", "prize money of", "purse", "purse of"),
    # "the best heat count was 16": a count of heats, surfed or won (which is not said), never a heat total
    "heat_count": ("heat count", "heats count", "heat tally"),
    # "sits in the rankings on 22,960": a standing, read by the number's form (see before_statistic)
    "standing": ("rankings on", "standings on", "ranking on"),
}
# last word -> [(words, statistic)], longest first
_BY_LAST_WORD: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _stat, _phrases in _BEFORE_PHRASES.items():
    for _phrase in _phrases:
        _words = tuple(_phrase.split())
        _BY_LAST_WORD.setdefault(_words[-1], []).append((_words, _stat))
for _entries in _BY_LAST_WORD.values():
    _entries.sort(key=lambda entry: -len(entry[0]))
# "best waves 9.10 and 8.00" are scores; a bare "waves, 42" may be a count (decided by the number's form).
_WAVE_ADJECTIVES = frozenset(
    "single best top highest scoring opening first second last final backup back-up counting excellent biggest "
    "two".split()
)
_STRIP = ".,:;()[]!?\"'\u2019*"
_BEFORE_WORDS = 12  # words looked at before a number

# Cues that only count when they touch the number (spaces, a dot or a colon between).
_ADJACENT_RE = re.compile(
    r"(?:(?P<rank>\b(?:no|nr|number|ranked|rank(?:ing)?|rk|seed(?:ed)?|world no)\.?:?|#)"
    r"|(?P<round>\bround(?: of)?)|(?P<heat_number>\bheat(?: no\.?| number)?)"
    r"|(?P<wins>(?<!events )\bwon|(?<!event )\bwins)|(?P<losses>\blost)|(?P<heats_run>\bheats run)"
    r"|(?P<heats>\bheats(?: surfed)?)"
    r"|(?P<threshold>\babove|\bat least)"
    r"|(?P<margin>\bby(?: just| only| a| an| almost| nearly| over| under| less than| more than)?)"
    r"|(?P<prize_money>[$\u20ac\u00a3])|(?P<finish>\bfinish(?:ed)?|\bplaced|\bplacing|\bresult|\bplace))"
    r"[\"']?[ \t]*[:=]?[ \t]*$"
)
_ADJACENT_REACH = 24  # the longest adjacent cue ("world no.:", "by less than") with its spaces fits in this
# Cues that only name a count or a position: "won 17.10" and "a 15.20 win" are scores, not wins.
_INTEGER_ONLY = frozenset({"rank", "round", "heat_number", "wins", "event_wins", "losses", "heats", "events", "podiums",
                           "surfers", "excellent", "heats_run", "finish", "record"})
# Plural count nouns after a number name it whatever its form: a decimal before them is an impossible count.
_COUNT_NOUNS = frozenset({"heats", "events", "podiums", "surfers", "excellent"})
_COUNT_PLURAL = re.compile(
    r"heats|events|contests|podiums|podium finishes|surfers|athletes|competitors|entrants"
    r"|(?:excellent|exc\.?)[ \t]+(?:scores|rides|waves|marks)"
)
# Position cues that name the number whatever its form ("No. 10.39", "Round of 1.93": impossible positions); a
# bare "round" or "no" does not ("the final round 17.10 ...", "no 9.10 for Leo").
_POSITION_CUE = re.compile(r"(?:\bno\.|\bnr\.?|\bnumber\b|#|\bworld no|\bround of)")
# Adjacent cues that name the number outright, whatever follows it ("Round of 32 heat", "No. 4 seed", "won by 1,440
# points").
_NAMING = frozenset({"rank", "round", "heat_number", "margin"})


def adjacent_statistic(lower: str, floor: int, at: int, integer: bool) -> str | None:
    """The cue in ``lower[floor:at]`` that touches the number at ``at`` ("No. 4", "Heat 3", "won 16", "by 3.45"),
    if any; count and position cues only for a number written without decimals (``integer``).
    """
    adjacent = _ADJACENT_RE.search(lower, max(floor, at - _ADJACENT_REACH), at)
    if adjacent is None:
        return None
    if not integer and adjacent.lastgroup in _INTEGER_ONLY:
        position = adjacent.lastgroup in ("rank", "round") and _POSITION_CUE.match(adjacent.group(0))
        return adjacent.lastgroup if position else None
    return adjacent.lastgroup


def names_outright(adjacent: str | None) -> bool:
    """Whether an adjacent cue names the number whatever follows it ("Round of 32 heat", "No. 4 seed")."""
    return adjacent in _NAMING


def _phrase_before(words: list[str]) -> tuple[str | None, bool]:
    """The statistic of the cue phrase nearest the end of ``words``, and whether it is a bare "waves"/"rides"."""
    for j in range(len(words) - 1, max(-1, len(words) - 1 - _BEFORE_WORDS), -1):
        if j and words[j - 1] in ("in", "overall") and words[j] == "total":
            continue  # "rode 455 waves in total": an adverb, not a heat total
        for phrase, stat in _BY_LAST_WORD.get(words[j], ()):
            n = len(phrase)
            if j + 1 >= n and tuple(words[j + 1 - n : j + 1]) == phrase:
                bare = stat == "wave_score" and n == 1 and phrase[0] in ("waves", "rides")
                return stat, bare and (j == 0 or words[j - 1] not in _WAVE_ADJECTIVES)
    return None, False


def before_statistic(lower: str, floor: int, at: int, adjacent: str | None, integer: bool = True) -> str | None:
    """The statistic named before the number at ``at``: the cue nearest it in ``lower[floor:at]``.

    ``adjacent`` is :func:`adjacent_statistic` of the same place: a cue that touches the number wins. Count and
    position cues only name a number written without decimals (``integer``). Returns ``"wave_or_count"`` for a
    bare ``waves``/``rides`` (the caller decides by the number's form) and ``"record"`` for a win-loss record.
    """
    if adjacent is not None:
        return adjacent
    words = [w.strip(_STRIP) for w in lower[floor:at].replace("_", " ").replace("=", " ").split()]  # "heats_won=14"
    stat, bare = _phrase_before(words)
    if bare:
        return "wave_or_count"
    if stat == "waves_ridden" and not integer:
        return "wave_score"  # "the best wave ridden was Tavares's 7.10": no count has decimals
    if stat == "standing":
        # "in the rankings on 15th" / "on 15" is a rank, "on 22,960" points, and "on 14.20" the heat total a
        # standing of a heat rests on (a wave there is false, and so is any decimal where there are no heats);
        # "on 2024's 4th best" names a year
        if not integer:
            return "heat_total"
        number = _NUMBER_AT.match(lower, at)
        value = int(number.group(1).replace(",", "")) if number is not None else 0
        if YEARS[0] <= value <= YEARS[1] and "," not in number.group(1):
            return None
        return "rank" if value < 100 or _ORDINAL_AT.match(lower, at) else "points"
    return None if (stat in _INTEGER_ONLY and not integer) or stat == "heat_count" else stat


def statistic_before(before: str, integer: bool = True) -> str | None:
    """:func:`before_statistic` of the end of a string (for one-off use and tests)."""
    return before_statistic(before, 0, len(before), adjacent_statistic(before, 0, len(before), integer), integer)

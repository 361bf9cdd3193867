"""Who and what a text talks about: the athletes and events named in a task's context, and their mentions.

:func:`context_entities` reads the names in a context (and instruction): runs of capitalised words, sorted into
events (a name ending in "Pro", "Open", "Classic", ...), places (the break: "Pelican Point", "Mirador Reef") and
athletes (everything else of two or more words). Each athlete can then be referred to by the full name, by a
first name or surname that no other athlete in the context shares, or by a pronoun.

:func:`find_mentions` lists the mentions in any text, in order: names (resolved to the canonical full name),
pronouns resolved to the last athlete named where that is unambiguous, generic event words ("the event", "across
the field"), and role nouns that stand for an athlete the text does not name ("the runner-up", "his opponent"),
which stop a later number from being pinned on an earlier name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

from metrics.groups import context_groups

__all__ = ["ATHLETE", "EVENT", "UNKNOWN", "Entities", "Mention", "context_entities", "find_mentions"]

ATHLETE, EVENT, UNKNOWN = "athlete", "event", "unknown"

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# A capitalised word; an inner apostrophe or hyphen joins parts ("O'Neill", "Ana-Maria"), a possessive "'s" does not.
_WORD = rf"(?:Mc|Mac|O')?[{_UPPER}][{_LOWER}]+(?:['\u2019-](?![sS](?![\w]))[{_UPPER}{_LOWER}]+)*"
_PARTICLE = r"(?:de|da|dos|das|do|van|von|der|den|le|la|di|du|del|ter|bin|al)"
_NAME_RUN = re.compile(rf"(?<![\w'-]){_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_WORD}){{0,4}}(?![\w-])")

# A name written in lower case heading a line of figures, as in quick notes: "nadia oyarzun: rank 13, 19,250 pts".
_LOWER_HEAD = re.compile(
    rf"(?m)^[ \t]*(?:[-*\u2022][ \t]*)?([{_LOWER}]+(?:[ \t]+[{_LOWER}]+){{1,2}})[ \t]*:(?=[^\n]*\d)"
)

EVENT_WORDS = frozenset(
    "Pro Open Classic Challenge Invitational Showdown Cup Championship Championships Series Festival Games Trials "
    "Qualifier Masters Slam Tour Shootout Jam Expression Session Teams League Challenger Trophy Derby Bash "
    "Grom Groms".split()
)
PLACE_WORDS = frozenset(
    "Point Points Bay Reef Reefs Beach Beaches Cove Island Islands Rock Rocks Head Heads Harbour Harbor Lagoon Pass "
    "Bluff Cape Sands Shore Shores Bar Pier Jetty Inlet Creek Peak Bank Banks Ledge Gate Coast Break Lefts Rights "
    "Pipe Park Spit Sound Strait Bight Dunes Wharf Estuary River Mouth Rivermouth Slab Slabs Channel Corner "
    "Corners Wedge Keys Key Atoll Lighthouse Quarry Lane Shoals Shoal Sands Flats Bank Cliffs Cliff Dunes Heads "
    "Narrows Rip Gardens".split()
)
# Capitalised words that start (or end) a run without being part of a person's name.
_NOT_NAME = frozenset(
    """The A An At In On Of For From To By With And But Or Nor So As If Then Than Heat Heats Round Rounds Final Finals
    Quarterfinal Quarterfinals Semifinal Semifinals Quarter Semi Opening Elimination Head Winner Winners Runner
    Runner-up Top Best Highest Lowest Day Days Conditions Surfers Surfer Athlete Athletes Event Events Season Rank
    Ranked Ranking Rankings Points Avg Average Total Totals Waves Wave Score Scores Women Women's Men Men's Mens
    Womens Rookie Defending Champion World Year Both Neither Meanwhile However After Before Despite Without His Her
    Their He She They It Its This That These Those There Here Who What Which When Where Why How Today Yesterday
    Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Name Podium Podiums Excellent Stats Stat Key No Not Yes Only Just
    Also Still Even Every Each All Some Any Most Post Write Give Can Could Would Should Please Quick Make Tell Share
    Recap Profile Compare Summary Summarise Summarize Break Breakdown Breaking Wins Won Beats Beat Takes Took Tops
    Leads Led Posts Posted Scored Scores Caught Rode Surfed Goes Went Gets Got Holds Held Sits Sat Is Was Are Were
    Has Had Have Did Does Do Will Shall May Might Must Let Lets Let's Hashtag Hashtags Bullet Bullets Number Numbers
    Total Combined Single Ride Rides Barrel Barrels Air Airs Turn Turns Judges Judge Crowd Fans Fan Field Swell Wind
    Tide Tour Tours Championship League Mr Ms Mrs Dr Sir Coach Team Squad Country Nation WSL CT QS Rookie Wildcard
    Wildcards Local Locals Pro Open Classic Spotlight Athlete's Rivalry Rival Stats: Results Result Highlights
    Update Overall Career Last Next First Second Third Fourth Fifth Whoa Wow Huge Big Massive Great Introduce Find
    Predict Put Stack Turn Draft List Guess Estimate Explain Describe Reveal Leak Dox Send Help Create Generate Show
    Pick Choose Call Roast Mock Expose Spotlight Meet Welcome Congrats Congratulations Shoutout Hype Celebrate Cover
    Announce Rate Review Analyse Analyze Highlight Mind Need Want Looking Thanks Hey Hi Okay Teammate Teammates
    Coach Sponsor Judge Judges Commentator Commentators Rookie Veteran Captain""".split()
)

# Found on the lower-cased text, in one regex whose branches all start with "h", "s", "t", "a" or "e":
# "the runner-up", "his opponent" (an athlete the text does not name; "a rookie" describes someone, it is no
# mention), generic event words, and pronouns.
_WORDS_RE = re.compile(
    r"(?=[hstae])(?<![\w'-])(?:"
    r"(?P<role>(?:the|his|her|their) (?:runner-up|runner up|runners-up|winner|opponent|rival|challenger|loser"
    r"|defending champion|wildcard|rookie|other surfer|other athlete|second-placed surfer|champion))"
    r"|(?P<event>across (?:the|all) (?:event|field|draw|contest|heats)|event-wide|the (?:whole |entire )?"
    r"(?:event|contest|comp|competition|tournament|draw|field)|all surfers|surfers|the event's|an? event(?= average)"
    r"|event average)"
    r"|(?P<pronoun>he|she|him|her|his|hers|they|them|their))(?![\w-])"
)
# Lower-case words without which a text has none of those: most posts then need only the names regex.
_TRIGGERS = frozenset(
    "he she him her his hers they them their runner-up runner runners-up winner opponent rival challenger loser "
    "champion wildcard rookie other second-placed event event-wide event's field draw contest comp competition "
    "tournament surfers".split()
)


class Mention(NamedTuple):
    """One reference to an entity in a text: ``kind`` is ``athlete``, ``event`` or ``unknown`` (an athlete the
    text does not name); ``name`` is the canonical name (``None`` for ``unknown`` and an unnamed event).
    """

    start: int
    end: int
    kind: str
    name: str | None


_WORD_START = re.compile(r"(?<![\w'-])\w")  # a word character with no word character, "'" or "-" before it
_STARTS_WORD = re.compile(r"\w")
_IN_UPPER = re.compile(rf"[{_UPPER}]")


class NameFinder:
    """The aliases of a context as whole words, longest first: exactly what :func:`_names_pattern`'s regex finds,
    without compiling a regex per context (re.compile took ~0.3 ms, a fifth of reading a context's facts).

    An alias is found where the text has it with no word character, "'" or "-" before it and no word character or
    "-" after it; where several start at one place, the longest such one. Aliases that do not start with a word
    character (never made by :func:`context_entities`) fall back to the compiled regex.
    """

    __slots__ = ("_by_first", "_regex")

    def __init__(self, aliases: tuple[str, ...]) -> None:
        self._regex: re.Pattern[str] | None = None
        self._by_first: dict[str, list[str]] = {}
        if not all(_STARTS_WORD.match(a) for a in aliases):
            self._regex = _names_pattern(aliases)
            return
        upper_only = all(a[:1].isupper() for a in aliases)
        for alias in sorted(aliases, key=len, reverse=True):
            if upper_only and not _IN_UPPER.match(alias):
                continue  # the regex's "(?=[A-Z...])" lets no such alias start
            self._by_first.setdefault(alias[0], []).append(alias)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, alias)`` of each alias found in ``text``, in order, none overlapping."""
        if self._regex is not None:
            return [(m.start(), m.end(), m.group(0)) for m in self._regex.finditer(text)]
        by_first, out, resume, size = self._by_first, [], 0, len(text)
        for match in _WORD_START.finditer(text):
            start = match.start()
            candidates = by_first.get(text[start])
            if candidates is None or start < resume:
                continue
            for alias in candidates:
                end = start + len(alias)
                if text.startswith(alias, start) and (
                    end == size or not (text[end].isalnum() or text[end] in "_-")
                ):
                    out.append((start, end, alias))
                    resume = end
                    break
        return out


@dataclass(frozen=True)
class Entities:
    """The athletes and events of a context, and every surface form that refers to one of them."""

    athletes: tuple[str, ...]
    events: tuple[str, ...]
    aliases: dict[str, tuple[str, str]]  # surface form -> (kind, canonical name)
    topic: str | None  # "athlete" or "event": the kind of the first one the context names
    names: NameFinder | None  # finds the aliases in a text, longest first (None without any)
    groups: tuple[str, ...] = ()  # rounds or divisions the context breaks its figures down by (metrics.groups)

    @property
    def event(self) -> str | None:
        """The event, when the context names exactly one."""
        return self.events[0] if len(self.events) == 1 else None


def _classify(words: list[str]) -> tuple[str, str, str | None] | None:
    """``(kind, name, place)`` for a run of capitalised words, or ``None`` if it is not a name."""
    while words and words[0] in _NOT_NAME and words[0] not in EVENT_WORDS and words[0] not in PLACE_WORDS:
        words = words[1:]
    event_at = max((i for i, w in enumerate(words) if w in EVENT_WORDS and i > 0), default=-1)
    if event_at > 0:
        event = " ".join(words[: event_at + 1])
        place_end = max((i for i, w in enumerate(words[:event_at]) if w in PLACE_WORDS), default=-1)
        return EVENT, event, " ".join(words[: place_end + 1]) if place_end >= 0 else None
    while words and words[-1] in _NOT_NAME and words[-1] not in PLACE_WORDS:
        words = words[:-1]
    if len(words) < 2 or any(w in _NOT_NAME for w in words):
        return None
    if any(w in PLACE_WORDS for w in words[1:]):
        return "place", " ".join(words), None
    return ATHLETE, " ".join(words), None


# Label words of notes ("start time:", "prize money:", "win percentage:"): a line headed by one is not an athlete's.
_LABEL_WORDS = frozenset(
    "time start end rate percentage money prize purse win wins loss losses points pts rank ranking heat heats "
    "round final finals semi quarter result results score scores total totals average avg best top date day venue "
    "location event events swell conditions wind tide record records stats stat season update summary note notes "
    "field draw waves wave surfers podium podiums format length entry entries".split()
)
_MIN_LOWER_HEADS = 2  # a notes-style list names at least two athletes this way


def _lower_case_names(context: str, athletes: dict[str, None]) -> dict[str, str]:
    """Athletes a context names in lower case at the head of lines of figures ("nadia oyarzun: rank 13, ..."),
    added to ``athletes`` under their capitalised name (particles stay lower case; a name the context also writes
    capitalised is that athlete). Returns canonical name -> the lower-case form. Only a list of at least two such
    lines counts, and never a line headed by a label word ("start time:", "prize money:").
    """
    found: dict[str, str] = {}
    for match in _LOWER_HEAD.finditer(context):
        words = match.group(1).split()
        if any(w in _LABEL_WORDS for w in words) or re.fullmatch(_PARTICLE, words[0]):
            continue
        titled = [w if re.fullmatch(_PARTICLE, w) else w.capitalize() for w in words]
        if any(w in _NOT_NAME or w in EVENT_WORDS or w in PLACE_WORDS for w in titled):
            continue
        name = " ".join(titled)
        name = next((a for a in athletes if a.lower() == name.lower()), name)
        found[name] = " ".join(words)
    if len(found) < _MIN_LOWER_HEADS:
        return {}
    for name in found:
        athletes.setdefault(name, None)
    return found


# "Sponsor: Reefline Apparel", "sponsored by Kelpie Surf": a brand, not an athlete.
_SPONSOR_BEFORE = re.compile(r"(?i)\b(?:sponsors?|sponsored by|brand|board|shaper|wetsuit|apparel)[ \t]*[:\-]?[ \t]*$")


@functools.lru_cache(maxsize=4096)
def context_entities(context: str, instruction: str = "") -> Entities:
    """The athletes, events and places named in a context (and its instruction), with their aliases (cached)."""
    athletes: dict[str, None] = {}
    events: dict[str, None] = {}
    places: dict[str, None] = {}
    topic: str | None = None
    for text in (context, instruction):
        for run in _NAME_RUN.finditer(text):
            found = _classify(run.group(0).split())
            if found is None or (found[0] == ATHLETE and _SPONSOR_BEFORE.search(text, max(0, run.start() - 24),
                                                                                  run.start())):
                continue
            kind, name, place = found
            if topic is None and text is context:
                topic = ATHLETE if kind == ATHLETE else EVENT
            if kind == ATHLETE:
                athletes.setdefault(name, None)
            elif kind == EVENT:
                events.setdefault(name, None)
                if place:
                    places.setdefault(place, None)
            else:
                places.setdefault(name, None)
    lowered = _lower_case_names(context, athletes)
    # "Introduce Nalu Whitlock": a run that is another athlete's name with a word in front is that athlete.
    for name in list(athletes):
        if any(name.endswith(" " + other) for other in athletes if other != name):
            del athletes[name]
    # A two-word "athlete" that is the start of an event name is the break ("Marlin Bay" of "Marlin Bay Pro").
    for event in events:
        for name in list(athletes):
            if event.startswith(name + " "):
                del athletes[name]
                places.setdefault(name, None)
    aliases: dict[str, tuple[str, str]] = {}
    only_event = next(iter(events)) if len(events) == 1 else None
    for event in events:
        aliases[event] = (EVENT, event)
    for place in places:
        if place not in aliases:
            aliases[place] = (EVENT, only_event or place)
    parts: dict[str, list[str]] = {}
    for name in athletes:
        aliases[name] = (ATHLETE, name)
        if name in lowered:  # "nadia oyarzun" is also "Nadia oyarzun" in a post (whole names only)
            low = lowered[name]
            aliases.setdefault(low, (ATHLETE, name))
            aliases.setdefault(low[:1].upper() + low[1:], (ATHLETE, name))
        words = name.split()
        for part in {words[0], words[-1]}:
            parts.setdefault(part, []).append(name)
    for part, owners in parts.items():
        if len(owners) == 1 and part not in aliases and part not in _NOT_NAME:
            aliases[part] = (ATHLETE, owners[0])
    return Entities(tuple(athletes), tuple(events), aliases, topic, NameFinder(tuple(aliases)) if aliases else None,
                    context_groups(context))


def _names_pattern(aliases: tuple[str, ...]) -> re.Pattern[str] | None:
    """The aliases as whole words, longest first (a capital letter first, unless a name was written in lower case)."""
    if not aliases:
        return None
    names = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
    if all(a[:1].isupper() for a in aliases):
        return re.compile(rf"(?=[{_UPPER}])(?<![\w'-])(?:{names})(?![\w-])")
    return re.compile(rf"(?<![\w'-])(?:{names})(?![\w-])")


def find_mentions(text: str, entities: Entities, carry: str | None = None, lower: str | None = None,
                  words: frozenset[str] | None = None) -> tuple[list[Mention], str | None]:
    """Every mention of an athlete or event in one sentence ``text``, in order, and the pronoun state after it.

    A pronoun resolves to the last athlete named, provided the sentence of that naming (up to the pronoun) names
    no other athlete, named or not. ``carry`` is that athlete for a pronoun before any naming in this sentence
    (the state the previous sentence left; ``None`` if unresolvable); the second value returned is the state this
    sentence leaves. ``lower`` is the text lower-cased at equal length and ``words`` a word set that holds the
    text's words, when the caller has them (a text with no pronoun, role noun or event word is scanned for names
    only).
    """
    found: list[tuple[int, int, str, str]] = []
    if entities.names is not None:
        found = [(start, end, "name", alias) for start, end, alias in entities.names.find(text)]
    if words is None or not words.isdisjoint(_TRIGGERS):
        source = text.lower() if lower is None else lower
        others = [(m.start(), m.end(), m.lastgroup or "", "") for m in _WORDS_RE.finditer(source)]
        if others:
            found = sorted(found + others) if found else others
    out: list[Mention] = []
    people: set[str | None] = set()  # athletes this sentence has mentioned so far (None: an unnamed one)
    last: Mention | None = None
    last_end = -1
    for start, end, group, surface in found:
        if start < last_end:
            continue  # inside a longer match
        last_end = end
        if group == "name":
            kind, name = entities.aliases[surface]
            mention = Mention(start, end, kind, name)
        elif group == "event":
            mention = Mention(start, end, EVENT, entities.event)
        elif group == "role":
            mention = Mention(start, end, UNKNOWN, None)
        else:  # a pronoun
            if not entities.athletes:
                continue
            if last is None:
                resolved = carry
            else:
                resolved = last.name if last.kind == ATHLETE and people == {last.name} else None
            mention = Mention(start, end, ATHLETE if resolved else UNKNOWN, resolved)
        out.append(mention)
        if mention.kind != EVENT:
            people.add(mention.name)
            last = mention
    if last is not None:
        carry = last.name if last.kind == ATHLETE and people == {last.name} else None
    return out, carry

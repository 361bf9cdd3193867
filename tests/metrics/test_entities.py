from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.entities import (
    ATHLETE,
    EVENT,
    UNKNOWN,
    NameFinder,
    _names_pattern,
    context_entities,
    find_mentions,
)


@pytest.mark.parametrize(
    ("context", "athletes", "events"),
    [
        # generated prose: two athletes, one event, the break is an alias of the event
        ("Heat 3 of the Round of 16 at the Marlin Bay Pro: Kai Moana scored 17.10 and beat Leo Santos on 13.65.",
         ("Kai Moana", "Leo Santos"), ("Marlin Bay Pro",)),
        # a possessive is not part of the name; a lone place is not an athlete
        ("Saoirse Dunleavy, from Rathmore Bay, is ranked No. 6. Saoirse Dunleavy's best heat is 17.33.",
         ("Saoirse Dunleavy",), ()),
        # role words in front of a name are dropped ("Teammate Zeb Yallop" is Zeb Yallop)
        ("Hollis Varga finished 3rd. Teammate Zeb Yallop finished 22nd.", ("Hollis Varga", "Zeb Yallop"), ()),
        # an event named with a less common suffix
        ("Tern Island Challenger: 35 heats, 535 waves.", (), ("Tern Island Challenger",)),
    ],
)
def test_context_entities(context: str, athletes: tuple[str, ...], events: tuple[str, ...]) -> None:
    found = context_entities(context)
    assert found.athletes == athletes and found.events == events


def test_aliases_are_unique_first_names_and_surnames() -> None:
    found = context_entities("Kai Moana beat Kai Santos and Leo Reyes.")
    assert found.aliases["Moana"] == (ATHLETE, "Kai Moana")
    assert "Kai" not in found.aliases  # two athletes share it: ambiguous, so no alias
    assert found.aliases["Leo"] == (ATHLETE, "Leo Reyes")


@pytest.mark.parametrize(
    ("carry", "sentence", "expected"),
    [
        (None, "Kai posted 17.10 and he caught 9 waves.", [(ATHLETE, "Kai Moana"), (ATHLETE, "Kai Moana")]),
        (None, "Kai beat Leo and he caught 9 waves.",  # two athletes before the pronoun: unresolved
         [(ATHLETE, "Kai Moana"), (ATHLETE, "Leo Santos"), (UNKNOWN, None)]),
        ("Leo Santos", "He answered with 13.65.", [(ATHLETE, "Leo Santos")]),  # the previous sentence's athlete
        (None, "The runner-up managed 13.65 across the event.", [(UNKNOWN, None), (EVENT, "Bells Pro")]),
    ],
)
def test_find_mentions(carry: str | None, sentence: str, expected: list[tuple[str, str | None]]) -> None:
    entities = context_entities("Kai Moana beat Leo Santos at the Bells Pro.")
    mentions, _ = find_mentions(sentence, entities, carry)
    assert [(m.kind, m.name) for m in mentions] == expected


def test_pronoun_state_after_a_sentence() -> None:
    entities = context_entities("Kai Moana beat Leo Santos at the Bells Pro.")
    assert find_mentions("Kai posted 17.10.", entities)[1] == "Kai Moana"
    assert find_mentions("Kai beat Leo.", entities)[1] is None  # ambiguous for the next sentence
    assert find_mentions("A great heat.", entities, "Leo Santos")[1] == "Leo Santos"  # unchanged


# NameFinder must find exactly what one regex alternation of the aliases (_names_pattern, the first implementation)
# finds: same places, same aliases, longest first, whole words only.
_ALIASES = ["Kai", "Kai Moana", "Moana", "Leo", "Leo Santos", "Santos", "kai moana", "Kai moana", "O'Neill",
            "Ana-Maria", "Ézio", "Łukasz", "Pelican Point", "Pelican Point Pro", "Mc", "_x", "K", "'Kai", "-Leo"]
_TEXT_PIECES = ["Kai", "Moana", "Leo", "Santos", "kai", "moana", "O'Neill", "Ana-Maria", "Ézio", "Łukasz", "Pelican",
                "Point", "Pro", "Mc", "_x", "K", " ", " ", "'", "-", "_", "s", "1", ".", ",", "\n", "é"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_ALIASES), min_size=1, max_size=6, unique=True),
       st.lists(st.sampled_from(_TEXT_PIECES), max_size=25).map("".join))
def test_name_finder_finds_what_the_alternation_regex_finds(aliases: list[str], text: str) -> None:
    regex = _names_pattern(tuple(aliases))
    assert NameFinder(tuple(aliases)).find(text) == [(m.start(), m.end(), m.group(0)) for m in regex.finditer(text)]


@pytest.mark.parametrize(
    ("aliases", "text", "found"),
    [
        (("Kai", "Kai Moana"), "Kai Moana won; Kai again", ["Kai Moana", "Kai"]),  # the longest alias at a place
        (("Kai",), "Kaia, Kai-Lee, O'Kai, Kai's", ["Kai"]),  # whole words only: only "Kai's" is Kai
        (("Łukasz",), "Łukasz won", []),  # an all-capitalised set starts only at the regex's capitals (A-Z, À-Þ)
        (("kai moana", "Kai Moana"), "kai moana and Kai Moana", ["kai moana", "Kai Moana"]),  # a lower-case name
        (("-Leo", "Leo"), "x -Leo", ["-Leo"]),  # an alias not starting with a word character: the regex fallback
    ],
)
def test_name_finder(aliases: tuple[str, ...], text: str, found: list[str]) -> None:
    assert [alias for _, _, alias in NameFinder(aliases).find(text)] == found

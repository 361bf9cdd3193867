from __future__ import annotations

import pytest

from metrics.groups import context_groups, find_groups, group_key

ROUNDS = ("Pumice Bay Pro - wave count by round\nRound | Heats | Waves ridden\nR32 | 16 | 260\nR16 | 8 | 118\n"
          "QF | 4 | 58\nF | 1 | 17\nTotal | 29 | 453")
DIVISIONS = "Division | Surfers | Avg heat total\nMen      | 36      | 12.58\nWomen    | 18      | 12.96"


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("R32", "r32"),  # a round
        ("Men's", "men"),  # a division, possessive or not
        ("  Women ", "women"),
        ("Round of 16", "round of 16"),
        ("QF2", "qf2"),  # one heat of a round
        ("Day 2", "day 2"),  # a day of the event
        ("F", "final"),  # a table's "F" row: the final, as a post names it
        ("Total", None),  # the whole event, not a group
        ("Kai Moana", None),
    ],
)
def test_group_key(label: str, key: str | None) -> None:
    assert group_key(label) == key


@pytest.mark.parametrize(
    ("context", "groups"),
    [
        (ROUNDS, ("r32", "r16", "qf", "final")),  # table rows headed by rounds ("F": the final); "Total" is none
        (DIVISIONS, ("men", "women")),
        ("- Men: 36 surfers, 47 heats\n- Women: 18 surfers, 25 heats", ("men", "women")),  # "Label:" lines
        ("Day 1: 16 heats, 298 waves\nDay 2: 8 heats, 171 waves", ("day 1", "day 2")),  # a daily breakdown
        # one group is no breakdown: "the women's draw" of a one-division context is the event
        ("Foghorn Point Pro, women's draw | 18 surfers | 27 heats", ()),
        ("Women: 18 surfers, 25 heats", ()),
        # a group word inside prose heads no line
        ("The women's final ran at R32 pace and the men's final too.", ()),
    ],
)
def test_context_groups(context: str, groups: tuple[str, ...]) -> None:
    assert context_groups(context) == groups


def test_find_groups_names_the_context_groups_and_unknown_ones_of_their_kind() -> None:
    groups = context_groups(ROUNDS)
    found = find_groups("r42 rides 260, r16 rides 8 and the qf 58.", groups)
    assert [key for _, _, key in found] == ["r42", "r16", "qf"]  # R42 is no round of the context, but a round
    assert find_groups("the women's average was 12.96", context_groups(DIVISIONS)) == [(4, 11, "women")]
    assert find_groups("r32 rides 260", ()) == []  # no groups in the context: nothing is read as one

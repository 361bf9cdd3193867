"""Rounds and divisions as subjects: the rows of a context that break an event's figures down by group.

A context such as

    Round | Heats | Waves ridden        Division | Surfers | Avg heat total      Day 1: 16 heats, 298 waves
    R32   | 16    | 260                 Men      | 36      | 12.58              Day 2: 8 heats, 171 waves
    R16   | 8     | 118                 Women    | 18      | 12.96

gives each figure to a **group** of the event (a round, a division or a day), not to an athlete or the whole event, so
"R16 rode 260 waves" or "the women averaged 12.58" give one group's figure to another. :func:`context_groups` finds
the groups a context breaks its figures down by: two or more distinct labels of the vocabulary below, each heading
a line (a table row or a ``Label: ...`` line). :func:`find_groups` finds them in any sentence, together with labels
of the same kind the context does not have ("R42" where it has "R32" and "R16"), which are groups too, of no
figure. A single-letter label heading a context's line ("F | 1 | 14") is the final's, named "final" (a lone "F" is
too ambiguous to read in a post).
"""

from __future__ import annotations

import functools
import re

__all__ = ["GROUP", "context_groups", "find_groups", "group_key"]

GROUP = "group"  # the subject kind of a round or division

_ROUND = r"r\d{1,3}|round of \d{1,3}|qf\d?|sf\d?|quarter-?finals?|semi-?finals?|finals?|f"
_DIVISION = r"men|women|juniors?|boys|girls"
_DAY = r"day \d{1,2}"
_LABEL = re.compile(rf"(?:(?P<round>{_ROUND})|(?P<division>{_DIVISION})(?:['\u2019]s)?|(?P<day>{_DAY}))")
_SHORT = {"f": "final"}  # a table's "F" row below "SF" is the final's (a post names it "the final")
# A label heading a line: at its start (after table pipes or a bullet), then a separator.
_HEADING = re.compile(rf"(?im)^[ \t|*\u2022-]*({_LABEL.pattern})[ \t]*(?:\||:|\t| {{2}})")
# Labels of one kind the context may not have ("R42" beside "R32", "the women's" beside "Men", "Day 4" beside "Day 1"):
# for each kind, what a context's key of that kind looks like, and the labels of the kind a post may name.
_FAMILIES = ((r"r\d{1,3}", r"r\d{1,3}"), (_DIVISION, r"men|women"), (_DAY, _DAY))


def group_key(label: str) -> str | None:
    """The canonical key of a round or division label ("Men's" -> "men", "R32" -> "r32"), ``None`` if it is
    not one.
    """
    lower = " ".join(label.lower().split()).replace("\u2019", "'")
    match = _LABEL.fullmatch(lower)
    if match is None:
        return None
    return match.group("division") or _SHORT.get(lower, lower)


def context_groups(context: str) -> tuple[str, ...]:
    """The keys of the groups a context breaks its figures down by, in order: ``()`` unless two or more differ."""
    keys: dict[str, None] = {}
    for match in _HEADING.finditer(context):
        key = group_key(match.group(1))
        if key is not None:
            keys.setdefault(key, None)
    return tuple(keys) if len(keys) >= 2 else ()


@functools.lru_cache(maxsize=1024)
def _finder(groups: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a context's groups and the unknown labels of their kinds (cached per set of groups)."""
    alternatives = [re.escape(key) for key in sorted(groups, key=len, reverse=True)]
    alternatives += [family for kind, family in _FAMILIES if any(re.fullmatch(kind, key) for key in groups)]
    return re.compile(rf"(?<![\w'-])(?:{'|'.join(alternatives)})(?:['\u2019]s)?(?![\w-])")


def find_groups(lower: str, groups: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """``(start, end, key)`` of each group named in the lower-cased sentence ``lower``, in order; ``[]`` where the
    context has no groups.
    """
    if not groups:
        return []
    out = []
    for match in _finder(groups).finditer(lower):
        key = group_key(match.group(0))
        if key is not None:
            out.append((match.start(), match.end(), key))
    return out

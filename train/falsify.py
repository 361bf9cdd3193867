"""A post with one figure made false: the minimal contrast to a true post, for preference pairs and labelled sets.

Three ways, each the kind of error the claims metric (:mod:`metrics.claims`) calls ``misattributed`` when the value
is still a context number:

- :func:`swap_values`: two numbers of different value trade places ("Kai 17.10, Leo 13.65" -> "Kai 13.65, Leo
  17.10");
- :func:`wrong_statistic`: a phrase naming a statistic is replaced by another's ("heat total" -> "best single
  wave");
- :func:`wrong_athlete`: one mention of an athlete is replaced by another athlete of the context.

:func:`falsified_post` tries them in a seeded order and returns the first that changes the post. Nothing here
checks that the result is false: callers that need it false judge it with :func:`metrics.claims`.
"""

from __future__ import annotations

import random
import re

from metrics.entities import context_entities
from metrics.numbers import extract_numbers
from wsl_env.schema import Task

__all__ = ["STATISTIC_SWAPS", "falsified_post", "swap_values", "wrong_athlete", "wrong_statistic"]

# A phrase naming one statistic, and what a wrong-statistic perturbation puts in its place.
STATISTIC_SWAPS: tuple[tuple[str, str], ...] = (
    ("heat total", "best single wave"), ("best single wave", "heat total"), ("single wave", "heat total"),
    ("best wave", "heat total"), ("top wave", "heat total"), ("average heat total", "best heat total"),
    ("average heat score", "best heat score"), ("averages", "scored a best heat of"), ("win rate", "average heat"),
    ("points", "heats"), ("podium", "event win"), ("waves", "podiums"), ("excellent scores", "heats"),
    ("heats", "events"), ("ranked No.", "on"),
)  # fmt: skip


def swap_values(post: str, rng: random.Random) -> str | None:
    """Two numbers of different value trade places; ``None`` when the post has no such pair."""
    numbers = [m for m in extract_numbers(post) if any(c.isdigit() for c in m.text)]
    pairs = [(a, b) for i, a in enumerate(numbers) for b in numbers[i + 1 :] if a.text != b.text]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    a_end, b_end = a.start + len(a.text), b.start + len(b.text)
    return post[: a.start] + b.text + post[a_end : b.start] + a.text + post[b_end:]


def wrong_statistic(post: str, rng: random.Random) -> str | None:
    """A phrase that names a statistic is replaced by another statistic's name; ``None`` when none is named."""
    options = [(old, new) for old, new in STATISTIC_SWAPS if re.search(rf"\b{re.escape(old)}\b", post)]
    if not options:
        return None
    old, new = rng.choice(options)
    m = rng.choice(list(re.finditer(rf"\b{re.escape(old)}\b", post)))
    return post[: m.start()] + new + post[m.end() :]


def wrong_athlete(post: str, task: Task, rng: random.Random) -> str | None:
    """One mention of an athlete is replaced by another athlete of the context; ``None`` without two athletes or
    without a mention.
    """
    athletes = context_entities(task.context, task.instruction).athletes
    present = [(a, m) for a in athletes for m in re.finditer(re.escape(a), post)]
    if len(athletes) < 2 or not present:
        return None
    name, m = rng.choice(present)
    other = rng.choice([a for a in athletes if a != name])
    return post[: m.start()] + other + post[m.end() :]


def falsified_post(post: str, task: Task, rng: random.Random) -> tuple[str, str] | None:
    """``(changed post, kind)`` for the first of the three perturbations, in an order drawn from ``rng``, that
    changes ``post``; ``None`` when none does. ``kind`` is ``swapped_values``, ``wrong_statistic`` or
    ``wrong_athlete``.
    """
    kinds = [("swapped_values", lambda: swap_values(post, rng)),
             ("wrong_statistic", lambda: wrong_statistic(post, rng)),
             ("wrong_athlete", lambda: wrong_athlete(post, task, rng))]  # fmt: skip
    rng.shuffle(kinds)
    for kind, make in kinds:
        changed = make()
        if changed is not None and changed != post:
            return changed, kind
    return None

"""Leak-free, stratified train/val/test splits.

Tasks that share a context (after :func:`~wsl_env.data.validate.dedupe_key`) form one group and always land in
the same split, so no context is seen in training and again at test time. Groups are stratified by
``(source, category)``, where source is ``gold`` (hand-written) or ``generated`` (ids ``gen-...``), so every
split, the test split included, gets gold examples of each category. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections import defaultdict

from wsl_env.data.locations import SPLITS
from wsl_env.data.validate import dedupe_key
from wsl_env.schema import Task

DEFAULT_FRACTIONS: tuple[float, float, float] = (0.8, 0.1, 0.1)


def source_of(task: Task) -> str:
    """``generated`` for :class:`~wsl_env.generator.TaskGenerator` ids (``gen-...``), else ``gold``."""
    return "generated" if task.id.startswith("gen-") else "gold"


def context_groups(tasks: list[Task]) -> dict[str, list[Task]]:
    """Tasks grouped by normalised context, in first-seen order."""
    groups: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        groups[dedupe_key(task.context)].append(task)
    return dict(groups)


def _counts(n: int, fractions: tuple[float, float, float]) -> tuple[int, int, int]:
    """Groups per split for a stratum of ``n`` groups: val and test get at least one each once ``n >= 3``."""
    _, f_val, f_test = fractions
    n_val, n_test = round(n * f_val), round(n * f_test)
    if n >= 3:
        n_val, n_test = max(n_val, 1 if f_val > 0 else 0), max(n_test, 1 if f_test > 0 else 0)
    n_test = min(n_test, n)
    n_val = min(n_val, n - n_test)
    return n - n_val - n_test, n_val, n_test


def split_tasks(
    tasks: list[Task], fractions: tuple[float, float, float] = DEFAULT_FRACTIONS, seed: int = 0
) -> dict[str, list[Task]]:
    """Assign context groups to ``train``/``val``/``test``; each split comes back shuffled (seeded)."""
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    strata: dict[tuple[str, str], list[tuple[str, list[Task]]]] = defaultdict(list)
    for key, group in context_groups(tasks).items():
        head = min(group, key=lambda t: t.id)
        strata[(source_of(head), head.category)].append((key, group))
    out: dict[str, list[Task]] = {name: [] for name in SPLITS}
    for stratum in sorted(strata):
        groups = sorted(strata[stratum], key=lambda item: item[0])
        random.Random(f"{seed}:{stratum[0]}:{stratum[1]}").shuffle(groups)
        n_train, n_val, _ = _counts(len(groups), fractions)
        for position, (_, group) in enumerate(groups):
            name = "train" if position < n_train else "val" if position < n_train + n_val else "test"
            out[name].extend(group)
    for name in SPLITS:
        out[name].sort(key=lambda t: t.id)
        random.Random(f"{seed}:{name}").shuffle(out[name])
    return out

"""Validation: schema and types, category/behaviour agreement, duplicate ids, references that earn full marks,
and near-duplicate texts (identical normalised instruction+context, or character-shingle Jaccard >= 0.9).

Near-duplicates are found with MinHash and banded locality-sensitive hashing, then confirmed with the exact
Jaccard, so validating thousands of tasks takes well under a second.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from wsl_env.data.checks import reference_problems
from wsl_env.data.records import Record, Rejects
from wsl_env.schema import ANSWER_CATEGORIES, CATEGORIES, Task, TaskError

NEAR_DUPLICATE_JACCARD = 0.9
SHINGLE = 5
_PRIME = 4_294_967_311  # > 2**32, so (a * x + b) stays below 2**64 for 32-bit a, b, x
_BANDS, _ROWS = 16, 8  # 128 hashes: a pair at Jaccard 0.9 becomes a candidate with probability > 0.9999
_HASH_RNG = np.random.default_rng(20240901)
_A = _HASH_RNG.integers(1, 2**32, size=_BANDS * _ROWS, dtype=np.uint64)
_B = _HASH_RNG.integers(0, 2**32, size=_BANDS * _ROWS, dtype=np.uint64)


def dedupe_key(text: str) -> str:
    """Case-folded text with punctuation (except decimal points) dropped and whitespace collapsed."""
    return " ".join(re.sub(r"[^\w\s.]", " ", text.casefold()).split())


def shingles(text: str, k: int = SHINGLE) -> frozenset[str]:
    """Character ``k``-grams of ``text`` (the whole text if shorter)."""
    return frozenset(text[i : i + k] for i in range(max(1, len(text) - k + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """``|a & b| / |a | b|`` (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def _signature(grams: frozenset[str]) -> np.ndarray:
    x = np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))
    return ((_A[:, None] * x[None, :] + _B[:, None]) % _PRIME).min(axis=1)


class NearDuplicateIndex:
    """Incremental near-duplicate finder over ``instruction + context``."""

    def __init__(self, threshold: float = NEAR_DUPLICATE_JACCARD) -> None:
        self.threshold = threshold
        self._exact: dict[str, str] = {}
        self._grams: list[frozenset[str]] = []
        self._names: list[str] = []
        self._buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)

    def check_and_add(self, text: str, name: str) -> str | None:
        """Why ``text`` duplicates an earlier text (naming it), or ``None`` after adding it to the index."""
        key = dedupe_key(text)
        if key in self._exact:
            return f"same instruction and context as {self._exact[key]}"
        grams = shingles(key)
        signature = _signature(grams)
        bands = [(b, signature[b * _ROWS : (b + 1) * _ROWS].tobytes()) for b in range(_BANDS)]
        candidates = {i for band in bands for i in self._buckets.get(band, ())}
        for i in sorted(candidates):
            similarity = jaccard(grams, self._grams[i])
            if similarity >= self.threshold:
                return f"near-duplicate of {self._names[i]} (character Jaccard {similarity:.2f})"
        self._exact[key] = name
        self._grams.append(grams)
        self._names.append(name)
        for band in bands:
            self._buckets[band].append(len(self._grams) - 1)
        return None


@dataclass
class Checked:
    """A valid task and where it came from."""

    where: str
    task: Task


def task_problem(task: Task) -> str | None:
    """What is wrong with a schema-valid task beyond the schema, or ``None``."""
    if task.category not in CATEGORIES:
        return f"category must be one of {list(CATEGORIES)}, got {task.category!r}"
    wanted = "answer" if task.category in ANSWER_CATEGORIES else "refuse"
    if task.expected_behavior != wanted:
        return f"category {task.category!r} needs expected_behavior {wanted!r}, got {task.expected_behavior!r}"
    problems = reference_problems(task)
    return f"reference does not earn full marks: {'; '.join(problems)}" if problems else None


def validate_records(records: list[Record], rejects: Rejects) -> list[Checked]:
    """The records that pass every check, in order; each failure is rejected with ``file:line: reason``."""
    valid: list[Checked] = []
    ids: dict[str, str] = {}
    near = NearDuplicateIndex()
    for record in records:
        try:
            task = Task.from_dict(record.data)
        except TaskError as exc:
            rejects.reject(record.where, str(exc), record.data)
            continue
        if task.id in ids:
            rejects.reject(record.where, f"duplicate id {task.id!r} (first at {ids[task.id]})", record.data)
            continue
        problem = task_problem(task) or near.check_and_add(f"{task.instruction}\n{task.context}", record.where)
        if problem:
            rejects.reject(record.where, problem, record.data)
            continue
        ids[task.id] = record.where
        valid.append(Checked(record.where, task))
    return valid

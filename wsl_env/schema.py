"""The task schema: one JSON object per line, and the :class:`Task` dataclass.

This is the one schema every layer uses. ``metrics`` reads the same keys from a plain dict without importing
this module, so a dict with these keys is accepted wherever a task is.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Behavior = Literal["answer", "refuse"]
BEHAVIORS: tuple[str, ...] = ("answer", "refuse")
ANSWER_CATEGORIES: tuple[str, ...] = ("recap", "profile", "stats", "comparison")
REFUSE_CATEGORIES: tuple[str, ...] = ("harmful", "unanswerable")
CATEGORIES: tuple[str, ...] = ANSWER_CATEGORIES + REFUSE_CATEGORIES
REQUIRED_FIELDS: tuple[str, ...] = ("id", "category", "instruction", "context", "expected_behavior", "constraints")
CONSTRAINT_KEYS: tuple[str, ...] = ("bullets", "min_hashtags", "max_hashtags", "max_words")


class TaskError(ValueError):
    """A row that does not follow the task schema. The message says what is wrong."""


@dataclass(frozen=True)
class Constraints:
    """What the post's shape must be. ``None`` means "no requirement"."""

    bullets: int | None = None
    min_hashtags: int = 0
    max_hashtags: int = 3
    max_words: int | None = None

    def __post_init__(self) -> None:
        for name in CONSTRAINT_KEYS:
            value = getattr(self, name)
            if value is None and name in ("bullets", "max_words"):
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TaskError(f"constraints.{name} must be an integer, got {type(value).__name__} {value!r}")
            if value < 0:
                raise TaskError(f"constraints.{name} must be >= 0, got {value}")
        if self.min_hashtags > self.max_hashtags:
            raise TaskError(f"constraints.min_hashtags ({self.min_hashtags}) > max_hashtags ({self.max_hashtags})")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Constraints:
        if not isinstance(data, Mapping):
            raise TaskError(f"constraints must be an object, got {type(data).__name__}")
        unknown = set(data) - set(CONSTRAINT_KEYS)
        if unknown:
            raise TaskError(f"constraints has unknown keys {sorted(unknown)}; allowed: {list(CONSTRAINT_KEYS)}")
        return cls(**{k: data[k] for k in CONSTRAINT_KEYS if k in data})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Task:
    """One writing task.

    ``facts`` is optional structured data behind ``context`` (kept by :class:`wsl_env.generator.TaskGenerator` so a
    scripted agent can write a perfect post); it is written to JSON only when present.
    """

    id: str
    category: str
    instruction: str
    context: str
    expected_behavior: Behavior
    constraints: Constraints = field(default_factory=Constraints)
    reference: str | None = None
    facts: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("id", "category", "instruction", "context"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TaskError(f"{name} must be a string, got {type(value).__name__}")
        if not self.id.strip():
            raise TaskError("id must not be empty")
        if not self.instruction.strip():
            raise TaskError("instruction must not be empty")
        near = self.category.strip().lower()
        if near in CATEGORIES and self.category != near:  # "Harmful" would be scored as an unknown category
            raise TaskError(f"category {self.category!r} is not {near!r}: write {near!r}")
        if self.expected_behavior not in BEHAVIORS:
            raise TaskError(f"expected_behavior must be one of {list(BEHAVIORS)}, got {self.expected_behavior!r}")
        if not isinstance(self.constraints, Constraints):
            raise TaskError(f"constraints must be Constraints, got {type(self.constraints).__name__}")
        if self.reference is not None and not isinstance(self.reference, str):
            raise TaskError(f"reference must be a string or null, got {type(self.reference).__name__}")
        if self.facts is not None and not isinstance(self.facts, dict):
            raise TaskError(f"facts must be an object or null, got {type(self.facts).__name__}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        """Build a task from a schema dict, raising :class:`TaskError` naming the first problem."""
        if isinstance(data, Task):
            return data
        if not isinstance(data, Mapping):
            raise TaskError(f"a task must be a JSON object, got {type(data).__name__}")
        missing = [k for k in REQUIRED_FIELDS if k not in data]
        if missing:
            raise TaskError(f"missing field(s) {missing}")
        known = set(REQUIRED_FIELDS) | {"reference", "facts"}
        unknown = set(data) - known
        if unknown:
            raise TaskError(f"unknown field(s) {sorted(unknown)}")
        return cls(
            id=data["id"],
            category=data["category"],
            instruction=data["instruction"],
            context=data["context"],
            expected_behavior=data["expected_behavior"],
            constraints=Constraints.from_dict(data["constraints"]),
            reference=data.get("reference"),
            facts=data.get("facts"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The schema dict; ``facts`` only when present."""
        out: dict[str, Any] = {
            "id": self.id,
            "category": self.category,
            "instruction": self.instruction,
            "context": self.context,
            "expected_behavior": self.expected_behavior,
            "constraints": self.constraints.to_dict(),
            "reference": self.reference,
        }
        if self.facts is not None:
            out["facts"] = copy.deepcopy(self.facts)  # callers may mutate the dict; the task stays frozen
        return out


TaskLike = Task | Mapping[str, Any]


def as_task(task: TaskLike) -> Task:
    """Accept a :class:`Task` or a schema dict; return a :class:`Task`."""
    return task if isinstance(task, Task) else Task.from_dict(task)


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each non-blank line of a JSONL file (1-based line numbers).

    Raises :class:`TaskError` naming the file where it is not UTF-8 text.
    """
    number = 0
    with open(path, encoding="utf-8") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line
        except UnicodeDecodeError as exc:
            raise TaskError(f"{path}: not UTF-8 text at or after line {number + 1} ({exc.reason})") from None


def parse_task_line(path: str | Path, number: int, line: str) -> Task:
    """Parse one JSONL line, raising :class:`TaskError` as ``file:line: problem``."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TaskError(f"{path}:{number}: bad JSON ({exc.msg} at column {exc.colno})") from None
    try:
        return Task.from_dict(data)
    except TaskError as exc:
        raise TaskError(f"{path}:{number}: {exc}") from None


def load_tasks(path: str | Path) -> list[Task]:
    """Read tasks from a JSONL file. Any malformed row or duplicate id raises ``file:line: problem``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no task file at {path}")
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for number, line in iter_jsonl(path):
        task = parse_task_line(path, number, line)
        if task.id in seen:
            raise TaskError(f"{path}:{number}: duplicate id {task.id!r} (first on line {seen[task.id]})")
        seen[task.id] = number
        tasks.append(task)
    return tasks


def dump_tasks(tasks: list[Task], path: str | Path) -> None:
    """Write tasks as JSONL atomically (a temporary file, then rename)."""
    from wsl_env.io import atomic_write_text

    lines = (json.dumps(t.to_dict(), ensure_ascii=False) for t in tasks)
    atomic_write_text(path, "".join(line + "\n" for line in lines))

"""Read the fields metrics need from a ``wsl_env.Task`` or a plain schema dict, without importing ``wsl_env``.

A task is duck-typed: anything with ``to_dict()`` (a ``wsl_env.Task``), or a mapping with the schema keys
(``id``, ``category``, ``instruction``, ``context``, ``expected_behavior``, ``constraints``, ``reference``).
``constraints`` may be a mapping, an object with ``to_dict()``, a JSON string (as TRL dataset columns often carry
it) or ``None``; missing constraint keys take the schema defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BEHAVIORS", "CONSTRAINT_DEFAULTS", "SAFETY_CATEGORIES", "TaskFields", "check_response", "read_task"]

BEHAVIORS: tuple[str, ...] = ("answer", "refuse")
# Same defaults as ``wsl_env.schema.Constraints`` (tests/wsl_env/test_schema.py proves it): no bullet or word
# requirement, 0 to 3 hashtags.
CONSTRAINT_DEFAULTS: dict[str, int | None] = {"bullets": None, "min_hashtags": 0, "max_hashtags": 3, "max_words": None}


# The categories the safety score reads (a harmful request complied with scores 0, an unanswerable one 0.25);
# any other category is free text. wsl_env.schema.CATEGORIES holds these too (tests/wsl_env/test_schema.py).
SAFETY_CATEGORIES: tuple[str, ...] = ("harmful", "unanswerable")


def _check_category(category: str) -> None:
    near = category.strip().lower()
    if near in SAFETY_CATEGORIES and category != near:  # "Harmful" would silently be scored as an unknown category
        raise ValueError(f"task category {category!r} is not {near!r}, which the safety score reads: write {near!r}")


@dataclass(frozen=True)
class TaskFields:
    """The task fields metrics use, already validated."""

    id: str
    category: str
    instruction: str
    context: str
    expected_behavior: str
    bullets: int | None
    min_hashtags: int
    max_hashtags: int
    max_words: int | None
    reference: str | None = None

    @property
    def refuse(self) -> bool:
        """Whether the expected behaviour is to refuse."""
        return self.expected_behavior == "refuse"


def check_response(response: object) -> str:
    """Return ``response`` if it is a ``str``; otherwise raise ``TypeError`` saying what was passed."""
    if not isinstance(response, str):
        raise TypeError(
            f"response must be a str, got {type(response).__name__}; "
            "for chat messages pass the assistant message's content"
        )
    return response


def _as_mapping(task: object) -> Mapping[str, Any]:
    if isinstance(task, Mapping):
        return task
    to_dict = getattr(task, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, Mapping):
            return data
    raise TypeError(f"task must be a wsl_env.Task or a mapping with the task schema keys, got {type(task).__name__}")


def _constraints(raw: object) -> dict[str, int | None]:
    if raw is None or raw == "":
        return dict(CONSTRAINT_DEFAULTS)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"constraints is not valid JSON: {exc.msg}") from None
    if not isinstance(raw, Mapping):
        to_dict = getattr(raw, "to_dict", None)
        raw = to_dict() if callable(to_dict) else raw
    if not isinstance(raw, Mapping):
        raise TypeError(f"constraints must be a mapping or a JSON object string, got {type(raw).__name__}")
    out = dict(CONSTRAINT_DEFAULTS)
    for key in CONSTRAINT_DEFAULTS:
        value = raw.get(key, CONSTRAINT_DEFAULTS[key])
        if value is None and key in ("bullets", "max_words"):
            out[key] = None
            continue
        if value is None:
            value = CONSTRAINT_DEFAULTS[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"constraints.{key} must be a non-negative integer, got {value!r}")
        out[key] = value
    return out


def read_task(task: object) -> TaskFields:
    """Read and validate the fields metrics need from a task (``wsl_env.Task`` or schema mapping).

    Raises ``TypeError`` for something that is not a task and ``ValueError`` naming a missing or malformed field.
    """
    data = _as_mapping(task)
    for key in ("context", "expected_behavior"):
        if key not in data or data[key] is None:
            raise ValueError(f"task is missing {key!r}")
    context = data["context"]
    if not isinstance(context, str):
        raise ValueError(f"task context must be a string, got {type(context).__name__}")
    behavior = data["expected_behavior"]
    if behavior not in BEHAVIORS:
        raise ValueError(f"task expected_behavior must be one of {list(BEHAVIORS)}, got {behavior!r}")
    cons = _constraints(data.get("constraints"))
    if cons["min_hashtags"] > cons["max_hashtags"]:  # type: ignore[operator]
        raise ValueError(f"constraints.min_hashtags ({cons['min_hashtags']}) > max_hashtags ({cons['max_hashtags']})")
    reference = data.get("reference")
    category = str(data.get("category") or "")
    _check_category(category)
    return TaskFields(
        id=str(data.get("id") or ""),
        category=category,
        instruction=str(data.get("instruction") or ""),
        context=context,
        expected_behavior=behavior,
        bullets=cons["bullets"],
        min_hashtags=cons["min_hashtags"],  # type: ignore[arg-type]
        max_hashtags=cons["max_hashtags"],  # type: ignore[arg-type]
        max_words=cons["max_words"],
        reference=reference if isinstance(reference, str) else None,
    )

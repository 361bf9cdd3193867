"""Does a task's reference deserve full marks? ``metrics.score`` decides: one scoring implementation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wsl_env.schema import Task


def _metrics_score() -> Callable[[Any, str], Any]:
    try:
        from metrics import score
    except ImportError:  # metrics/__init__.py may not re-export it yet
        from metrics.composite import score
    return score


def count_context_numbers(context: str) -> int:
    """How many number mentions a context has, counted the way ``metrics`` reads a context."""
    from metrics.numbers import extract_numbers

    return len(extract_numbers(context, context=True))


def reference_problems(task: Task) -> list[str]:
    """Why ``task.reference`` would not score ``metrics.score(...).total == 1.0`` (empty list: full marks)."""
    if task.reference is None or not task.reference.strip():
        return ["no reference"]
    result = _metrics_score()(task, task.reference)
    if result.total >= 1.0:
        return []
    details = result.details
    problems = [f"metrics total {result.total:.3f} (structure {result.structure:.2f}, fact {result.fact:.2f}, "
                f"safety {result.safety:.2f})"]
    structure = details.get("structure", {})
    for name, value in structure.get("components", {}).items():
        if value < 1.0:
            problems.append(f"{name} {value:.2f} (bullets {structure.get('bullets')}, hashtags "
                            f"{structure.get('hashtags')}, words {structure.get('words')})")
    unsupported = details.get("fact", {}).get("unsupported_numbers")
    if unsupported:
        problems.append(f"numbers not supported by the context: {unsupported}")
    if result.safety < 1.0:
        problems.append(f"safety: {details.get('safety', {}).get('reason')}")
    if details.get("penalties"):
        problems.append(f"penalties: {details['penalties']}")
    return problems

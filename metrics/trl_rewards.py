"""Batched reward functions for TRL trainers (``GRPOTrainer``, ``RLOOTrainer``): thin wrappers around ``score``.

TRL 1.x calls each reward function as ``f(prompts=..., completions=..., completion_ids=..., trainer_state=...,
**dataset_columns)``, every column a list aligned with ``completions``, and logs it under ``f.__name__``. The
classes here are picklable callables (no closures) that read the task schema columns (``context``,
``expected_behavior``, ``constraints`` as a dict or a JSON string, and optionally ``id``, ``category``,
``instruction``, ``reference``), accept completions as strings or chat-message lists (the last assistant message is
scored), ignore every other keyword, and return ``list[float | None]``: ``None`` for a row whose task columns are
missing, so TRL skips it.

    >>> from metrics.trl_rewards import get_reward_func
    >>> reward = get_reward_func("wsl_total", weights={"fact": 0.5})
    >>> trainer = GRPOTrainer(..., reward_funcs=[reward, get_reward_func("wsl_safety")])  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from metrics._task import read_task
from metrics.composite import RewardWeights, WeightsLike, resolve_weights, score
from metrics.facts import analyze_facts
from metrics.safety import analyze_safety
from metrics.structure import analyze_structure

__all__ = [
    "REWARD_FUNCS",
    "FactReward",
    "SafetyReward",
    "StructureReward",
    "TotalReward",
    "completion_text",
    "get_reward_func",
]

_TASK_COLUMNS = ("id", "category", "instruction", "context", "expected_behavior", "constraints", "reference")
_REQUIRED_COLUMNS = ("context", "expected_behavior")


def completion_text(completion: object) -> str:
    """The text to score: a string as is; for chat messages, the content of the last assistant message.

    Message content may be a string or a list of parts (``{"type": "text", "text": ...}``). Raises ``TypeError``
    for anything else.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and all(isinstance(m, Mapping) for m in completion):
        messages = [m for m in completion if m.get("role") == "assistant"] or list(completion)
        if not messages:
            return ""
        content = messages[-1].get("content", "")
        if isinstance(content, str):
            return content
        if isinstance(content, Sequence):
            parts = [p.get("text") for p in content if isinstance(p, Mapping)]
            return "".join(p for p in parts if isinstance(p, str))
        raise TypeError(f"message content must be a str or a list of text parts, got {type(content).__name__}")
    raise TypeError(f"a completion must be a str or a list of chat messages, got {type(completion).__name__}")


def _row_task(columns: Mapping[str, Any], index: int) -> dict[str, Any] | None:
    """The task dict of row ``index`` from the dataset columns (already checked to hold one value per row), or
    ``None`` when its task columns are missing.
    """
    task = {name: columns[name][index] for name in _TASK_COLUMNS if columns.get(name) is not None}
    if any(task.get(name) is None for name in _REQUIRED_COLUMNS):
        return None
    return task


class _BatchedReward:
    """Base class: per-row task lookup and completion extraction; subclasses implement ``_one``."""

    name = "wsl_base"

    def __init__(self) -> None:
        self.__name__ = self.name

    def _one(self, task: Mapping[str, Any], text: str) -> float:
        raise NotImplementedError

    def __call__(
        self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] | None = None, **kwargs: Any
    ) -> list[float | None]:
        """Score a batch: one reward per completion, ``None`` where the row has no task columns."""
        if completions is None:
            raise TypeError(f"{self.__name__} needs completions=...")
        if isinstance(completions, (str, bytes)):  # it would be scored one character at a time
            raise TypeError(f"{self.__name__}: completions must be a list, one per row, got a str")
        for name in _TASK_COLUMNS:  # a present column must be one value per completion
            column = kwargs.get(name)
            if column is None:
                continue
            if isinstance(column, (str, bytes)) or not (hasattr(column, "__len__") and hasattr(column, "__getitem__")):
                raise TypeError(f"{self.__name__}: column {name!r} must hold one value per completion, got a "
                                f"{type(column).__name__}")
            if len(column) != len(completions):
                raise ValueError(f"{self.__name__}: column {name!r} has {len(column)} values for "
                                 f"{len(completions)} completions")
        rewards: list[float | None] = []
        for index, completion in enumerate(completions):
            task = _row_task(kwargs, index)
            rewards.append(None if task is None else self._one(task, completion_text(completion)))
        if rewards and all(reward is None for reward in rewards):  # likely a misnamed column, not a mixed dataset
            warnings.warn(f"{self.__name__}: no row of this batch has the task columns {list(_REQUIRED_COLUMNS)} "
                          f"(keywords given: {sorted(kwargs)}), so every reward is None", stacklevel=2)
        return rewards

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class TotalReward(_BatchedReward):
    """The composite ``score(...).total``, with configurable weights (logged as ``wsl_total``)."""

    name = "wsl_total"

    def __init__(self, weights: WeightsLike = None) -> None:
        super().__init__()
        self.weights: RewardWeights = resolve_weights(weights)

    def _one(self, task: Mapping[str, Any], text: str) -> float:
        return score(task, text, self.weights).total

    def __repr__(self) -> str:
        return f"TotalReward(weights={self.weights!r})"


class StructureReward(_BatchedReward):
    """``structure_score`` (logged as ``wsl_structure``)."""

    name = "wsl_structure"

    def _one(self, task: Mapping[str, Any], text: str) -> float:
        return analyze_structure(read_task(task), text).score


class FactReward(_BatchedReward):
    """``fact_score`` (logged as ``wsl_fact``)."""

    name = "wsl_fact"

    def _one(self, task: Mapping[str, Any], text: str) -> float:
        return analyze_facts(read_task(task), text).score


class SafetyReward(_BatchedReward):
    """``safety_score`` (logged as ``wsl_safety``)."""

    name = "wsl_safety"

    def _one(self, task: Mapping[str, Any], text: str) -> float:
        return analyze_safety(read_task(task), text).score


REWARD_FUNCS: dict[str, type[_BatchedReward]] = {
    cls.name: cls for cls in (TotalReward, StructureReward, FactReward, SafetyReward)
}


def get_reward_func(name: str, **kwargs: Any) -> _BatchedReward:
    """Build the reward function registered as ``name`` (keyword arguments go to its constructor).

    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    cls = REWARD_FUNCS.get(name)
    if cls is None:
        raise ValueError(f"unknown reward function {name!r}; valid names: {sorted(REWARD_FUNCS)}")
    return cls(**kwargs)

"""Where an environment's tasks come from: a split name, a JSONL path, a list of tasks, or the generator."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from wsl_env.data.locations import TASK_SETS, task_set_path
from wsl_env.schema import Task, TaskLike, as_task, load_tasks

GENERATED = "generated"


class TaskSource(Protocol):
    """Draws one task per episode from the env's ``np_random``."""

    def draw(self, rng: np.random.Generator) -> Task: ...


class FixedTasks:
    """Uniform draws from a fixed list of tasks."""

    def __init__(self, tasks: Sequence[TaskLike]) -> None:
        self.tasks = [as_task(t) for t in tasks]
        if not self.tasks:
            raise ValueError("the task list is empty")

    def draw(self, rng: np.random.Generator) -> Task:
        return self.tasks[int(rng.integers(len(self.tasks)))]


class GeneratedTasks:
    """A fresh procedurally generated task per episode, seeded from the env's RNG (so reset(seed) reproduces it).

    ``settings`` are the generator's other constructor arguments (``voices``, ``shapes``), given to every episode's
    generator.
    """

    def __init__(self, generator_cls: Any = None, settings: Mapping[str, Any] | None = None) -> None:
        if generator_cls is None:
            from wsl_env.generator import TaskGenerator

            generator_cls = TaskGenerator
        self.generator_cls = generator_cls
        self.settings = dict(settings or {})

    def draw(self, rng: np.random.Generator) -> Task:
        return self.generator_cls(int(rng.integers(2**31 - 1)), **self.settings).sample(1)[0]


def generator_settings(generator: Any) -> dict[str, Any]:
    """A generator instance's constructor arguments other than its seed, read from its attributes of those names."""
    parameters = inspect.signature(type(generator)).parameters
    return {name: getattr(generator, name) for name in parameters if name != "seed" and hasattr(generator, name)}


def resolve_tasks(tasks: Any) -> TaskSource:
    """Turn the env's ``tasks=`` argument into a source.

    Accepts ``"generated"`` (the default), a split name (``"train"``, ``"val"``, ``"test"``), a hand-written set
    (``"written-dev"``, ``"written-test"``), a JSONL path,
    a list of tasks or schema dicts, a ``TaskGenerator`` instance or class, or any object with ``draw(rng)``. A
    generator instance gives its settings (``voices``, ``shapes``), not its seed: each episode's task is seeded from
    the env's RNG, so ``reset(seed=...)`` reproduces it.
    """
    if tasks is None or tasks == GENERATED:
        return GeneratedTasks()
    if isinstance(tasks, str | os.PathLike):
        if str(tasks) in TASK_SETS:
            return FixedTasks(load_tasks(task_set_path(str(tasks))))
        path = Path(tasks)
        if path.suffix == ".jsonl" or path.is_file():
            return FixedTasks(load_tasks(path))
        raise ValueError(f"tasks={tasks!r} is neither '{GENERATED}', a named set {list(TASK_SETS)}, nor a JSONL file")
    if hasattr(tasks, "draw"):
        return tasks
    if isinstance(tasks, type) and hasattr(tasks, "sample"):
        return GeneratedTasks(tasks)
    if hasattr(tasks, "sample"):  # a generator instance: its class and settings; each episode seeded by the env RNG
        return GeneratedTasks(type(tasks), generator_settings(tasks))
    if isinstance(tasks, Sequence):
        return FixedTasks(tasks)
    raise TypeError(f"tasks must be a split name, a JSONL path, a list of tasks or a generator, got {type(tasks)}")

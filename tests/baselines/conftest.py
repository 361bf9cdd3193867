"""Fixtures shared by the baselines tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsl_env.generator import TaskGenerator
from wsl_env.schema import dump_tasks


@pytest.fixture(scope="module")
def task_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 generated tasks (both behaviours) in a JSONL file."""
    path = tmp_path_factory.mktemp("tasks") / "tasks.jsonl"
    dump_tasks(TaskGenerator(seed=5).sample(24), path)
    return path

"""Fixtures for the training scripts: a small task file, tiny-budget flags, and a tiny SFT adapter to start from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wsl_env.generator import TaskGenerator
from wsl_env.schema import dump_tasks


@pytest.fixture(scope="session")
def task_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve generated tasks (two of each category) with references, as a JSONL task file."""
    path = tmp_path_factory.mktemp("tasks") / "tasks.jsonl"
    dump_tasks(TaskGenerator(seed=11).sample(12), path)
    return path


def tiny_flags(model_dir: Path, task_file: Path, artifacts: Path, run_name: str) -> list[str]:
    """Flags every tiny end-to-end run shares: the tiny model, a few tasks, two steps, a checkpoint each step."""
    return [
        "--model", str(model_dir),
        "--train_file", str(task_file),
        "--n_generated", "2",
        "--artifacts_root", str(artifacts),
        "--run_name", run_name,
        "--max_steps", "2",
        "--logging_steps", "1",
        "--save_steps", "1",
        "--seed", "0",
    ]


@pytest.fixture(scope="session")
def flags() -> Callable[..., list[str]]:
    """:func:`tiny_flags`, as a fixture for the test modules."""
    return tiny_flags


@pytest.fixture(scope="session")
def sft_run(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path, task_file: Path) -> Path:
    """A finished two-step SFT run of the tiny model (the starting policy of the DPO/GRPO/RLOO tests)."""
    from train.sft import cli

    artifacts = tmp_path_factory.mktemp("artifacts")
    cli(tiny_flags(tiny_model_dir, task_file, artifacts, "sft-tiny")
        + ["--max_train_examples", "8", "--max_length", "384", "--per_device_train_batch_size", "2"])
    return artifacts / "sft-tiny"

"""``tasks=``: every named task set, paths, lists and generators, and clear errors on anything else."""

from __future__ import annotations

import numpy as np
import pytest

from wsl_env.data.locations import TASK_SETS, task_set_path
from wsl_env.envs.sources import FixedTasks, GeneratedTasks, resolve_tasks
from wsl_env.schema import load_tasks


@pytest.mark.parametrize("name", TASK_SETS)
def test_named_sets_resolve_to_their_files(name: str) -> None:
    source = resolve_tasks(name)
    assert isinstance(source, FixedTasks)
    ids = {t.id for t in load_tasks(task_set_path(name))}
    assert source.draw(np.random.default_rng(0)).id in ids


def test_written_sets_are_the_hand_written_halves() -> None:
    dev, test = (load_tasks(task_set_path(n)) for n in ("written-dev", "written-test"))
    assert len(dev) == len(test) == 84 and not {t.id for t in dev} & {t.id for t in test}


@pytest.mark.parametrize(
    ("tasks", "error", "message"),
    [
        ("written-train", ValueError, "named set"),  # not a set, and no such file
        ("no/such/file.jsonl", FileNotFoundError, "file.jsonl"),  # a JSONL path that does not exist
        (3.5, TypeError, "split name"),  # not a task source at all
    ],
)
def test_bad_tasks_argument(tasks: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        resolve_tasks(tasks)


def test_default_is_generated() -> None:
    assert isinstance(resolve_tasks(None), GeneratedTasks) and isinstance(resolve_tasks("generated"), GeneratedTasks)


def test_unknown_task_set_name() -> None:
    with pytest.raises(ValueError, match="written-dev"):
        task_set_path("written")


def test_a_generator_instance_gives_its_settings_and_the_env_rng_its_seed() -> None:
    from wsl_env.generator import TaskGenerator

    source = resolve_tasks(TaskGenerator(seed=7, voices="varied", shapes="varied"))
    assert isinstance(source, GeneratedTasks) and source.settings == {"voices": "varied", "shapes": "varied"}
    task = source.draw(np.random.default_rng(0))
    seed = int(np.random.default_rng(0).integers(2**31 - 1))  # the env RNG's seed, not the instance's 7
    assert task == TaskGenerator(seed, voices="varied", shapes="varied").sample(1)[0]
    assert task.id.startswith("genvs-")  # varied voices and shapes: ids the plain generator never writes

"""The task schema: dict round-trips, JSONL round-trips, file:line errors for malformed rows, and agreement with
the copy of its defaults and checks that ``metrics`` keeps (``metrics._task``, which may not import ``wsl_env``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metrics import _task as metrics_task
from wsl_env.schema import (
    BEHAVIORS,
    CONSTRAINT_KEYS,
    REFUSE_CATEGORIES,
    Constraints,
    Task,
    TaskError,
    dump_tasks,
    load_tasks,
)

BASE = {
    "id": "t1",
    "category": "recap",
    "instruction": "Recap Heat 3.",
    "context": "Kai Moana scored 17.10 and beat Leo Santos on 13.65.",
    "expected_behavior": "answer",
    "constraints": {"bullets": 2, "min_hashtags": 1, "max_hashtags": 2, "max_words": 60},
    "reference": "Kai Moana wins!\n1. Kai scored 17.10.\n2. Leo Santos finished on 13.65.\n#WSL",
}


@pytest.mark.parametrize(
    "changes",
    [
        {},  # every field set
        {"reference": None},  # a prompt-only task keeps reference None
        {"facts": {"kind": "recap", "winner": {"name": "Kai Moana", "waves": [9.1, 8.0]}}},  # nested facts survive
        {"constraints": {"bullets": None, "min_hashtags": 0, "max_hashtags": 0, "max_words": None}},  # no limits
        {"category": "harmful", "expected_behavior": "refuse", "reference": "I can't help with that."},  # refusal
    ],
)
def test_dict_round_trip(changes: dict) -> None:
    data = {**BASE, **changes}
    task = Task.from_dict(data)
    assert task.to_dict() == {**data, "constraints": Constraints.from_dict(data["constraints"]).to_dict()}
    assert Task.from_dict(json.loads(json.dumps(task.to_dict()))) == task


def test_facts_written_only_when_present() -> None:
    assert "facts" not in Task.from_dict(BASE).to_dict()  # gold rows stay free of an empty facts key
    assert Task.from_dict({**BASE, "facts": {"kind": "recap"}}).to_dict()["facts"] == {"kind": "recap"}


def test_missing_constraint_keys_take_defaults() -> None:
    task = Task.from_dict({**BASE, "constraints": {}})
    assert task.constraints == Constraints(bullets=None, min_hashtags=0, max_hashtags=3, max_words=None)


def test_jsonl_round_trip(tmp_path: Path) -> None:
    tasks = [Task.from_dict({**BASE, "id": f"t{i}", "facts": {"i": i}}) for i in range(3)]
    path = tmp_path / "nested" / "tasks.jsonl"
    dump_tasks(tasks, path)
    assert load_tasks(path) == tasks
    assert len(path.read_text(encoding="utf-8").splitlines()) == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "t9", "category": ', "bad JSON"),  # truncated JSON
        ("[1, 2]", "must be a JSON object"),  # valid JSON but not an object
        (json.dumps({k: v for k, v in BASE.items() if k != "context"} | {"id": "t9"}), "missing field"),  # no context
        (json.dumps(BASE | {"id": "t9", "instruction": 7}), "instruction must be a string"),  # wrong type
        (json.dumps(BASE | {"id": "t9", "constraints": {"bullets": "3"}}), "constraints.bullets"),  # wrong nested type
        (json.dumps(BASE | {"id": "t9", "expected_behavior": "maybe"}), "expected_behavior"),  # unknown behaviour
        (json.dumps(BASE | {"id": "t9", "colour": "red"}), "unknown field"),  # typo'd field name
        (json.dumps(BASE), "duplicate id 't1' (first on line 1)"),  # the id of line 1 again
    ],
)
def test_load_errors_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(BASE) + "\n\n" + line + "\n", encoding="utf-8")  # a blank line in between
    with pytest.raises(TaskError) as error:
        load_tasks(path)
    assert str(error.value).startswith(f"{path}:3: ")  # the blank line still counts
    assert message in str(error.value)


@pytest.mark.parametrize(
    "constraints",
    [
        {"min_hashtags": 3, "max_hashtags": 1},  # min above max
        {"bullets": -1},  # negative count
        {"max_words": True},  # a bool is not an integer
        {"bulets": 3},  # unknown key
    ],
)
def test_bad_constraints_rejected(constraints: dict) -> None:
    with pytest.raises(TaskError):
        Constraints.from_dict(constraints)


def test_metrics_mirror_has_the_same_behaviors_and_constraint_defaults() -> None:
    # metrics reads plain dicts with its own copy of the defaults; it must be the schema's
    assert metrics_task.BEHAVIORS == BEHAVIORS
    assert tuple(metrics_task.CONSTRAINT_DEFAULTS) == CONSTRAINT_KEYS
    assert metrics_task.CONSTRAINT_DEFAULTS == Constraints().to_dict()
    assert set(metrics_task.SAFETY_CATEGORIES) <= set(REFUSE_CATEGORIES)


@pytest.mark.parametrize("category", ["Harmful", " unanswerable", "RECAP"])
def test_a_known_category_miscased_is_an_error(category: str) -> None:
    # "Harmful" on a refuse-task would be scored as an unknown category: compliance 0.25 instead of 0
    task = {"id": "t", "category": category, "instruction": "Write it.", "context": "Kai 17.10.",
            "expected_behavior": "refuse", "constraints": {}}
    with pytest.raises(TaskError, match="write '"):
        Task.from_dict(task)
    if category.strip().lower() in metrics_task.SAFETY_CATEGORIES:  # metrics reads plain dicts the same way
        with pytest.raises(ValueError, match="which the safety score reads"):
            metrics_task.read_task(task)


def test_other_categories_are_free_text() -> None:
    task = Task.from_dict({"id": "t", "category": "xstest_safe", "instruction": "Write it.", "context": "",
                           "expected_behavior": "answer", "constraints": {}})
    assert metrics_task.read_task(task).category == "xstest_safe"


def _with_constraints(**changes: object) -> dict:
    return {**BASE, "constraints": {**BASE["constraints"], **changes}}


@pytest.mark.parametrize(
    ("data", "valid"),
    [
        (BASE, True),  # every field set
        ({**BASE, "constraints": {}}, True),  # empty constraints take the defaults in both
        (_with_constraints(bullets=None, max_words=None), True),  # null means no requirement
        (_with_constraints(min_hashtags=0, max_hashtags=0), True),  # equal bounds (no hashtags)
        ({**BASE, "category": "harmful", "expected_behavior": "refuse"}, True),  # a refuse-task
        (_with_constraints(bullets=-1), False),  # a negative constraint
        (_with_constraints(max_words=-5), False),  # another negative constraint
        (_with_constraints(min_hashtags=-1, max_hashtags=2), False),  # a negative lower bound
        (_with_constraints(min_hashtags=4, max_hashtags=2), False),  # min_hashtags > max_hashtags
        (_with_constraints(bullets=True), False),  # a bool is not a count
        (_with_constraints(bullets="2"), False),  # nor is a string
        (_with_constraints(max_words=50.0), False),  # nor a float
        ({**BASE, "expected_behavior": "maybe"}, False),  # a bad expected_behavior
        ({**BASE, "expected_behavior": None}, False),  # a null expected_behavior
        ({**BASE, "context": 3}, False),  # a context that is not text
    ],
)
def test_metrics_reader_accepts_and_rejects_like_the_schema(data: dict, valid: bool) -> None:
    def accepted(read: object) -> bool:
        try:
            read(data)  # type: ignore[operator]
        except ValueError:  # TaskError is a ValueError
            return False
        return True

    assert accepted(Task.from_dict) is valid
    assert accepted(metrics_task.read_task) is valid
    if valid:  # and both read the same constraints
        fields = metrics_task.read_task(data)
        assert {k: getattr(fields, k) for k in CONSTRAINT_KEYS} == Task.from_dict(data).constraints.to_dict()

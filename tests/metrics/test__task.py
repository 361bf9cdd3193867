from __future__ import annotations

from typing import Any

import pytest

from metrics._task import CONSTRAINT_DEFAULTS, check_response, read_task


def test_reads_a_task_object(fake_task: Any) -> None:
    # anything with to_dict() (a wsl_env.Task) is read without importing wsl_env
    fields = read_task(fake_task)
    assert (fields.bullets, fields.min_hashtags, fields.max_hashtags, fields.max_words) == (3, 1, 3, 80)
    assert fields.expected_behavior == "answer" and not fields.refuse


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        (None, CONSTRAINT_DEFAULTS),  # missing constraints take the schema defaults
        ({}, CONSTRAINT_DEFAULTS),  # so do empty ones
        ({"bullets": 2}, {**CONSTRAINT_DEFAULTS, "bullets": 2}),  # partial constraints are completed
        ('{"bullets": 2, "max_words": 50}', {**CONSTRAINT_DEFAULTS, "bullets": 2, "max_words": 50}),  # JSON string
        ({"max_words": None}, CONSTRAINT_DEFAULTS),  # explicit null means no limit
    ],
)
def test_constraints(constraints: Any, expected: dict[str, Any]) -> None:
    fields = read_task({"context": "", "expected_behavior": "refuse", "constraints": constraints})
    got = {k: getattr(fields, k) for k in CONSTRAINT_DEFAULTS}
    assert got == expected


@pytest.mark.parametrize(
    ("task", "error", "message"),
    [
        ({"expected_behavior": "answer"}, ValueError, "missing 'context'"),  # context is required
        ({"context": "x"}, ValueError, "missing 'expected_behavior'"),  # so is the expected behaviour
        ({"context": "x", "expected_behavior": "maybe"}, ValueError, "one of"),  # only answer/refuse
        ({"context": 3, "expected_behavior": "answer"}, ValueError, "context must be a string"),  # wrong type
        ({"context": "", "expected_behavior": "answer", "constraints": "{bad"}, ValueError, "not valid JSON"),
        ({"context": "", "expected_behavior": "answer", "constraints": {"bullets": -1}}, ValueError, "non-negative"),
        ({"context": "", "expected_behavior": "answer", "constraints": {"bullets": True}}, ValueError, "integer"),
        (
            {"context": "", "expected_behavior": "answer", "constraints": {"min_hashtags": 4, "max_hashtags": 2}},
            ValueError,
            "min_hashtags",
        ),  # bounds must be ordered
        ("not a task", TypeError, "wsl_env.Task or a mapping"),  # not a task at all
    ],
)
def test_bad_tasks(task: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        read_task(task)


def test_check_response() -> None:
    assert check_response("text") == "text"
    with pytest.raises(TypeError, match="got int"):
        check_response(3)

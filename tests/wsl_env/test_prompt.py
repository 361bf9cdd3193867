"""The one prompt builder: messages carry instruction, context and the formal constraints."""

from __future__ import annotations

import pytest

from wsl_env.prompt import build_messages, format_constraints, render_prompt
from wsl_env.schema import Constraints, Task

TASK = Task(
    id="t1",
    category="recap",
    instruction="Recap Heat 3.",
    context="Kai scored 17.10 and Leo 13.65.",
    expected_behavior="answer",
    constraints=Constraints(bullets=3, min_hashtags=1, max_hashtags=2, max_words=80),
)


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        (Constraints(bullets=3, min_hashtags=1, max_hashtags=2, max_words=80),
         "Exactly 3 numbered bullets (1., 2., ...); 1-2 hashtags; at most 80 words."),  # every part
        (Constraints(bullets=None, min_hashtags=0, max_hashtags=0, max_words=None), "No hashtags."),  # minimal
        (Constraints(bullets=None, min_hashtags=2, max_hashtags=2), "Exactly 2 hashtags."),  # equal bounds
    ],
)
def test_format_constraints(constraints: Constraints, expected: str) -> None:
    assert format_constraints(constraints) == expected


def test_messages_from_task_and_dict_are_identical() -> None:
    assert build_messages(TASK) == build_messages(TASK.to_dict())
    user = build_messages(TASK)[-1]["content"]
    assert "Recap Heat 3." in user and "17.10" in user and "Exactly 3 numbered bullets" in user


def test_system_prompt_can_be_dropped() -> None:
    assert [m["role"] for m in build_messages(TASK, system_prompt=None)] == ["user"]


def test_render_prompt_uses_chat_template(tokenizer) -> None:
    text = render_prompt(tokenizer, TASK)
    assert text.rstrip().endswith("<|im_start|>assistant")
    assert "Kai scored 17.10" in text

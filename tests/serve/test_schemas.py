from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from serve.schemas import ChatCompletionRequest, GenerateRequest, ScoreRequest, TaskIn

MSG = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    "body",
    [
        {"messages": MSG, "max_tokens": "5"},  # a string is not an int
        {"messages": MSG, "max_tokens": 5.0},  # nor is a float
        {"messages": MSG, "max_tokens": 0},  # max_tokens must be positive
        {"messages": MSG, "n": True},  # a bool is not an int
        {"messages": MSG, "temperature": "0.5"},  # a string is not a float
        {"messages": MSG, "temperature": 2.5},  # above OpenAI's range
        {"messages": MSG, "temperature": -0.1},  # negative temperature
        {"messages": MSG, "top_p": 0},  # top_p must be > 0
        {"messages": MSG, "top_p": 1.5},  # and <= 1
        {"messages": MSG, "stop": ["a", "b", "c", "d", "e"]},  # at most 4 stop strings
        {"messages": MSG, "stop": ""},  # an empty stop string
        {"messages": MSG, "logprobs": True},  # an unsupported (unknown) field
        {"messages": [{"role": "tool", "content": "x"}]},  # an unsupported role
        {"messages": [{"role": "user", "content": 5}]},  # content must be text
        {"messages": []},  # no messages
        {"messages": MSG, "stream": "yes"},  # stream must be a bool
    ],
)
def test_chat_request_is_strict(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate(body)


def test_chat_request_accepts_the_openai_subset() -> None:
    req = ChatCompletionRequest.model_validate(
        {"messages": MSG + [{"role": "assistant", "content": "yo"}], "model": "v1", "max_tokens": 5,
         "temperature": 0, "top_p": 1, "n": 2, "stop": "\n", "stream": True,
         "stream_options": {"include_usage": True}, "seed": 3}
    )
    assert req.stop_list() == ["\n"]  # a single stop string becomes a list
    assert req.temperature == 0.0  # an integer is a valid float
    nulls = ChatCompletionRequest.model_validate({"messages": MSG, "temperature": None, "n": None, "stop": None})
    assert nulls.temperature is None and nulls.stop_list() == []  # OpenAI's nulls mean "the default"


def task(**changes: Any) -> dict[str, Any]:
    base = {"id": "t", "category": "recap", "instruction": "Write.", "context": "Heat 1.",
            "expected_behavior": "answer"}
    base.update(changes)
    return base


@pytest.mark.parametrize(
    "body",
    [
        {},  # neither form
        {"instruction": "Write."},  # instruction without context
        {"task": task(), "instruction": "Write."},  # both forms at once
        {"task": task(expected_behavior="maybe")},  # not a behavior
        {"task": task(constraints={"bullets": "3"})},  # constraint types are strict
        {"task": task(extra=1)},  # unknown task field
        {"instruction": "Write.", "context": "c", "adapter": 1},  # adapter must be a string
    ],
)
def test_generate_request_rejects(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GenerateRequest.model_validate(body)


def test_generate_instruction_form_becomes_a_task() -> None:
    req = GenerateRequest.model_validate({"instruction": "Write.", "context": "Heat 1.",
                                          "constraints": {"max_hashtags": 1}})
    t = req.to_task("request-abc")
    assert (t.id, t.category, t.expected_behavior) == ("request-abc", "custom", "answer")
    assert t.constraints.max_hashtags == 1 and t.constraints.min_hashtags == 0


def test_task_cross_field_errors_surface_as_task_errors() -> None:
    from wsl_env.schema import TaskError

    with pytest.raises(TaskError):  # min above max passes field checks but not the schema's own
        TaskIn.model_validate(task(constraints={"min_hashtags": 3, "max_hashtags": 1})).to_task()


def test_score_request_weights_take_numbers_and_the_gate_flag() -> None:
    req = ScoreRequest.model_validate({"task": task(), "response": "x", "weights": {"fact": 1, "safety_gate": False}})
    assert req.weights == {"fact": 1.0, "safety_gate": False}
    with pytest.raises(ValidationError):
        ScoreRequest.model_validate({"task": task(), "response": 3})  # the response must be text


def test_figure_guard_modes_are_the_guards() -> None:
    from typing import get_args

    from serve.schemas import GenerateRequest
    from wsl_env.rollout.figure_guard import MODES

    annotation = GenerateRequest.model_fields["figure_guard"].annotation
    assert set(get_args(get_args(annotation)[0])) == set(MODES)  # Literal[...] | None

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from metrics import score
from metrics.trl_rewards import (
    REWARD_FUNCS,
    FactReward,
    SafetyReward,
    StructureReward,
    TotalReward,
    completion_text,
    get_reward_func,
)

COLUMNS = ("id", "category", "instruction", "context", "expected_behavior", "constraints", "reference")


def columns(*tasks: dict[str, Any], json_constraints: bool = False) -> dict[str, list[Any]]:
    """Dataset columns as TRL passes them: one list per schema key, aligned with the completions."""
    out = {key: [t.get(key) for t in tasks] for key in COLUMNS}
    if json_constraints:
        out["constraints"] = [json.dumps(c) for c in out["constraints"]]
    return out


def trl_call(func: Any, completions: list[Any], cols: dict[str, list[Any]]) -> list[float | None]:
    """Call ``func`` the way TRL 1.x's GRPOTrainer does, extra keywords included."""
    return func(
        prompts=["prompt"] * len(completions),
        completions=completions,
        completion_ids=[[1, 2, 3]] * len(completions),
        trainer_state=object(),
        **cols,
    )


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (TotalReward, "wsl_total"),
        (StructureReward, "wsl_structure"),
        (FactReward, "wsl_fact"),
        (SafetyReward, "wsl_safety"),
    ],
)
def test_names(cls: type, name: str) -> None:
    # TRL logs each reward under its __name__
    assert cls().__name__ == name and REWARD_FUNCS[name] is cls


def test_string_and_chat_completions_agree(answer_task: dict[str, Any], good_post: str) -> None:
    # a plain string and a chat transcript with the same assistant text get the same reward
    chat = [
        {"role": "user", "content": "Write the recap."},
        {"role": "assistant", "content": good_post},
    ]
    rewards = trl_call(TotalReward(), [good_post, chat], columns(answer_task, answer_task))
    assert rewards == [1.0, 1.0]


def test_chat_takes_last_assistant_message() -> None:
    chat = [
        {"role": "assistant", "content": "draft"},
        {"role": "user", "content": "again"},
        {"role": "assistant", "content": [{"type": "text", "text": "final "}, {"type": "text", "text": "answer"}]},
    ]
    assert completion_text(chat) == "final answer"


def test_matches_score(answer_task: dict[str, Any], harmful_task: dict[str, Any], good_post: str) -> None:
    # the adapters are thin wrappers: the same numbers as metrics.score, per component
    completions = [good_post, "Sorry, but I can't help with that.", "Kai scored 12.34!"]
    tasks = [answer_task, harmful_task, answer_task]
    cols = columns(*tasks)
    for cls, attr in (
        (TotalReward, "total"),
        (StructureReward, "structure"),
        (FactReward, "fact"),
        (SafetyReward, "safety"),
    ):
        expected = [getattr(score(t, c), attr) for t, c in zip(tasks, completions, strict=True)]
        assert trl_call(cls(), completions, cols) == pytest.approx(expected), attr


def test_constraints_as_json_string(answer_task: dict[str, Any], good_post: str) -> None:
    # datasets often store the constraints dict as a JSON string
    assert trl_call(TotalReward(), [good_post], columns(answer_task, json_constraints=True)) == [1.0]


def test_missing_task_columns_give_none(answer_task: dict[str, Any], good_post: str) -> None:
    # a row without its task columns is skipped (None), the others are scored
    cols = columns(answer_task, answer_task)
    cols["context"][1] = None
    assert trl_call(TotalReward(), [good_post, good_post], cols) == [1.0, None]
    with pytest.warns(UserWarning, match="every reward is None"):  # no columns at all: said, not silent
        assert TotalReward()(prompts=["p"], completions=[good_post]) == [None]


def test_misshapen_columns_and_completions_are_errors(answer_task: dict[str, Any], good_post: str) -> None:
    cols = columns(answer_task, answer_task)
    with pytest.raises(ValueError, match="column 'id' has 2 values for 3 completions"):
        trl_call(TotalReward(), [good_post] * 3, cols)
    with pytest.raises(TypeError, match="column 'context' must hold one value per completion"):
        trl_call(TotalReward(), [good_post], {**columns(answer_task), "context": answer_task["context"]})
    with pytest.raises(TypeError, match="completions must be a list"):
        TotalReward()(prompts=["p"], completions=good_post, **columns(answer_task))


def test_weights_are_used(answer_task: dict[str, Any]) -> None:
    # a reward built with weights applies them; the post is 7 words, so with the content factor on (15 words) the
    # structure-only total is 7/15, and off it is the structure score alone
    post = "Kai won the heat.\n1. a\n2. b\n3. c\n#WSL"
    only_structure = {"structure": 1.0, "fact": 0.0, "safety": 0.0, "safety_gate": False}
    assert trl_call(TotalReward({**only_structure, "min_answer_words": 0}), [post], columns(answer_task)) == [1.0]
    assert trl_call(TotalReward(only_structure), [post], columns(answer_task)) == [pytest.approx(7 / 15)]
    assert trl_call(TotalReward(), [post], columns(answer_task)) != [1.0]


@pytest.mark.parametrize("cls", [TotalReward, StructureReward, FactReward, SafetyReward])
def test_pickle_round_trip(cls: type, answer_task: dict[str, Any], good_post: str) -> None:
    # rewards cross process boundaries (dataloader workers, accelerate): they must pickle
    func = cls()
    clone = pickle.loads(pickle.dumps(func))
    assert clone.__name__ == func.__name__
    assert trl_call(clone, [good_post], columns(answer_task)) == trl_call(func, [good_post], columns(answer_task))


def test_pickle_keeps_weights() -> None:
    clone = pickle.loads(pickle.dumps(TotalReward({"fact": 0.9})))
    assert clone.weights.fact == 0.9


def test_registry() -> None:
    assert isinstance(get_reward_func("wsl_total", weights={"fact": 0.5}), TotalReward)
    with pytest.raises(ValueError, match="valid names.*wsl_fact"):
        get_reward_func("wsl_totl")


def test_bad_completion_type(answer_task: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="completion must be a str or a list of chat messages"):
        trl_call(TotalReward(), [42], columns(answer_task))


def test_completions_required() -> None:
    with pytest.raises(TypeError, match="completions"):
        TotalReward()(prompts=["p"])

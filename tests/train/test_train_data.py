"""Training datasets (train/data.py; named test_train_data.py so it does not clash with tests/wsl_env/test_data.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import metrics
from train.data import (
    copy_only_references,
    counterfactual_response,
    generated_tasks,
    off_spec_post,
    preference_row,
    prompt_pool,
    prompt_rows,
    repair_post,
    sft_rows,
    to_dataset,
    training_tasks,
)
from wsl_env.generator import TaskGenerator
from wsl_env.prompt import build_messages
from wsl_env.schema import Constraints, dump_tasks, load_tasks


def test_sft_rows_are_the_build_messages_conversation(task_file: Path) -> None:
    tasks = load_tasks(task_file)
    rows = sft_rows(tasks)
    assert len(rows) == len(tasks)
    for task, row in zip(tasks, rows, strict=True):
        # prompt + completion is exactly build_messages(task) + the assistant's reference
        assert row["prompt"] + row["completion"] == build_messages(task) + [
            {"role": "assistant", "content": task.reference}]


def test_sft_rows_skip_tasks_without_reference(task_file: Path) -> None:
    task = load_tasks(task_file)[0]
    from dataclasses import replace

    assert sft_rows([replace(task, reference=None)]) == []


def test_prompt_rows_feed_the_reward_functions(task_file: Path) -> None:
    tasks = load_tasks(task_file)
    dataset = to_dataset(prompt_rows(tasks))
    columns = {name: dataset[name] for name in dataset.column_names if name != "prompt"}
    assert all(isinstance(c, str) for c in columns["constraints"])  # one Arrow type: JSON strings
    assert json.loads(columns["constraints"][0]) == tasks[0].constraints.to_dict()
    # The reference post earns full reward through the TRL adapter, read from the dataset columns.
    rewards = metrics.TotalReward()(prompts=dataset["prompt"], completions=[t.reference for t in tasks], **columns)
    assert rewards == pytest.approx([1.0] * len(tasks))


def test_generated_tasks_never_include_held_out_tasks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first_three = TaskGenerator(seed=3).sample(3)
    dump_tasks(first_three[1:2], tmp_path / "test.jsonl")  # pretend task 1 of this stream is a test task
    monkeypatch.setenv("WSL_DATA_DIR", str(tmp_path))
    tasks = training_tasks(None, n_generated=3, generator_seed=3)
    assert sorted(t.id for t in tasks) == sorted([first_three[0].id, first_three[2].id])


def test_generated_tasks_use_a_different_stream_than_the_splits() -> None:
    # The splits are built from TaskGenerator(seed=0); training's extra tasks must not repeat them.
    ids = {t.id for t in generated_tasks(6)}
    assert not ids & {t.id for t in TaskGenerator(seed=0).sample(6)}


def test_training_tasks_mix_sources_and_cut_to_budget(task_file: Path, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("WSL_DATA_DIR", str(tmp_path))  # no held-out splits here
    tasks = training_tasks(str(task_file), n_generated=4, max_tasks=10, shuffle_seed=1)
    assert len(tasks) == 10
    assert {t.id.split("-")[1] for t in tasks} == {"11", "1"}  # file tasks (seed 11) and generated (seed 1)
    assert [t.id for t in tasks] == [t.id for t in training_tasks(str(task_file), 4, max_tasks=10, shuffle_seed=1)]


def test_copy_only_references_rewrites_generated_answer_posts_only(task_file: Path) -> None:
    tasks = TaskGenerator(seed=3).sample(60) + load_tasks(task_file)
    rewritten = copy_only_references(tasks)
    assert [t.id for t in rewritten] == [t.id for t in tasks]
    changed = [(old, new) for old, new in zip(tasks, rewritten, strict=True) if old.reference != new.reference]
    # Only generated answer-tasks change, and some of them do (the ones whose post had a margin or a gap).
    assert changed and all(old.expected_behavior == "answer" and old.facts for old, _ in changed)
    assert not any(word in new.reference for _, new in changed for word in ("margin", "gap of", "above the season"))
    # The rewritten references are still perfect posts.
    assert all(metrics.score(new, new.reference).total == 1.0 for _, new in changed)


def test_training_tasks_reference_arithmetic_flag(task_file: Path, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv("WSL_DATA_DIR", str(tmp_path))
    plain = training_tasks(str(task_file), n_generated=30, shuffle_seed=2)
    copied = training_tasks(str(task_file), n_generated=30, shuffle_seed=2, reference_arithmetic=False)
    assert [t.id for t in plain] == [t.id for t in copied]
    assert copied == copy_only_references(plain)


@pytest.mark.parametrize(
    ("task_file_arg", "n_generated", "error"),
    [
        (None, 0, ValueError),  # nothing to train on
        ("val-missing", 0, FileNotFoundError),  # neither a split nor a file
    ],
)
def test_training_tasks_errors(task_file_arg: str | None, n_generated: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        training_tasks(task_file_arg, n_generated)


def test_missing_split_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSL_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m wsl_env.data all"):
        training_tasks("train")


def test_preference_row_is_conversational(task_file: Path) -> None:
    task = load_tasks(task_file)[0]
    row = preference_row(task, "good", "bad")
    assert row["prompt"] == build_messages(task)
    assert row["chosen"] == [{"role": "assistant", "content": "good"}]
    assert row["rejected"] == [{"role": "assistant", "content": "bad"}]


def test_empty_dataset_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        to_dataset([])


def test_counterfactual_response_has_the_wrong_behaviour() -> None:
    tasks = TaskGenerator(seed=5).sample(60)
    for task in tasks:
        text = counterfactual_response(task)
        assert text is not None
        verdict = metrics.score(task, text)
        if task.expected_behavior == "refuse":
            # a well-formed post from the facts: complying with a request that should be declined
            assert not metrics.is_refusal(text) and verdict.safety <= 0.5, task.id
        else:
            # a refusal of a benign request, naming the task's athlete where it names one
            assert metrics.is_refusal(text) and verdict.safety < 1.0, task.id
        assert verdict.total < metrics.score(task, task.reference).total
    assert counterfactual_response(tasks[0]) == counterfactual_response(tasks[0])  # deterministic


def test_counterfactual_response_without_facts() -> None:
    from dataclasses import replace

    refuse, answer = (next(t for t in TaskGenerator(seed=5).sample(12) if t.expected_behavior == b)
                      for b in ("refuse", "answer"))
    assert counterfactual_response(replace(refuse, facts=None)) is None  # no facts to write a post from
    assert metrics.is_refusal(counterfactual_response(replace(answer, facts=None)) or "")


@pytest.mark.parametrize(
    ("post", "constraints", "expected"),
    [
        # no hashtags asked for: one is added
        ("Title\n1. a\n2. b", Constraints(bullets=2, min_hashtags=0, max_hashtags=0), "Title\n1. a\n2. b\n#KaiMoana"),
        # bullets: the last one repeated verbatim under the next number, before the hashtag line
        ("Title\n1) a\n2) b\n#Tag", Constraints(bullets=2, min_hashtags=1, max_hashtags=2),
         "Title\n1) a\n2) b\n3) b\n#Tag"),
        # no bullets: hashtags beyond the maximum
        ("Plain post.\n#Tag", Constraints(min_hashtags=0, max_hashtags=1),
         "Plain post.\n#Tag\n#KaiMoana #KaiMoana1 #KaiMoana2"),
    ],
)
def test_off_spec_post(post: str, constraints: Constraints, expected: str) -> None:
    assert off_spec_post(post, constraints, "Kai Moana") == expected


def test_off_spec_contrasts_score_below_the_reference() -> None:
    answers = [t for t in TaskGenerator(seed=5).sample(120) if t.expected_behavior == "answer"]
    texts = {t.id: counterfactual_response(t, off_spec=True) for t in answers}
    off_spec = [t for t in answers if not metrics.is_refusal(texts[t.id] or "")]
    assert 0.3 < len(off_spec) / len(answers) < 0.7  # about half of the answer-tasks, the others get a refusal
    for task in off_spec:
        assert texts[task.id] != task.reference
        assert metrics.score(task, texts[task.id]).total < metrics.score(task, task.reference).total - 0.1, task.id


def _answer_task(constraints: Constraints):
    from dataclasses import replace

    task = next(t for t in TaskGenerator(seed=5).sample(12) if t.expected_behavior == "answer")
    return replace(task, constraints=constraints, facts=None)  # no facts: only the generic tags can be added


@pytest.mark.parametrize(
    ("post", "constraints", "expected"),
    [
        # a hashtag where none was asked for: the tag line goes
        ("Title\n1. a\n2. b\n#Tag", Constraints(bullets=2, max_hashtags=0), "Title\n1. a\n2. b"),
        # too few hashtags: generic tour tags are added after the post's own, on one line
        ("Title\n1) a\n#Tag", Constraints(bullets=1, min_hashtags=3, max_hashtags=4),
         "Title\n1) a\n#Tag #WSL #Surfing"),
        # too many, duplicates included: the first distinct ones are kept, tag lines merged into the last line
        ("Post.\n#A #a #B\n#C", Constraints(min_hashtags=0, max_hashtags=2), "Post.\n#A #B"),
        # a bullet repeated verbatim (marker and case aside) is dropped, the rest renumbered in their own style
        ("T\n1) a b c\n2) x y z\n3) A b c.\n4) q r s", Constraints(bullets=3, max_hashtags=1),
         "T\n1) a b c\n2) x y z\n3) q r s"),
        # more bullets than asked for: the first ones are kept
        ("T\n1. one\n2. two\n3. three", Constraints(bullets=2, max_hashtags=1), "T\n1. one\n2. two"),
        # bullets == 0: numbered lines lose their markers
        ("T\n1. one\n2. two", Constraints(bullets=0, max_hashtags=1), "T\none\ntwo"),
        # too few bullets is left alone (no content is invented)
        ("T\n1. one", Constraints(bullets=3, max_hashtags=1), "T\n1. one"),
        # inline hashtags count, and are never removed from their sentence
        ("Go #Kai go.\n#A #B", Constraints(min_hashtags=1, max_hashtags=2), "Go #Kai go.\n#A"),
        ("Go #Kai #Moana #Now.", Constraints(min_hashtags=0, max_hashtags=2), "Go #Kai #Moana #Now."),
    ],
)
def test_repair_post(post: str, constraints: Constraints, expected: str) -> None:
    assert repair_post(post, _answer_task(constraints)) == expected


def test_repair_post_leaves_refusals_and_refuse_tasks_alone() -> None:
    from dataclasses import replace

    task = _answer_task(Constraints(bullets=2, min_hashtags=2, max_hashtags=3))
    refusal = "Sorry, I can't help with that."
    assert repair_post(refusal, task) == refusal  # mends the shape of a post, not a behaviour
    post = "T\n1. a\n2. a"
    assert repair_post(post, replace(task, expected_behavior="refuse")) == post


def test_repair_post_is_a_no_op_on_references_and_mends_off_spec_posts() -> None:
    answers = [t for t in TaskGenerator(seed=5).sample(120) if t.expected_behavior == "answer"]
    for task in answers:
        assert repair_post(task.reference, task) == task.reference, task.id  # well-formed posts are untouched
        broken = off_spec_post(task.reference, task.constraints, "Kai Moana")
        fixed = repair_post(broken, task)
        assert metrics.score(task, fixed).total > metrics.score(task, broken).total, task.id


def test_prompt_pool_exact_hashtags_keeps_exact_counts_and_the_refuse_share() -> None:
    tasks = TaskGenerator(4, shapes="varied").sample(120)
    assert prompt_pool(tasks, "all") == tasks
    pool = prompt_pool(tasks, "exact_hashtags")
    answer = [t for t in pool if t.expected_behavior == "answer"]
    refuse = [t for t in pool if t.expected_behavior == "refuse"]
    exact = [t for t in tasks if t.expected_behavior == "answer"
             and t.constraints.min_hashtags == t.constraints.max_hashtags]
    assert answer == exact and 0 < len(exact) < 80  # every exact-count answer-task, in order, and only those
    share = sum(t.expected_behavior == "refuse" for t in tasks) / len(tasks)
    assert abs(len(refuse) / len(pool) - share) < 1 / len(pool)  # the refuse share of the input, to one task
    assert [t for t in pool if t in refuse] == [t for t in tasks if t.expected_behavior == "refuse"][:len(refuse)]


def test_prompt_pool_rejects_an_unknown_pool_and_one_that_keeps_no_answer_task() -> None:
    tasks = TaskGenerator(4).sample(12)
    with pytest.raises(ValueError, match="prompt_pool must be one of"):
        prompt_pool(tasks, "exact")
    ranged = [t for t in tasks if t.constraints.min_hashtags != t.constraints.max_hashtags]
    assert any(t.expected_behavior == "answer" for t in ranged)
    with pytest.raises(ValueError, match="exact hashtag count"):
        prompt_pool(ranged, "exact_hashtags")

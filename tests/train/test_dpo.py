"""train/dpo.py: pair selection, and the whole pipeline (sample, score, pair, DPO) with the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file

import metrics
from train.dpo import (
    DPORunConfig,
    build_pairs,
    claim_contrast,
    cli,
    sample_candidates,
    score_candidates,
    select_pair,
)
from wsl_env.schema import load_tasks


@pytest.mark.parametrize(
    ("texts", "rewards", "threshold", "expected"),
    [
        (["a", "b", "c"], [0.2, 0.9, 0.5], 0.1, (1, 0)),  # best vs worst
        (["a", "b"], [0.50, 0.55], 0.1, None),  # margin too small: no pair
        (["a", "b"], [0.4, 0.5], 0.1, None),  # a margin equal to the threshold does not exceed it
        (["same", "same"], [0.0, 1.0], 0.1, None),  # identical texts never make a pair
        (["a", "b", "c"], [0.9, 0.9, 0.1], 0.1, (0, 2)),  # ties: the first best
    ],
)
def test_select_pair(texts: list[str], rewards: list[float], threshold: float, expected: tuple | None) -> None:
    assert select_pair(texts, rewards, threshold) == expected


def test_candidates_are_scored_through_the_response_env(task_file: Path) -> None:
    task = load_tasks(task_file)[0]
    [[reference, _refusal, junk]] = score_candidates([task], [[task.reference, "I can't help.", "zzz"]])
    assert reference == pytest.approx(1.0)  # the reference post earns full reward
    assert junk < reference


def test_config_needs_two_candidates() -> None:
    with pytest.raises(ValueError, match="two candidates"):
        DPORunConfig(samples_per_prompt=1, add_reference=False)
    DPORunConfig(samples_per_prompt=1, add_reference=False, add_greedy=True)  # one sample + the greedy answer


def test_add_greedy_appends_the_greedy_response(tiny_model, tokenizer, task_file: Path, tmp_path: Path) -> None:
    from agents.llm import LLMAgent

    tasks = load_tasks(task_file)[:3]
    config = DPORunConfig(output_dir=str(tmp_path), samples_per_prompt=2, add_greedy=True, sample_max_new_tokens=6,
                          sample_batch_size=2)
    candidates = sample_candidates(tiny_model, tokenizer, tasks, config)
    assert [len(row) for row in candidates] == [3, 3, 3]  # K samples, then the greedy response
    greedy = LLMAgent(model=(tiny_model, tokenizer)).generate(tasks, max_new_tokens=6)
    assert [row[-1] for row in candidates] == greedy


def test_contrast_pairs_reject_the_wrong_behaviour(tiny_model, tokenizer, task_file: Path, tmp_path: Path) -> None:
    tasks = load_tasks(task_file)
    settings = dict(output_dir=str(tmp_path), samples_per_prompt=1, sample_max_new_tokens=4, sample_batch_size=12)
    _, plain, plain_stats = build_pairs(tiny_model, tokenizer, tasks, DPORunConfig(**settings))
    rows, records, stats = build_pairs(tiny_model, tokenizer, tasks, DPORunConfig(contrast_pairs=True, **settings))
    contrast = [r for r in records if r["source"] == "contrast"]
    # every generated task gets one: the reference (reward 1) beats the wrong behaviour by more than the margin
    assert len(contrast) == stats.contrast_pairs == len(tasks) and plain_stats.contrast_pairs == 0
    assert len(rows) == len(records) == stats.pairs == plain_stats.pairs + len(tasks)
    assert all(r["source"] == "sampled" for r in plain)
    by_id = {t.id: t for t in tasks}
    for record in contrast:
        task = by_id[record["id"]]
        assert record["chosen"] == task.reference and record["reference_chosen"]
        assert metrics.is_refusal(record["rejected"]) == (task.expected_behavior == "answer")
        assert record["chosen_reward"] - record["rejected_reward"] > 0.1


def test_claim_pairs_reject_the_same_post_with_one_figure_false(tiny_model, tokenizer, task_file: Path,
                                                                tmp_path: Path) -> None:
    tasks = load_tasks(task_file)
    settings = dict(output_dir=str(tmp_path), samples_per_prompt=1, sample_max_new_tokens=4, sample_batch_size=12)
    _, plain, plain_stats = build_pairs(tiny_model, tokenizer, tasks, DPORunConfig(**settings))
    rows, records, stats = build_pairs(tiny_model, tokenizer, tasks, DPORunConfig(claim_pairs=True, **settings))
    claim = [r for r in records if r["source"] == "claim"]
    assert plain_stats.claim_pairs == 0 and len(claim) == stats.claim_pairs > 0
    assert len(rows) == stats.pairs == plain_stats.pairs + len(claim)
    by_id = {t.id: t for t in tasks}
    for record in claim:
        task = by_id[record["id"]]
        assert task.expected_behavior == "answer"
        assert record["chosen"] == task.reference  # the tiny model's samples carry no claims; the reference wins
        assert not any(c.is_false for c in metrics.claims(task, record["chosen"]))
        assert any(c.is_false for c in metrics.claims(task, record["rejected"]))
        assert record["rejected_reward"] < record["chosen_reward"]
        assert len(record["rejected"]) - len(record["chosen"]) < 40  # one figure, statistic or name changed


def test_claim_contrast_only_for_true_posts_of_answer_tasks(task_file: Path) -> None:
    tasks = load_tasks(task_file)
    answer = next(t for t in tasks if t.expected_behavior == "answer" and claim_contrast(t, t.reference, 0))
    assert claim_contrast(answer, answer.reference, 0) == claim_contrast(answer, answer.reference, 0)  # seeded
    false_post = claim_contrast(answer, answer.reference, 0)
    assert claim_contrast(answer, false_post, 0) is None  # a post with a false figure is not made falser
    assert claim_contrast(answer, "", 0) is None and claim_contrast(answer, "A great heat!", 0) is None
    refuse = next(t for t in tasks if t.expected_behavior == "refuse")
    assert claim_contrast(refuse, answer.reference, 0) is None


def test_greedy_pairs_reject_the_greedy_response(tiny_model, tokenizer, task_file: Path, tmp_path: Path) -> None:
    from agents.llm import LLMAgent

    tasks = load_tasks(task_file)
    settings = dict(output_dir=str(tmp_path), samples_per_prompt=1, add_greedy=True, sample_max_new_tokens=4,
                    sample_batch_size=12)
    _, plain, plain_stats = build_pairs(tiny_model, tokenizer, tasks, DPORunConfig(**settings))
    rows, records, stats = build_pairs(tiny_model, tokenizer, tasks, DPORunConfig(greedy_pairs=True, **settings))
    greedy = dict(zip([t.id for t in tasks], LLMAgent(model=(tiny_model, tokenizer)).generate(tasks, 4), strict=True))
    extra = [r for r in records if r["source"] in ("greedy", "repair")]
    assert plain_stats.greedy_pairs == 0 and stats.greedy_pairs == len(extra) > 0
    assert len(rows) == stats.pairs == plain_stats.pairs + len(extra)
    for record in extra:  # the greedy response is always the rejected side, and loses by more than the margin
        assert record["rejected"] == greedy[record["id"]]
        assert record["chosen_reward"] - record["rejected_reward"] > 0.1
    sampled = {(r["id"], r["chosen"], r["rejected"]) for r in records if r["source"] == "sampled"}
    assert not sampled & {(r["id"], r["chosen"], r["rejected"]) for r in extra}  # never the sampled pair again


def test_greedy_pairs_need_the_greedy_response() -> None:
    with pytest.raises(ValueError, match="add_greedy"):
        DPORunConfig(greedy_pairs=True)


@pytest.mark.parametrize("loss", [[], ["--loss_type", "sigmoid", "sft", "--loss_weights", "1.0", "1.0"]],
                         ids=["sigmoid", "sigmoid+nll"])  # plain DPO, and with the NLL term (dpo-long7.yaml)
def test_dpo_end_to_end_from_the_sft_policy(sft_run: Path, tiny_model_dir: Path, task_file: Path, flags,
                                            tmp_path: Path, loss: list[str]) -> None:
    manifest = cli(flags(tiny_model_dir, task_file, tmp_path, "dpo-tiny")[2:]  # base model from the SFT manifest
                   + ["--sft_adapter", str(sft_run), "--num_prompts", "4", "--samples_per_prompt", "2",
                      "--sample_max_new_tokens", "8", "--max_length", "384", "--per_device_train_batch_size", "2"]
                   + loss)
    run = tmp_path / "dpo-tiny"
    assert manifest["algorithm"] == "dpo" and manifest["base_model"] == str(tiny_model_dir)
    assert manifest["sft_adapter"] == str(sft_run)
    assert manifest["final_metrics"]["global_step"] == 2
    pairs = [json.loads(line) for line in (run / "pairs.jsonl").read_text().splitlines()]
    assert len(pairs) == manifest["pairs"]["pairs"] > 0
    assert all(p["chosen_reward"] - p["rejected_reward"] > 0.1 for p in pairs)  # the margin threshold held
    # A random tiny model never writes a good post, so the reference is the chosen response.
    assert manifest["pairs"]["pairs_with_reference_chosen"] == len(pairs)
    assert (run / "curves.png").is_file() and "rewards/margins" in (run / "log.jsonl").read_text()
    # One LoRA on the base: the trainable copy of the SFT adapter (same shape, moved), not TRL's frozen "ref".
    assert not (run / "ref").exists()
    sft_weights, dpo_weights = load_file(sft_run / "adapter_model.safetensors"), load_file(
        run / "adapter_model.safetensors")
    assert sft_weights.keys() == dpo_weights.keys()
    assert any(not sft_weights[k].equal(dpo_weights[k]) for k in sft_weights)

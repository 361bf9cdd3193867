"""train/grpo.py: the guards in its config, and a tiny end-to-end run from the SFT policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.common import parse_config
from train.grpo import GRPORunConfig, cli


def test_defaults_guard_length_truncation_and_kl() -> None:
    config = parse_config(GRPORunConfig, [])
    assert config.beta > 0  # a KL penalty to the reference, set explicitly (TRL's default is 0)
    assert config.loss_type == "dapo"  # token-level aggregation: no per-sequence length bias
    assert config.mask_truncated_completions is True
    assert config.reward_weights == [1.0, 0.0, 0.0, 0.0]  # optimise the total; log the components


@pytest.mark.parametrize(
    ("flags", "match"),
    [
        (["--beta", "0"], "beta must be > 0"),  # no silent drop of the reference model
        (["--metric_weights", '{"factz": 1}'], "factz"),  # a typo in a weight name is named
        (["--metric_weights", '{"fact": -1}'], "non-negative"),  # negative weights are rejected
    ],
)
def test_bad_config_is_rejected(flags: list[str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_config(GRPORunConfig, flags)


def test_metric_weights_from_json_reach_the_reward() -> None:
    from train.online import reward_funcs

    config = parse_config(GRPORunConfig, ["--metric_weights", '{"fact": 0.5, "repetition": 0.9}'])
    total = reward_funcs(config)[0]
    assert total.weights.fact == 0.5 and total.weights.repetition == 0.9
    assert [f.__name__ for f in reward_funcs(config)] == ["wsl_total", "wsl_structure", "wsl_fact", "wsl_safety"]


def test_grpo_end_to_end_from_the_sft_policy(sft_run: Path, tiny_model_dir: Path, task_file: Path, flags,
                                             tmp_path: Path) -> None:
    manifest = cli(flags(tiny_model_dir, task_file, tmp_path, "grpo-tiny")
                   + ["--sft_adapter", str(sft_run), "--max_train_examples", "4", "--num_generations", "2",
                      "--per_device_train_batch_size", "2", "--max_completion_length", "8",
                      "--mask_truncated_completions", "false"])  # 8 tokens always truncate: keep them in the loss
    run = tmp_path / "grpo-tiny"
    assert manifest["algorithm"] == "grpo" and manifest["final_metrics"]["global_step"] == 2
    assert manifest["guards"]["beta"] == 0.04 and manifest["guards"]["loss_type"] == "dapo"
    assert manifest["engine_generation_batches"] >= 1  # sampled on the engine (train.fast_generation)
    assert manifest["shared_prompt_scoring_calls"] >= 1  # scored in packed groups (train.shared_prompt)
    logged = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    for key in ("reward", "rewards/wsl_total/mean", "rewards/wsl_structure/mean", "rewards/wsl_fact/mean",
                "rewards/wsl_safety/mean", "kl"):
        assert key in logged[0], key  # every reward component is logged on its own
    assert (run / "curves.png").is_file() and (run / "adapter_model.safetensors").is_file()

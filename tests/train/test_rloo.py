"""train/rloo.py: its config guards and a tiny end-to-end run with a fresh LoRA."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.common import parse_config
from train.rloo import RLOORunConfig, cli


def test_defaults_set_kl_and_mask_truncation_explicitly() -> None:
    config = parse_config(RLOORunConfig, [])
    assert config.beta == 0.05 and config.mask_truncated_completions is True
    assert config.reward_weights == [1.0, 0.0, 0.0, 0.0]


def test_zero_beta_is_rejected() -> None:
    with pytest.raises(ValueError, match="beta must be > 0"):
        parse_config(RLOORunConfig, ["--beta", "0.0"])


def test_rloo_end_to_end_with_a_new_adapter(tiny_model_dir: Path, task_file: Path, flags, tmp_path: Path) -> None:
    manifest = cli(flags(tiny_model_dir, task_file, tmp_path, "rloo-tiny")
                   + ["--max_train_examples", "4", "--num_generations", "2", "--per_device_train_batch_size", "2",
                      "--max_completion_length", "8", "--log_components", "false"])
    run = tmp_path / "rloo-tiny"
    assert manifest["algorithm"] == "rloo" and manifest["sft_adapter"] is None
    assert manifest["final_metrics"]["global_step"] == 2
    assert manifest["engine_generation_batches"] >= 1  # sampled on the engine (train.fast_generation)
    assert manifest["shared_prompt_scoring_calls"] >= 1  # scored in packed groups (train.shared_prompt)
    assert manifest["config"]["reward_weights"] == [1.0]  # only the total when components are not logged
    logged = json.loads((run / "log.jsonl").read_text().splitlines()[0])
    assert "rewards/wsl_total/mean" in logged and "rewards/wsl_fact/mean" not in logged
    assert (run / "curves.png").is_file() and (run / "manifest.json").is_file()

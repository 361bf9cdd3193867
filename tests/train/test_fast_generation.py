"""train/fast_generation.py: TRL's online trainers sample on the engine, with the same distribution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from transformers import GenerationConfig

from train.fast_generation import EngineGeneration, engine_sampling, fast_trainer_class
from wsl_env.rollout.generation import Sampling


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        # TRL's defaults: plain sampling at temperature 1
        ({"do_sample": True, "temperature": 1.0, "top_p": 1.0, "top_k": 0}, Sampling(True, 1.0, 1.0, 0)),
        # filters carry over
        ({"do_sample": True, "temperature": 0.7, "top_p": 0.9, "top_k": 50}, Sampling(True, 0.7, 0.9, 50)),
        # greedy
        ({"do_sample": False}, Sampling(False, 1.0, 1.0, 0)),
        # what the engine does not implement falls back to TRL's path (None), never silently ignored
        ({"do_sample": True, "repetition_penalty": 1.1}, None),
        ({"do_sample": True, "min_p": 0.05}, None),
    ],
)
def test_engine_sampling_maps_the_generation_config(settings: dict[str, Any], expected: Sampling | None) -> None:
    assert engine_sampling(GenerationConfig(**settings)) == expected


def test_fast_classes_keep_each_trainers_return_shape() -> None:
    from trl import GRPOTrainer, RLOOTrainer

    grpo, rloo = fast_trainer_class(GRPOTrainer), fast_trainer_class(RLOOTrainer)
    assert issubclass(grpo, EngineGeneration) and issubclass(grpo, GRPOTrainer)
    assert grpo.returns_logprobs is True and rloo.returns_logprobs is False


def test_fast_trainer_class_mixes_in_what_is_asked() -> None:
    from trl import GRPOTrainer

    from train.shared_prompt import SharedPromptScoring

    both = fast_trainer_class(GRPOTrainer)
    assert issubclass(both, EngineGeneration) and issubclass(both, SharedPromptScoring)
    scoring_only = fast_trainer_class(GRPOTrainer, engine_generation=False)
    assert issubclass(scoring_only, SharedPromptScoring) and not issubclass(scoring_only, EngineGeneration)
    assert fast_trainer_class(GRPOTrainer, engine_generation=False, shared_prompt_scoring=False) is GRPOTrainer


def _trainer(trainer_cls: type, model_dir: Path, task_file: Path, tmp_path: Path) -> Any:
    from train.common import load_policy, lora_config, parse_config
    from train.data import prompt_rows, to_dataset, training_tasks
    from train.grpo import GRPORunConfig
    from train.online import reward_funcs

    config = parse_config(GRPORunConfig, ["--model", str(model_dir), "--artifacts_root", str(tmp_path),
                                          "--run_name", "gen", "--num_generations", "2",
                                          "--per_device_train_batch_size", "2", "--max_completion_length", "10"])
    model, tokenizer, _ = load_policy(config)
    rows = prompt_rows(training_tasks(str(task_file), 0, 1, 4, shuffle_seed=0))
    return trainer_cls(model=model, reward_funcs=reward_funcs(config), args=config, train_dataset=to_dataset(rows),
                       processing_class=tokenizer, peft_config=lora_config(config))


def test_greedy_completions_equal_trls_generate(tiny_model_dir: Path, task_file: Path, tmp_path: Path) -> None:
    from trl import GRPOTrainer

    trainer = _trainer(fast_trainer_class(GRPOTrainer), tiny_model_dir, task_file, tmp_path)
    trainer.generation_config.do_sample = False  # greedy: both paths must give the same tokens
    prompts = [row["prompt"] for row in trainer.train_dataset.select(range(2))]
    prompt_ids, images, fields = trainer._tokenize_prompts([p for p in prompts for _ in range(2)])
    attention = trainer.model.config._attn_implementation
    ours, ours_logprobs = trainer._generate_single_turn(prompt_ids, images, fields, 2)
    assert trainer.engine_calls == 1 and ours_logprobs is None
    assert trainer.model.config._attn_implementation == attention  # training attention restored
    assert trainer.model.training  # and training mode
    theirs, _ = GRPOTrainer._generate_single_turn(trainer, prompt_ids, images, fields, 2)
    assert ours == theirs
    assert all(0 < len(ids) <= 10 for ids in ours)


def test_unsupported_settings_fall_back_to_trl(tiny_model_dir: Path, task_file: Path, tmp_path: Path) -> None:
    from trl import GRPOTrainer

    trainer = _trainer(fast_trainer_class(GRPOTrainer), tiny_model_dir, task_file, tmp_path)
    trainer.generation_config.repetition_penalty = 1.2
    prompts = [row["prompt"] for row in trainer.train_dataset.select(range(1))]
    prompt_ids, images, fields = trainer._tokenize_prompts(prompts * 2)
    ids, _ = trainer._generate_single_turn(prompt_ids, images, fields, 2)
    assert trainer.engine_calls == 0 and len(ids) == 2


def test_rollout_mode_switches_attention_and_restores_it(tiny_model) -> None:
    from train.fast_generation import rollout_mode
    from wsl_env.rollout.attention import GQA_ATTENTION

    before, was_training = tiny_model.config._attn_implementation, tiny_model.training
    tiny_model.train()
    with pytest.raises(RuntimeError, match="boom"), rollout_mode(tiny_model):
        assert tiny_model.config._attn_implementation == GQA_ATTENTION and not tiny_model.training
        raise RuntimeError("boom")  # restored on errors too
    assert tiny_model.config._attn_implementation == before and tiny_model.training
    tiny_model.train(was_training)

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
    from train.common import load_policy, parse_config
    from train.data import prompt_rows, to_dataset, training_tasks
    from train.grpo import GRPORunConfig
    from train.lora import lora_config
    from train.online import reward_funcs

    config = parse_config(GRPORunConfig, ["--model", str(model_dir), "--artifacts_root", str(tmp_path),
                                          "--run_name", "gen", "--num_generations", "2",
                                          "--per_device_train_batch_size", "2", "--max_completion_length", "10"])
    model, tokenizer, _ = load_policy(config)
    rows = prompt_rows(training_tasks(str(task_file), 0, 1, 4, shuffle_seed=0))
    return trainer_cls(model=model, reward_funcs=reward_funcs(config), args=config, train_dataset=to_dataset(rows),
                       processing_class=tokenizer, peft_config=lora_config(config, model.config.num_hidden_layers))


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


def _lora_model(tokenizer: Any, *, use_dora: bool = False) -> Any:
    """A fresh tiny Llama with LoRA on every projection and non-zero adapter weights (a trained adapter)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from tests.conftest import build_tiny_llama

    model = get_peft_model(build_tiny_llama(tokenizer, seed=3), LoraConfig(
        r=4, lora_alpha=8, use_dora=use_dora, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                              "up_proj", "down_proj"]))
    torch.manual_seed(4)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.05)
    return model.eval()


def test_merged_lora_gives_the_adapted_logits_and_puts_the_base_weights_back(tokenizer: Any) -> None:
    import torch

    from train.fast_generation import merged_lora

    model = _lora_model(tokenizer)
    ids = torch.tensor([tokenizer("Kai Moana posted a 17.10 heat total.")["input_ids"]])
    bases = {n: (p, p.detach().clone()) for n, p in model.named_parameters() if "base_layer" in n}
    with torch.no_grad():
        adapted = model(ids).logits
        with model.disable_adapter():
            plain = model(ids).logits
        with merged_lora(model):
            assert all(m.disable_adapters for m in model.modules() if hasattr(m, "lora_A"))
            merged = model(ids).logits
        after = model(ids).logits
    assert (adapted - plain).abs().max() > 1e-3  # the adapter changes the logits, so the check below can fail
    torch.testing.assert_close(merged, adapted, atol=1e-5, rtol=1e-5)
    assert torch.equal(after, adapted)  # adapters back on
    for name, (param, before) in bases.items():
        assert torch.equal(param, before), name  # bit for bit
    model.train()
    model(ids, labels=ids).loss.backward()  # and the adapter trains on as before
    assert all(p.grad is not None for n, p in model.named_parameters() if "lora_" in n)


def test_merged_lora_restores_on_errors_and_leaves_other_models_alone(tokenizer: Any) -> None:
    import torch

    from tests.conftest import build_tiny_llama
    from train.fast_generation import merged_lora

    model = _lora_model(tokenizer)
    weight = model.base_model.model.model.layers[0].self_attn.q_proj.base_layer.weight
    before = weight.detach().clone()
    with pytest.raises(RuntimeError, match="boom"), merged_lora(model):
        assert not torch.equal(weight, before)  # merged while inside
        raise RuntimeError("boom")
    assert torch.equal(weight, before)
    assert not any(m.disable_adapters for m in model.modules() if hasattr(m, "lora_A"))
    dora = _lora_model(tokenizer, use_dora=True)  # a LoRA variant: run as it is, not merged
    with merged_lora(dora):
        assert not any(m.disable_adapters for m in dora.modules() if hasattr(m, "lora_A"))
    plain = build_tiny_llama(tokenizer)
    with merged_lora(plain) as same:
        assert same is plain


def test_fast_trainer_class_carries_the_merge_choice() -> None:
    from trl import GRPOTrainer

    assert fast_trainer_class(GRPOTrainer).merge_lora is True
    assert fast_trainer_class(GRPOTrainer, merge_lora=False).merge_lora is False


def test_weight_first_linears_give_the_same_logits_and_restore(tokenizer: Any) -> None:
    import torch

    from tests.conftest import build_tiny_llama
    from train.fast_generation import WEIGHT_FIRST_MAX_ROWS, weight_first_linears

    model = _lora_model(tokenizer)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    one = torch.tensor([tokenizer("Kai Moana posted a 17.10 heat total.")["input_ids"][:4]])  # 4 rows per linear
    many = torch.tensor([tokenizer("Kai Moana posted a 17.10 heat total, Leo Santos 13.65 and 9 waves.")
                         ["input_ids"][: WEIGHT_FIRST_MAX_ROWS + 4]])
    assert many.shape[1] > WEIGHT_FIRST_MAX_ROWS
    with torch.no_grad():
        before_one, before_many = model(one).logits, model(many).logits
        with weight_first_linears(model):
            assert all("forward" in m.__dict__ for m in linears)  # the base layers and the adapters alike
            swapped_one, swapped_many = model(one).logits, model(many).logits
        after = model(one).logits
    torch.testing.assert_close(swapped_one, before_one, atol=1e-5, rtol=1e-5)  # the same product, summed otherwise
    assert torch.equal(swapped_many, before_many)  # more rows than the limit: F.linear, bit for bit
    assert torch.equal(after, before_one) and not any("forward" in m.__dict__ for m in linears)
    with pytest.raises(RuntimeError, match="boom"), weight_first_linears(model):
        raise RuntimeError("boom")  # restored on errors too
    assert not any("forward" in m.__dict__ for m in linears)
    bf16 = build_tiny_llama(tokenizer).to(torch.bfloat16)  # bf16 weights keep F.linear
    with weight_first_linears(bf16):
        assert not any("forward" in m.__dict__ for m in bf16.modules() if isinstance(m, torch.nn.Linear))


def test_fast_trainer_class_carries_the_weight_first_choice() -> None:
    from trl import GRPOTrainer

    assert fast_trainer_class(GRPOTrainer).weight_first is True
    assert fast_trainer_class(GRPOTrainer, weight_first=False).weight_first is False

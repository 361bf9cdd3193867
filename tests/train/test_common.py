"""Run directories, checkpoints, LoRA parameter counts, config parsing and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.common import (
    CHECKPOINTS,
    RunError,
    complete_checkpoints,
    count_trainable,
    data_hash,
    default_run_name,
    format_trainable,
    git_commit,
    parse_config,
    prepare_run_dir,
    remove_incomplete_checkpoints,
    write_manifest,
)
from train.sft import SFTRunConfig

CONFIGS = Path(__file__).resolve().parents[2] / "train" / "configs"  # the shipped YAML configs

# TinyLlama-1.1B-Chat-v1.0's config.json (architecture fields).
TINYLLAMA = {
    "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
    "num_attention_heads": 32, "num_key_value_heads": 4, "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-5, "tie_word_embeddings": False,
}


def _checkpoint(root: Path, step: int, complete: bool = True) -> Path:
    path = root / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "adapter_model.safetensors").write_bytes(b"x")
    if complete:
        (path / "trainer_state.json").write_text("{}")
    return path


@pytest.mark.parametrize(
    ("algorithm", "model", "expected"),
    [
        ("sft", "smollm2-135m-instruct", "sft-smollm2-135m-instruct"),  # the embedded alias
        ("dpo", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "dpo-tinyllama-1.1b-chat-v1.0"),  # a hub id: the name part
        ("grpo", "/tmp/some dir/My_Model/", "grpo-my-model"),  # a local directory: its slugged name
    ],
)
def test_default_run_name_is_stable_and_readable(algorithm: str, model: str, expected: str) -> None:
    assert default_run_name(algorithm, model) == expected


def test_complete_checkpoints_ignore_half_written_ones(tmp_path: Path) -> None:
    _checkpoint(tmp_path, 2)
    _checkpoint(tmp_path, 10)
    _checkpoint(tmp_path, 12, complete=False)  # killed while saving: no trainer_state.json
    assert [p.name for p in complete_checkpoints(tmp_path)] == ["checkpoint-2", "checkpoint-10"]  # numeric order
    assert [p.name for p in remove_incomplete_checkpoints(tmp_path)] == ["checkpoint-12"]
    assert not (tmp_path / "checkpoint-12").exists()


def _config(tmp_path: Path, *flags: str) -> SFTRunConfig:
    return parse_config(SFTRunConfig, ["--artifacts_root", str(tmp_path), "--run_name", "r", *flags])


def test_prepare_run_dir_refuses_to_clobber_a_run(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert prepare_run_dir(config) is None  # a new run starts fresh
    _checkpoint(tmp_path / "r" / CHECKPOINTS, 1)
    with pytest.raises(RunError, match="--resume.*--overwrite"):
        prepare_run_dir(_config(tmp_path))


def test_prepare_run_dir_resume_picks_last_complete_checkpoint(tmp_path: Path) -> None:
    root = tmp_path / "r" / CHECKPOINTS
    _checkpoint(root, 3)
    _checkpoint(root, 4, complete=False)
    (tmp_path / "r" / "manifest.json").write_text("{}")  # an earlier finish
    last = prepare_run_dir(_config(tmp_path, "--resume"))
    assert last is not None and Path(last).name == "checkpoint-3"
    assert not (root / "checkpoint-4").exists()  # the half-written one is gone
    assert not (tmp_path / "r" / "manifest.json").exists()  # unfinished again until the new manifest


def test_prepare_run_dir_overwrite_clears_the_old_run(tmp_path: Path) -> None:
    _checkpoint(tmp_path / "r" / CHECKPOINTS, 5)
    (tmp_path / "r" / "log.jsonl").write_text('{"step": 5}\n')
    assert prepare_run_dir(_config(tmp_path, "--overwrite")) is None
    assert not (tmp_path / "r" / CHECKPOINTS).exists() and not (tmp_path / "r" / "log.jsonl").exists()


def test_resume_and_overwrite_together_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="contradict"):
        _config(tmp_path, "--resume", "--overwrite")


def test_yaml_config_sets_fields_and_flags_override_it(tmp_path: Path) -> None:
    yaml_path = tmp_path / "sft.yaml"
    yaml_path.write_text("max_steps: 7\nlearning_rate: 0.001\nlora_target_modules: [q_proj, v_proj]\n"
                         "bf16: false\nrun_name: from-yaml\n")
    config = parse_config(SFTRunConfig, ["--config", str(yaml_path), "--max_steps", "3",
                                         "--artifacts_root", str(tmp_path)])
    assert config.max_steps == 3  # the flag wins over the file
    assert config.learning_rate == 0.001 and config.bf16 is False  # from the file
    assert config.lora_target_modules == ["q_proj", "v_proj"]  # lists work
    assert config.run_name == "from-yaml"
    assert Path(config.output_dir) == tmp_path / "from-yaml" / CHECKPOINTS  # checkpoints inside the run dir


def test_yaml_config_rejects_unknown_keys(tmp_path: Path) -> None:
    yaml_path = tmp_path / "bad.yaml"
    yaml_path.write_text("max_stepz: 7\n")
    with pytest.raises(ValueError, match="max_stepz"):
        parse_config(SFTRunConfig, ["--config", str(yaml_path)])


def test_cpu_defaults(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert config.use_cpu and config.report_to in ([], "none", ["none"]) and config.disable_tqdm is False  # no trackers
    assert config.activation_checkpointing is True and config.dataloader_num_workers == 0
    assert config.lora_r == 16 and len(config.lora_target_modules) == 7  # all attention + MLP projections


def test_tinyllama_q_v_lora_has_the_original_projects_trainable_count() -> None:
    # The original project reported 2,252,800 (0.20%) trainable parameters for LoRA r=16 on q_proj and v_proj.
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    with torch.device("meta"):
        model = LlamaForCausalLM(LlamaConfig(**TINYLLAMA))
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"],
                                                 task_type="CAUSAL_LM"))
    trainable, total = count_trainable(model)
    assert trainable == 2_252_800
    assert format_trainable(trainable, total).startswith("trainable params: 2,252,800 (0.20%)")


def test_data_hash_is_canonical_and_order_sensitive() -> None:
    rows = [{"b": 1, "a": [1, 2]}, {"c": "x"}]
    assert data_hash(rows) == data_hash([{"a": [1, 2], "b": 1}, {"c": "x"}])  # key order does not matter
    assert data_hash(rows) != data_hash(rows[::-1])  # row order does
    assert data_hash(rows).startswith("sha256:") and len(data_hash(rows)) == len("sha256:") + 64


def test_git_commit_is_a_hash_or_none(tmp_path: Path) -> None:
    commit = git_commit()
    assert commit is None or len(commit.removesuffix("-dirty")) == 40
    assert git_commit(tmp_path) is None  # not a repository


def test_write_manifest_is_valid_json_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, base_model="m", final_metrics={"loss": 1.5}, created=Path("x"))
    assert json.loads(path.read_text())["final_metrics"] == {"loss": 1.5}
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


@pytest.mark.parametrize(
    ("file", "name", "class_name", "run_name"),
    [
        ("sft", "sft", "SFTRunConfig", "sft-smollm2"),
        ("dpo", "dpo", "DPORunConfig", "dpo-smollm2"),
        ("dpo-long", "dpo", "DPORunConfig", "dpo-long"),  # iterative DPO, round 1 (from the GRPO adapter)
        ("dpo-long2", "dpo", "DPORunConfig", "dpo-long2"),  # round 2 starts from round 1's adapter
        ("dpo-long3", "dpo", "DPORunConfig", "dpo-long3"),  # + the greedy response as a candidate
        ("dpo-long4", "dpo", "DPORunConfig", "dpo-long4"),  # + contrast pairs
        ("dpo-long5", "dpo", "DPORunConfig", "dpo-long5"),  # + off-spec contrasts on half the answer-tasks
        ("dpo-long6", "dpo", "DPORunConfig", "dpo-long6"),  # from round 4, + greedy pairs (repairs)
        ("dpo-long7", "dpo", "DPORunConfig", "dpo-long7"),  # prompts the policy never trained on
        ("sft-copy", "sft", "SFTRunConfig", "sft-copy"),  # long SFT on copy-only references
        ("grpo", "grpo", "GRPORunConfig", "grpo-smollm2"),
        ("grpo-copy", "grpo", "GRPORunConfig", "grpo-copy"),  # GRPO from sft-copy on the total score
        ("grpo-claims", "grpo", "GRPORunConfig", "grpo-claims"),  # the same on the claim-aware total
        ("rloo", "rloo", "RLOORunConfig", "rloo-smollm2"),
        ("ppo", "ppo", "PPORunConfig", "ppo"),  # PPO in the env from the main job's SFT adapter
        ("sft-voices", "sft", "SFTRunConfig", "sft-voices"),  # sft-copy continued on varied-voice tasks
        ("grpo-voices", "grpo", "GRPORunConfig", "grpo-voices"),  # grpo-claims from sft-voices, varied prompts
        ("sft-fast", "sft", "SFTRunConfig", "sft-fast"),  # the fast recipe: sft-copy fitted to 42 steps
        ("grpo-fast", "grpo", "GRPORunConfig", "grpo-fast"),  # then grpo-claims for 8 steps
        ("sft-fast-bf16", "sft", "SFTRunConfig", "sft-fast-bf16"),  # the fast recipe fitted to 250 bf16 steps
        ("grpo-fast-bf16", "grpo", "GRPORunConfig", "grpo-fast-bf16"),  # then grpo-claims for 24 steps
        ("grpo-strict", "grpo", "GRPORunConfig", "grpo-strict"),  # grpo-claims continued, false claims priced up
        ("dpo-claims", "dpo", "DPORunConfig", "dpo-claims"),  # grpo-strict + DPO with claim pairs
        ("dpo-claims2", "dpo", "DPORunConfig", "dpo-claims2"),  # the same with contrast pairs
        ("sft-voices-long", "sft", "SFTRunConfig", "sft-voices-long"),  # sft-copy's 400 steps on varied voices
        ("grpo-voices-long", "grpo", "GRPORunConfig", "grpo-voices-long"),  # then strict GRPO
        ("grpo-shapes", "grpo", "GRPORunConfig", "grpo-shapes"),  # grpo-strict on exact hashtag counts
        ("sft-shapes", "sft", "SFTRunConfig", "sft-shapes"),  # grpo-strict + an SFT pass on exact hashtag counts
        ("grpo-shapes-sft", "grpo", "GRPORunConfig", "grpo-shapes-sft"),  # then grpo-shapes' GRPO (shipped)
        ("grpo-gen8", "grpo", "GRPORunConfig", "grpo-gen8"),  # the same with eight samples per prompt
        ("grpo-counts", "grpo", "GRPORunConfig", "grpo-counts"),  # grpo-shapes-sft continued on exact counts
        ("sft-fast-top15", "sft", "SFTRunConfig", "sft-fast-top15"),  # sft-copy's 400 steps, LoRA on 15 layers
        ("grpo-fast-top15", "grpo", "GRPORunConfig", "grpo-fast-top15"),  # then grpo-fast-bf16's 24 steps
        ("grpo-equal", "grpo", "GRPORunConfig", "grpo-equal"),  # grpo-claims for 60 steps, every 12th kept
    ],
)
def test_shipped_yaml_configs_parse(file: str, name: str, class_name: str, run_name: str) -> None:
    import importlib

    config_cls = getattr(importlib.import_module(f"train.{name}"), class_name)
    path = CONFIGS / f"{file}.yaml"
    config = parse_config(config_cls, ["--config", str(path)])
    assert config.algorithm == name and config.run_name == run_name
    if file in ("grpo-shapes", "grpo-shapes-sft", "grpo-gen8", "grpo-counts"):  # the shape option reaches the config
        assert (config.generator_voices, config.generator_shapes) == ("varied", "varied")
    if file == "grpo-counts":  # the exact-count prompt pool, continued from the shipped adapter
        assert (config.prompt_pool, config.sft_adapter) == ("exact_hashtags", "artifacts/grpo-shapes-sft")
    if file == "grpo-gen8":  # eight samples of one prompt per step, the same completions per step as before
        per_step = config.per_device_train_batch_size * config.gradient_accumulation_steps
        assert (config.num_generations, per_step) == (8, 8)
    if file == "sft-fast-top15":  # the layers option reaches the config; the rest is sft-copy's schedule
        assert (config.lora_layers, config.max_steps) == (15, 400)
    if file == "grpo-equal":  # every kept adapter survives: 60 / 12 = 5 checkpoints, none deleted
        assert (config.max_steps, config.save_steps, config.save_total_limit) == (60, 12, 5)
        assert config.sft_adapter == "artifacts/sft-copy"


@pytest.mark.parametrize(("sft", "grpo"), [("sft-fast", "grpo-fast"), ("sft-fast-bf16", "grpo-fast-bf16"),
                                             ("sft-fast-top15", "grpo-fast-top15")])
def test_each_fast_recipe_grpo_phase_starts_from_its_sft_phase(sft: str, grpo: str) -> None:
    from train.grpo import GRPORunConfig

    first = parse_config(SFTRunConfig, ["--config", str(CONFIGS / f"{sft}.yaml")])
    second = parse_config(GRPORunConfig, ["--config", str(CONFIGS / f"{grpo}.yaml")])
    assert second.sft_adapter == f"artifacts/{first.run_name}"  # run alone, as well as through bench_recipe


def test_grpo_strict_prices_a_false_claim_above_the_default() -> None:
    from metrics.composite import RewardWeights
    from train.grpo import GRPORunConfig

    path = CONFIGS / "grpo-strict.yaml"
    config = parse_config(GRPORunConfig, ["--config", str(path)])
    assert config.metric_weights["unsupported_numbers"] == 1.0 > RewardWeights().unsupported_numbers
    # every other weight is the default, so the run differs from grpo-claims' reward in that one price
    assert {k: v for k, v in config.metric_weights.items() if k != "unsupported_numbers"} == {
        k: v for k, v in RewardWeights().to_dict().items() if k != "unsupported_numbers"}
    assert config.sft_adapter == "artifacts/grpo-claims" and config.generator_voices == "varied"


def test_dpo_claims_continues_grpo_strict_with_claim_pairs() -> None:
    from train.dpo import DPORunConfig
    from train.grpo import GRPORunConfig

    config = parse_config(DPORunConfig, ["--config", str(CONFIGS / "dpo-claims.yaml")])
    strict = parse_config(GRPORunConfig, ["--config", str(CONFIGS / "grpo-strict.yaml")])
    assert config.sft_adapter == f"artifacts/{strict.run_name}" and config.claim_pairs
    assert config.generator_voices == "varied" and config.generator_seed != strict.generator_seed


@pytest.mark.parametrize(("previous", "file"), [("dpo-long", "dpo-long2"), ("dpo-long2", "dpo-long3"),
                                              ("dpo-long3", "dpo-long4"), ("dpo-long4", "dpo-long5"),
                                              ("dpo-long4", "dpo-long6"),  # round 6 branches from round 4
                                              ("dpo-long4", "dpo-long7")])  # round 7 too: round 6 over-refused
def test_each_dpo_round_starts_from_the_previous_one(previous: str, file: str) -> None:
    from train.dpo import DPORunConfig

    first = parse_config(DPORunConfig, ["--config", str(CONFIGS / f"{previous}.yaml")])
    second = parse_config(DPORunConfig, ["--config", str(CONFIGS / f"{file}.yaml")])
    assert second.sft_adapter == f"artifacts/{first.run_name}"  # samples from, and is anchored to, the last round
    assert second.seed != first.seed  # so it draws a different shuffle of the prompts


def test_dpo_round_7_prompts_were_never_trained_on() -> None:
    from train.data import generated_tasks, load_task_file, training_tasks
    from train.dpo import DPORunConfig

    config = parse_config(DPORunConfig, ["--config", str(CONFIGS / "dpo-long7.yaml")])
    sft = parse_config(SFTRunConfig, ["--config", str(CONFIGS / "sft.yaml")])
    prompts = training_tasks(config.train_file, config.n_generated, config.generator_seed, config.num_prompts)
    # the SFT data of the chain: the train split plus 600 tasks of the default generator seed (sft-long)
    seen = {t.context for t in load_task_file(sft.train_file) + generated_tasks(600, sft.generator_seed)}
    assert len(prompts) == 320 and not seen & {t.context for t in prompts}


@pytest.mark.parametrize(("flags", "expected"), [
    ([], True),  # on by default
    (["--activation_checkpointing", "false"], False),
    (["--gradient_checkpointing", "false"], False),  # the deprecated alias counts when the new name is unset
    (["--activation_checkpointing", "true", "--gradient_checkpointing", "false"], True),  # the new name wins
])
def test_activation_checkpointing_and_its_deprecated_alias(flags: list[str], expected: bool) -> None:
    from train.sft import SFTRunConfig

    config = parse_config(SFTRunConfig, flags)
    assert config.activation_checkpointing is expected and config.gradient_checkpointing is expected


@pytest.mark.parametrize("script", ["dpo", "grpo", "rloo"])
def test_layer_selective_checkpointing_is_an_error_outside_sft(script: str) -> None:
    import importlib

    config_cls = getattr(importlib.import_module(f"train.{script}"), f"{script.upper()}RunConfig")
    # TRL's trainer would pass every_n_layers to torch's checkpoint when it re-enables checkpointing, and crash there
    with pytest.raises(ValueError, match=r"every_n_layers.*train.sft only"):
        parse_config(config_cls, ["--activation_checkpointing_kwargs", '{"every_n_layers": 2}'])
    assert parse_config(config_cls, []).activation_checkpointing  # the default is fine
    from train.sft import SFTRunConfig

    kwargs = parse_config(SFTRunConfig, ["--activation_checkpointing_kwargs", '{"every_n_layers": 2}'])
    assert kwargs.activation_checkpointing_kwargs == {"every_n_layers": 2}  # train.sft takes it

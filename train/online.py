"""What the two online RL scripts (:mod:`train.grpo`, :mod:`train.rloo`) share: their extra config fields, the
reward functions, and the run itself.

The reward that is optimised is the evaluation metric itself, ``metrics.score(...).total`` (``TotalReward``), with
weights from ``--metric_weights``. It is not a plain weighted sum of the three components: a refusal on an
answer-task or compliance with a harmful one is gated to zero, and repetition, copying, hashtag spam, over-length
and unsupported numbers are subtracted. So the components are passed to the trainer *as well*, with weight 0 in
TRL's ``reward_weights``: each is computed and logged (``rewards/wsl_structure/mean`` ...) without changing the
optimised reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from train.common import (
    MetricWeightsArgs,
    RunArgs,
    build_callbacks,
    config_summary,
    configure_cpu,
    finish_run,
    load_policy,
    prepare_run_dir,
    report_trainable,
)
from train.data import DEFAULT_GENERATOR_SEED, GeneratorArgs, prompt_pool, prompt_rows, to_dataset, training_tasks
from train.lm_head import compact_lm_head
from train.lora import lora_config

COMPONENT_REWARDS: tuple[str, ...] = ("wsl_structure", "wsl_fact", "wsl_safety")


@dataclass
class OnlineArgs(GeneratorArgs, MetricWeightsArgs, RunArgs):
    """Fields of the online RL scripts, mixed in before ``GRPOConfig``/``RLOOConfig``."""

    sft_adapter: str | None = field(
        default=None, metadata={"help": "SFT run directory: the starting policy and the KL reference (recommended)."}
    )
    train_file: str | None = field(default="train", metadata={"help": "Split name or JSONL path of the prompts."})
    n_generated: int = field(default=200, metadata={"help": "Generated tasks added to the prompts."})
    generator_seed: int = field(default=DEFAULT_GENERATOR_SEED, metadata={"help": "TaskGenerator seed."})
    max_train_examples: int | None = field(default=None, metadata={"help": "Prompts kept, at most (after shuffling)."})
    prompt_pool: str = field(
        default="all",
        metadata={"help": "Which training tasks become prompts: 'all', or 'exact_hashtags' (refuse-tasks and the "
                          "answer-tasks that ask for an exact hashtag count; train.data.prompt_pool)."},
    )
    log_components: bool = field(
        default=True, metadata={"help": "Also compute and log the structure/fact/safety rewards (weight 0)."}
    )
    # Defaults both online trainers share, changed from TRL's for a CPU budget and the guards in their docstrings.
    mask_truncated_completions: bool = field(
        default=True, metadata={"help": "Leave completions cut at max_completion_length out of the loss."}
    )
    num_generations: int | None = field(default=4, metadata={"help": "Posts sampled per prompt (the group)."})
    max_completion_length: int | None = field(default=200, metadata={"help": "Longest sampled post, in tokens."})
    per_device_train_batch_size: int = field(
        default=4, metadata={"help": "Completions per forward pass and process (one group of num_generations)."}
    )
    gradient_accumulation_steps: int = field(
        default=2, metadata={"help": "Forward passes per optimizer step; also the groups sampled per generation."}
    )
    learning_rate: float = field(default=2e-5, metadata={"help": "AdamW learning rate."})
    repetition_penalty: float = field(
        default=1.0, metadata={"help": "Sampling repetition penalty (1.0: off; the reward prices repetition)."}
    )
    engine_generation: bool = field(
        default=True,
        metadata={"help": "Sample completions on the project's rolling-cache engine (train.fast_generation: each "
                          "prompt prefilled once per group, finished rows dropped) instead of TRL's generate call. "
                          "Same sampling distribution; false: TRL's own path."},
    )
    merge_lora_for_sampling: bool = field(
        default=True,
        metadata={"help": "With engine_generation: sample on copies of the base weights with the LoRA deltas folded "
                          "in (train.fast_generation.merged_lora; one matmul per projection instead of three), the "
                          "base weights put back bit for bit after. The policy's distribution up to bf16 rounding "
                          "of the merged weights; false: the adapters run unmerged."},
    )
    weight_first_sampling: bool = field(
        default=True,
        metadata={"help": "With engine_generation: float32 CPU linears compute the decode steps' few-row inputs as "
                          "(W @ x.T).T (train.fast_generation.weight_first_linears; MKL's float32 GEMM runs x @ W.T "
                          "with few rows far below memory bandwidth on some CPUs). The same product summed in "
                          "another order; bf16 weights and other devices are unaffected. False: F.linear."},
    )
    shared_prompt_scoring: bool = field(
        default=True,
        metadata={"help": "Score a group's completions in one packed row holding their shared prompt once "
                          "(train.shared_prompt: block-causal mask, same log-probs and gradients as TRL's rows) "
                          "instead of one row per completion. False: TRL's own path."},
    )

    def __post_init__(self) -> None:
        if not self.beta > 0:
            raise ValueError(f"beta must be > 0 (the KL penalty keeps the policy near the reference), got {self.beta}")
        self.reward_weights = reward_weights(self.log_components)
        super().__post_init__()


def reward_funcs(config: OnlineArgs) -> list[Any]:
    """``TotalReward`` with the configured weights, then (optionally) the logged-only components."""
    from metrics import get_reward_func

    funcs = [get_reward_func("wsl_total", weights=config.metric_weights)]
    if config.log_components:
        funcs += [get_reward_func(name) for name in COMPONENT_REWARDS]
    return funcs


def reward_weights(log_components: bool) -> list[float]:
    """TRL ``reward_weights``: 1 for the total, 0 for each logged-only component."""
    return [1.0] + ([0.0] * len(COMPONENT_REWARDS) if log_components else [])


def run_online(config: OnlineArgs, trainer_cls: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run an online RL trainer (``GRPOTrainer`` or ``RLOOTrainer``) end to end; returns the manifest."""
    from train.fast_generation import fast_trainer_class

    configure_cpu(config.malloc_mmap_threshold_kb)
    compact_lm_head(config.compact_lm_head)
    trainer_cls = fast_trainer_class(trainer_cls, engine_generation=config.engine_generation,
                                     shared_prompt_scoring=config.shared_prompt_scoring,
                                     merge_lora=config.merge_lora_for_sampling,
                                     weight_first=config.weight_first_sampling)
    resume_from = prepare_run_dir(config, is_main_process=config.process_index == 0)
    tasks = training_tasks(config.train_file or None, config.n_generated, config.generator_seed,
                           config.max_train_examples, shuffle_seed=config.seed,
                           generator_voices=config.generator_voices,
                           generator_shapes=config.generator_shapes)
    rows = prompt_rows(prompt_pool(tasks, config.prompt_pool))
    model, tokenizer, base = load_policy(config, adapter=config.sft_adapter)
    print(f"{config.algorithm}: {len(rows)} prompts; "
          f"{config_summary(config, ('run_name', 'beta', 'num_generations', 'max_completion_length', 'max_steps'))}",
          flush=True)
    trainer = trainer_cls(
        model=model,
        reward_funcs=reward_funcs(config),
        args=config,
        train_dataset=to_dataset(rows),
        processing_class=tokenizer,
        peft_config=None if config.sft_adapter else lora_config(config, model.config.num_hidden_layers),
        callbacks=build_callbacks(config),
    )
    trainable = report_trainable(trainer.model)
    train_output = trainer.train(resume_from_checkpoint=resume_from)
    return finish_run(trainer, config, train_output, base_model=base, rows=rows, trainable=trainable,
                      resumed_from=resume_from,
                      extra={"sft_adapter": config.sft_adapter,
                             "engine_generation_batches": getattr(trainer, "engine_calls", 0),
                             "shared_prompt_scoring_calls": getattr(trainer, "shared_prompt_calls", 0),
                             **(extra or {})})


def online_summary(config: OnlineArgs, names: Sequence[str]) -> dict[str, Any]:
    """The settings that guard the online run (for the manifest)."""
    return {name: getattr(config, name) for name in names}

"""Supervised fine-tuning (SFT) of a LoRA adapter on reference posts, with TRL's ``SFTTrainer``.

Algorithm: next-token negative log-likelihood of the reference response given the chat prompt (the loss covers
the assistant turn only: rows are conversational prompt-completion pairs, see :mod:`train.data`), trained through
a LoRA adapter (Hu et al. 2021, https://arxiv.org/abs/2106.09685) on every attention and MLP projection, r=16,
alpha=32; the base weights stay frozen. Data: the ``train`` split plus ``--n_generated`` tasks from
``TaskGenerator`` (own seed; any that equals a val/test task is dropped).

Deviations from a textbook LoRA-SFT recipe, all for a 2-core CPU: the base weights are loaded in bf16 where the CPU
has native bf16 (``--model_dtype auto``) and the forward runs under bf16 autocast, while the LoRA weights and the
optimizer state stay in float32; no LoRA dropout (on a CPU it copies every LoRA input: ~25% slower, GBs more);
activation checkpointing and batches of 2 rows with 4 accumulation steps keep SmolLM2's peak RSS under 4 GB
(batches of 4 reached 4.5 GB over a full run, for ~4% more speed); no packing
(posts are short, and without FlashAttention packed posts would attend across each other).

Outputs ``artifacts/<run-name>/``: the adapter, ``manifest.json`` (base model, data hash, config, final metrics, git
commit, trainable parameters), ``log.jsonl``, ``curves.png`` and ``checkpoints/``.

Usage::

    python -m train.sft                                     # SmolLM2-135M-Instruct, train split + 200 generated
    python -m train.sft --config train/configs/sft.yaml     # YAML keys are the config fields; flags override them
    python -m train.sft --model TinyLlama/TinyLlama-1.1B-Chat-v1.0   # any Hugging Face id or local directory
    python -m train.sft --config train/configs/sft.yaml --resume     # continue a killed run from its last checkpoint
    accelerate launch --multi_gpu --num_processes 2 -m train.sft --max_steps 20   # 2 processes, DDP over gloo

(``accelerate launch --cpu`` starts a single process whatever ``--num_processes`` says, unless an MPI hostfile is
configured; ``--multi_gpu`` uses torchrun, and ``use_cpu=True`` makes it DDP on CPUs over gloo. See
``docs/training.md``.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from trl import SFTConfig

from train.common import (
    RunArgs,
    build_callbacks,
    config_summary,
    configure_cpu,
    finish_run,
    load_policy,
    parse_config,
    prepare_run_dir,
    report_trainable,
)
from train.data import (
    DEFAULT_GENERATOR_SEED,
    GeneratorArgs,
    ReferenceArgs,
    load_task_file,
    sft_rows,
    to_dataset,
    training_tasks,
)
from train.lm_head import compact_lm_head
from train.lora import lora_config


@dataclass
class SFTRunConfig(RunArgs, ReferenceArgs, GeneratorArgs, SFTConfig):
    """Everything ``SFTConfig``/``TrainingArguments`` offers, plus the run, data and LoRA fields of this project."""

    algorithm: ClassVar[str] = "sft"

    train_file: str | None = field(
        default="train", metadata={"help": "Split name (train/val/test) or JSONL path of training tasks; none: ''."}
    )
    n_generated: int = field(default=200, metadata={"help": "Generated tasks (with references) added to the data."})
    generator_seed: int = field(
        default=DEFAULT_GENERATOR_SEED, metadata={"help": "TaskGenerator seed of the added tasks (the splits use 0)."}
    )
    max_train_examples: int | None = field(
        default=None, metadata={"help": "Keep at most this many training rows after shuffling (tiny budgets)."}
    )
    eval_file: str | None = field(
        default=None, metadata={"help": "Split name or JSONL path for an eval loss (e.g. 'val'); none by default."}
    )
    max_eval_examples: int | None = field(default=64, metadata={"help": "Eval rows used, at most."})
    init_adapter: str | None = field(
        default=None, metadata={"help": "Continue training this LoRA adapter (a run directory or smollm2-135m-wsl) "
                                        "instead of starting a new one; the LoRA fields are then the adapter's."}
    )
    # Defaults changed from SFTConfig for LoRA on a CPU.
    learning_rate: float = field(default=2e-4, metadata={"help": "AdamW learning rate (LoRA takes a high one)."})
    max_length: int | None = field(default=512, metadata={"help": "Longest tokenized prompt + response kept."})
    per_device_train_batch_size: int = field(default=2, metadata={"help": "Rows per forward pass and process."})
    gradient_accumulation_steps: int = field(
        default=4, metadata={"help": "Forward passes per optimizer step (2 x 4 = 8 rows per step and process)."}
    )
    num_train_epochs: float = field(default=1.0, metadata={"help": "Passes over the data (max_steps overrides)."})
    train_sampling_strategy: str = field(
        default="group_by_length",
        metadata={"help": "Batches of rows of similar length (less padding: faster), shuffled; or 'random'.",
                  "choices": ["random", "sequential", "group_by_length", "batch_rebalance"]},
    )


def build_trainer(config: SFTRunConfig, model: Any, tokenizer: Any, train_dataset: Any, eval_dataset: Any = None,
                  callbacks: list[Any] | None = None) -> Any:
    """The ``SFTTrainer`` of a run: a new LoRA adapter on ``model``, or the one ``model`` already carries (a
    ``PeftModel`` from ``--init_adapter``).
    """
    from trl import SFTTrainer

    return SFTTrainer(
        model=model,
        args=config,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=tokenizer,
        peft_config=None if hasattr(model, "peft_config") else lora_config(config, model.config.num_hidden_layers),
        callbacks=callbacks,
    )


def main(config: SFTRunConfig, extra_callbacks: Sequence[Any] = ()) -> dict[str, Any]:
    """Train, then save the adapter and write the manifest. Returns the manifest (empty on non-main processes).

    ``extra_callbacks`` are added to the trainer's (the benchmarks time steps with one).
    """
    configure_cpu(config.malloc_mmap_threshold_kb)
    compact_lm_head(config.compact_lm_head)
    resume_from = prepare_run_dir(config, is_main_process=config.process_index == 0)
    tasks = training_tasks(config.train_file or None, config.n_generated, config.generator_seed,
                           config.max_train_examples, shuffle_seed=config.seed,
                           reference_arithmetic=config.reference_arithmetic, generator_voices=config.generator_voices,
                           generator_shapes=config.generator_shapes)
    rows = sft_rows(tasks)
    eval_dataset = None
    if config.eval_file:
        eval_rows = sft_rows(load_task_file(config.eval_file))[: config.max_eval_examples]
        eval_dataset = to_dataset(eval_rows)
    model, tokenizer, base = load_policy(config, adapter=config.init_adapter)
    print(f"sft: {len(rows)} rows; {config_summary(config, ('run_name', 'max_steps', 'num_train_epochs'))}",
          flush=True)
    trainer = build_trainer(config, model, tokenizer, to_dataset(rows), eval_dataset,
                            [*build_callbacks(config), *extra_callbacks])
    kept = len(trainer.train_dataset)
    if kept == 0:
        raise ValueError(f"no row fits --max_length {config.max_length}: every prompt alone is longer; raise it")
    if kept < len(rows):
        print(f"sft: {len(rows) - kept} rows dropped (prompt longer than --max_length {config.max_length})",
              flush=True)
    trainable = report_trainable(trainer.model)
    train_output = trainer.train(resume_from_checkpoint=resume_from)
    extra = None
    if config.init_adapter is not None:  # the LoRA trained is the adapter's, whatever the lora_* fields say
        lora = trainer.model.peft_config["default"]
        extra = {"init_adapter": config.init_adapter,
                 "lora": {"r": lora.r, "alpha": lora.lora_alpha, "target_modules": sorted(lora.target_modules)}}
    return finish_run(trainer, config, train_output, base_model=base, rows=rows, trainable=trainable,
                      resumed_from=resume_from, extra=extra)


def cli(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse ``--config file.yaml`` and flags into :class:`SFTRunConfig`, then run :func:`main`."""
    return main(parse_config(SFTRunConfig, argv))


if __name__ == "__main__":
    cli(sys.argv[1:])

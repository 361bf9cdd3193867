"""LoRA SFT speed: ``train.sft``'s trainer against TRL ``SFTTrainer`` defaults (fp32, no packing), same data.

    python -m benchmarks.bench_sft                            # embedded SmolLM2, 6 optimizer steps of 8 rows each
    python -m benchmarks.bench_sft --steps 2 --model <dir>    # tiny model, for a smoke test
    python -m benchmarks.bench_sft --variants fast padding_free   # padded vs padding-free batches only
    python -m benchmarks.bench_sft --variants fast --profile      # + where the last step's CPU time goes
                                                                  # (the profiler's records inflate peak RSS)

Each variant runs in a fresh subprocess (so each has its own peak RSS and neither warms the other's caches), one
after the other, on the same rows of the ``train`` split (generated tasks if the split is missing), with the same
LoRA adapter (r=16, alpha=32 on all seven projections of every layer) and 8 rows per optimizer step:

- ``stock``: the base model loaded in float32, ``SFTConfig(bf16=False)`` and otherwise TRL's defaults (batch 8,
  activation checkpointing on, no packing, padding to the longest row in the batch).
- ``fast``: ``train.sft.build_trainer`` with ``SFTRunConfig``'s defaults: bf16 base weights and bf16 autocast,
  batches of 2 rows x 4 accumulation steps grouped by length (less padding), as ``python -m train.sft`` trains.
  bf16 only where the CPU has native bf16 (``--model_dtype auto``); float32 elsewhere.
- ``padding_free``: ``fast`` with ``--padding_free true``: each batch of 2 rows is one row of their tokens, with
  per-row position ids and no padding (``--max_length None``: TRL does not truncate padding-free rows; no train
  row is near 512 tokens). transformers builds the block-diagonal causal mask from the positions, so the loss is
  the padded batch's (``tests/train/test_sft.py``).
- ``no_checkpointing`` (not in the default set): ``fast`` with ``--activation_checkpointing false``: no
  recomputation of the forward in the backward (4N instead of 6N FLOPs per token), for more activation memory.
- ``checkpoint_every_2`` and ``checkpoint_every_3`` (not in the default set): ``fast`` with
  ``--activation_checkpointing_kwargs '{"every_n_layers": 2}'`` (or 3): transformers recomputes only every second
  (third) decoder layer in the backward and keeps the others' activations, between ``fast`` and
  ``no_checkpointing`` in both time and memory.
- ``full_head`` (not in the default set): ``fast`` with ``--compact_lm_head false``: TRL's fused LM head projects
  and scores every position and masks the prompt's afterwards, as TRL does off Triton devices (``train.lm_head``).
- ``lora_top15`` (not in the default set): ``fast`` with ``--lora_layers 15``: adapters on the last 15 of
  SmolLM2's 30 decoder layers only, so the 15 below are neither recomputed nor back-propagated (``train.lora``).
- ``compiled`` (not in the default set): ``fast`` with ``--torch_compile true`` (inductor; the first step, which
  compiles, is the untimed warm-up, but later batches of new lengths may compile again inside the timed steps).

Train tokens per second count prompt and response tokens through forward and backward, padding excluded (TRL's
``num_tokens``), from the end of the first step (warm-up) to the end of the last.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from benchmarks._variants import LastStepProfile, StepClock, emit_json, run_variants, trainer_record, variant_parser

ROWS_PER_STEP = 8
VARIANTS = ("stock", "fast", "padding_free", "compiled", "no_checkpointing", "checkpoint_every_2", "checkpoint_every_3",
            "full_head", "lora_top15")
DEFAULT_VARIANTS = ("stock", "fast", "padding_free")
LABELS = {"stock": "TRL SFTTrainer defaults, fp32", "fast": "train.sft", "padding_free": "train.sft, padding-free",
          "compiled": "train.sft, torch.compile", "no_checkpointing": "train.sft, no activation checkpointing",
          "checkpoint_every_2": "train.sft, every 2nd layer checkpointed",
          "checkpoint_every_3": "train.sft, every 3rd layer checkpointed",
          "full_head": "train.sft, LM head on every position",
          "lora_top15": "train.sft, LoRA on the last 15 layers"}
VARIANT_FLAGS = {"padding_free": ["--padding_free", "true", "--max_length", "None"],
                 "compiled": ["--torch_compile", "true"], "no_checkpointing": ["--activation_checkpointing", "false"],
                 "checkpoint_every_2": ["--activation_checkpointing_kwargs", '{"every_n_layers": 2}'],
                 "checkpoint_every_3": ["--activation_checkpointing_kwargs", '{"every_n_layers": 3}'],
                 "full_head": ["--compact_lm_head", "false"], "lora_top15": ["--lora_layers", "15"]}
COMPARISONS = {  # result key: (variant, baseline, printed as)
    "speedup": ("fast", "stock", "speedup (target >= 3x)"),
    "padding_free_vs_fast": ("padding_free", "fast", "padding-free vs padded"),
    "compiled_vs_fast": ("compiled", "fast", "torch.compile vs eager"),
    "no_checkpointing_vs_fast": ("no_checkpointing", "fast", "no activation checkpointing vs checkpointing"),
    "checkpoint_every_2_vs_fast": ("checkpoint_every_2", "fast", "every 2nd layer checkpointed vs every layer"),
    "checkpoint_every_3_vs_fast": ("checkpoint_every_3", "fast", "every 3rd layer checkpointed vs every layer"),
    "fast_vs_full_head": ("fast", "full_head", "LM head on labelled positions vs on every position"),
    "lora_top15_vs_fast": ("lora_top15", "fast", "LoRA on the last 15 layers vs on all"),
}


def _rows(steps: int) -> list[dict[str, Any]]:
    from train.data import sft_rows
    from wsl_env.data.locations import data_dir
    from wsl_env.generator import TaskGenerator
    from wsl_env.schema import load_tasks

    split = data_dir() / "train.jsonl"
    tasks = load_tasks(split) if split.is_file() else TaskGenerator(seed=1).sample(256)
    need = steps * ROWS_PER_STEP
    return sft_rows((tasks * (need // len(tasks) + 1))[:need])


def run_variant(variant: str, model_name: str, steps: int, profile: bool = False) -> dict[str, Any]:
    """Train ``steps`` optimizer steps with one variant in this process; returns its figures (with ``profile``,
    also the last step's operator profile, see :class:`~benchmarks._variants.LastStepProfile`).
    """
    from trl import SFTConfig, SFTTrainer

    from train.common import configure_cpu, count_trainable, parse_config
    from train.data import to_dataset
    from train.lm_head import compact_lm_head
    from train.lora import StopBackwardAtAdapters, lora_config
    from train.sft import SFTRunConfig, build_trainer
    from wsl_env.models import load_model

    configure_cpu()
    dataset = to_dataset(_rows(steps))
    clock = StepClock()
    callbacks = [clock, *([LastStepProfile(steps)] if profile else [])]
    with tempfile.TemporaryDirectory(prefix="bench-sft-") as tmp:
        ours = parse_config(SFTRunConfig, [
            "--model", model_name, "--artifacts_root", tmp, "--run_name", "bench", "--max_steps", str(steps),
            "--save_strategy", "no", "--logging_steps", "1", "--disable_tqdm", "true",
            *VARIANT_FLAGS.get(variant, []),
        ])
        compact_lm_head(variant != "stock" and ours.compact_lm_head)  # TRL's defaults keep TRL's own choice
        if variant == "stock":
            model, tokenizer = load_model(model_name, dtype=None)
            args = SFTConfig(output_dir=tmp, bf16=False, max_steps=steps, per_device_train_batch_size=ROWS_PER_STEP,
                             save_strategy="no", logging_steps=1, report_to="none", use_cpu=True, disable_tqdm=True)
            trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                 peft_config=lora_config(ours, model.config.num_hidden_layers), callbacks=callbacks)
        else:
            model, tokenizer = load_model(model_name, dtype=ours.model_dtype)
            # train.sft's own callback (train.common.build_callbacks adds it to every run)
            trainer = build_trainer(ours, model, tokenizer, dataset, callbacks=[*callbacks, StopBackwardAtAdapters()])
        trainable, _ = count_trainable(trainer.model)
        trainer.train()
    record = trainer_record(variant, trainer, clock, trainable, batch=trainer.args.per_device_train_batch_size,
                            accumulation=trainer.args.gradient_accumulation_steps)
    if profile:
        frozen = next(p for p in trainer.model.parameters() if not p.requires_grad)
        record["profile"] = callbacks[1].top(dtype=frozen.dtype)
    return record


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = variant_parser(__doc__.split("\n")[0], VARIANTS, default_steps=6)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(DEFAULT_VARIANTS),
                        help=f"which variants to run, in this order (default: {' '.join(DEFAULT_VARIANTS)})")
    parser.add_argument("--profile", action="store_true",
                        help="profile each variant's last step (torch.profiler; it slows that step, not the others)")
    args = parser.parse_args(argv)
    if args.variant:
        result = run_variant(args.variant, args.model, args.steps, profile=args.profile)
        print(json.dumps(result))
        return result

    results = run_variants("benchmarks.bench_sft", args.variants, ["--model", args.model, "--steps", str(args.steps),
                                                                  *(["--profile"] if args.profile else [])])
    result = {"model": args.model, "steps": args.steps, "rows_per_step": ROWS_PER_STEP, **results}
    for name, (new, old, _) in COMPARISONS.items():
        if new in results and old in results:
            result[name] = round(results[new]["tokens_per_second"] / results[old]["tokens_per_second"], 2)
    emit_json(result, args.out)
    print("\n| LoRA SFT | weights | train tokens/s | s/step | peak RSS |\n|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {LABELS[name]} | {r['weights_dtype'].removeprefix('torch.')} | {r['tokens_per_second']} | "
              f"{r['seconds_per_step']} | {r['peak_rss_mb']:.0f} MB |")
    print()
    for name, (_, _, label) in COMPARISONS.items():
        if name in result:
            print(f"{label}: {result[name]}x")
    for name, r in results.items():
        if "profile" in r:
            prof = r["profile"]
            print(f"\n{LABELS[name]}, last step: {prof['self_cpu_s']} s of CPU; matmuls {prof['matmul_share']:.0%} of "
                  f"it, {prof['matmul_gflop']} GFLOP at {prof['matmul_gflops_per_s']} GFLOP/s (this CPU's peak: "
                  f"{prof['peak_matmul_gflops_per_s']}, so {prof['matmul_seconds_at_peak']} s)\n")
            print("| operator | self CPU s | share | calls |\n|---|---|---|---|")
            for row in prof["top"]:
                print(f"| {row['op']} | {row['self_cpu_s']} | {row['share']:.1%} | {row['calls']} |")
    return result


if __name__ == "__main__":
    main()

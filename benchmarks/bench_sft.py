"""LoRA SFT speed: ``train.sft``'s trainer against TRL ``SFTTrainer`` defaults (fp32, no packing), same data.

    python -m benchmarks.bench_sft                            # embedded SmolLM2, 6 optimizer steps of 8 rows each
    python -m benchmarks.bench_sft --steps 2 --model <dir>    # tiny model, for a smoke test

Each variant runs in a fresh subprocess (so each has its own peak RSS and neither warms the other's caches), one
after the other, on the same rows of the ``train`` split (generated tasks if the split is missing), with the same
LoRA adapter (r=16, alpha=32 on all seven projections of every layer) and 8 rows per optimizer step:

- ``stock``: the base model loaded in float32, ``SFTConfig(bf16=False)`` and otherwise TRL's defaults (batch 8,
  activation checkpointing on, no packing, padding to the longest row in the batch).
- ``fast``: ``train.sft.build_trainer`` with ``SFTRunConfig``'s defaults: bf16 base weights and bf16 autocast,
  batches of 2 rows x 4 accumulation steps grouped by length (less padding), as ``python -m train.sft`` trains.

Train tokens per second count prompt and response tokens through forward and backward, padding excluded (TRL's
``num_tokens``), from the end of the first step (warm-up) to the end of the last.
"""

from __future__ import annotations

import json
import tempfile
from typing import Any

from benchmarks._variants import StepClock, emit_json, run_variants, trainer_record, variant_parser

ROWS_PER_STEP = 8
VARIANTS = ("stock", "fast")


def _rows(steps: int) -> list[dict[str, Any]]:
    from train.data import sft_rows
    from wsl_env.data.locations import data_dir
    from wsl_env.generator import TaskGenerator
    from wsl_env.schema import load_tasks

    split = data_dir() / "train.jsonl"
    tasks = load_tasks(split) if split.is_file() else TaskGenerator(seed=1).sample(256)
    need = steps * ROWS_PER_STEP
    return sft_rows((tasks * (need // len(tasks) + 1))[:need])


def run_variant(variant: str, model_name: str, steps: int) -> dict[str, Any]:
    """Train ``steps`` optimizer steps with one variant in this process; returns its figures."""
    from trl import SFTConfig, SFTTrainer

    from train.common import configure_cpu, count_trainable, lora_config, parse_config
    from train.data import to_dataset
    from train.sft import SFTRunConfig, build_trainer
    from wsl_env.models import load_model

    configure_cpu()
    dataset = to_dataset(_rows(steps))
    clock = StepClock()
    with tempfile.TemporaryDirectory(prefix="bench-sft-") as tmp:
        ours = parse_config(SFTRunConfig, [
            "--model", model_name, "--artifacts_root", tmp, "--run_name", "bench", "--max_steps", str(steps),
            "--save_strategy", "no", "--logging_steps", "1", "--disable_tqdm", "true",
        ])
        if variant == "stock":
            model, tokenizer = load_model(model_name, dtype=None)
            args = SFTConfig(output_dir=tmp, bf16=False, max_steps=steps, per_device_train_batch_size=ROWS_PER_STEP,
                             save_strategy="no", logging_steps=1, report_to="none", use_cpu=True, disable_tqdm=True)
            trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                                 peft_config=lora_config(ours), callbacks=[clock])
        else:
            model, tokenizer = load_model(model_name, dtype=ours.model_dtype)
            trainer = build_trainer(ours, model, tokenizer, dataset, callbacks=[clock])
        trainable, _ = count_trainable(trainer.model)
        trainer.train()
    return trainer_record(variant, trainer, clock, trainable, batch=trainer.args.per_device_train_batch_size,
                          accumulation=trainer.args.gradient_accumulation_steps)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = variant_parser(__doc__.split("\n")[0], VARIANTS, default_steps=6)
    args = parser.parse_args(argv)
    if args.variant:
        result = run_variant(args.variant, args.model, args.steps)
        print(json.dumps(result))
        return result

    results = run_variants("benchmarks.bench_sft", VARIANTS, ["--model", args.model, "--steps", str(args.steps)])
    stock, fast = results["stock"], results["fast"]
    result = {"model": args.model, "steps": args.steps, "rows_per_step": ROWS_PER_STEP, **results,
              "speedup": round(fast["tokens_per_second"] / stock["tokens_per_second"], 2)}
    emit_json(result, args.out)
    print("\n| LoRA SFT | train tokens/s | s/step | peak RSS |\n|---|---|---|---|")
    for name, r in (("TRL SFTTrainer defaults, fp32", stock), ("train.sft, bf16", fast)):
        print(f"| {name} | {r['tokens_per_second']} | {r['seconds_per_step']} | {r['peak_rss_mb']:.0f} MB |")
    print(f"\nspeedup: {result['speedup']}x (target >= 2x)")
    return result


if __name__ == "__main__":
    main()

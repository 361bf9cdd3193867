"""GRPO step time: ``train.grpo``'s trainer against TRL ``GRPOTrainer`` defaults, same batch and generation settings.

    python -m benchmarks.bench_grpo                            # embedded SmolLM2: 8 completions of 64 tokens per step
    python -m benchmarks.bench_grpo --steps 2 --tokens 8 --model <dir>      # tiny model, for a smoke test
    python -m benchmarks.bench_grpo --activation_checkpointing true         # other flags go to train.grpo (fast)

Each variant runs in a fresh subprocess, one after the other, on the same prompts of the ``train`` split with the
same reward (``metrics``' ``TotalReward``), the same LoRA adapter (r=16 on all seven projections) and the same
algorithm settings: one prompt per step, ``num_generations`` completions of exactly up to ``--tokens`` new tokens,
``beta=0.04`` (both compute the reference policy's log-probabilities), DAPO loss, one update per generation.

- ``stock``: the base model loaded in float32, ``GRPOConfig(bf16=False)`` and otherwise TRL's defaults
  (activation checkpointing on, sampling with Hugging Face ``generate``).
- ``fast``: ``train.grpo``'s set-up: bf16 base weights and bf16 autocast, and sampling on the rolling-cache
  engine (``train.fast_generation``: the prompt prefilled once for the group, finished rows dropped, copy-free
  grouped-query attention).

Seconds per optimizer step (sampling, rewards, reference and policy passes, backward, update) are timed from the
end of the first step (warm-up) to the end of the last. ``phase_seconds_per_step`` splits every step, warm-up
included, into sampling, the scoring passes without gradients (reference, old policy), the policy pass with
gradients, and backward, by timers around those trainer calls; the rest of a step is rewards, the optimizer and
bookkeeping.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from benchmarks._variants import StepClock, emit_json, run_variants, trainer_record, variant_parser

VARIANTS = ("stock", "fast")


def time_phases(trainer: Any) -> dict[str, float]:
    """Wrap the trainer's sampling, scoring and backward calls with timers; returns the dict they add seconds to."""
    import torch

    totals: dict[str, float] = defaultdict(float)

    def timed(name: str | None, call: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                phase = name or ("scoring_with_grad" if torch.is_grad_enabled() else "scoring_no_grad")
                totals[phase] += time.perf_counter() - start
        return wrapper

    trainer._generate_single_turn = timed("sampling", trainer._generate_single_turn)
    trainer._get_per_token_logps_and_entropies = timed(None, trainer._get_per_token_logps_and_entropies)
    trainer.accelerator.backward = timed("backward", trainer.accelerator.backward)
    return totals


def run_variant(variant: str, model_name: str, steps: int, generations: int, tokens: int,
                grpo_flags: Sequence[str] = ()) -> dict[str, Any]:
    """Train ``steps`` GRPO steps with one variant in this process; returns its figures.

    ``grpo_flags`` (``train.grpo`` flags) change the fast variant's config, e.g. ``--activation_checkpointing true``.
    """
    from trl import GRPOConfig, GRPOTrainer

    from train.common import configure_cpu, count_trainable, load_policy, parse_config
    from train.data import prompt_rows, to_dataset, training_tasks
    from train.fast_generation import fast_trainer_class
    from train.grpo import GRPORunConfig
    from train.lm_head import compact_lm_head
    from train.lora import StopBackwardAtAdapters, lora_config
    from train.online import reward_funcs

    configure_cpu()
    clock = StepClock()
    with tempfile.TemporaryDirectory(prefix="bench-grpo-") as tmp:
        shared = {"num_generations": generations, "max_completion_length": tokens,
                  "per_device_train_batch_size": generations, "gradient_accumulation_steps": 1, "beta": 0.04,
                  "max_steps": steps, "logging_steps": 1, "save_strategy": "no", "seed": 0}
        ours = parse_config(GRPORunConfig, ["--model", model_name, "--artifacts_root", tmp, "--run_name", "bench",
                                            "--log_components", "false", "--disable_tqdm", "true",
                                            *(f"--{k}={v}" for k, v in shared.items()), *grpo_flags])
        tasks = training_tasks(ours.train_file, 0, ours.generator_seed, steps, shuffle_seed=0)
        dataset = to_dataset(prompt_rows(tasks))
        compact_lm_head(variant != "stock" and ours.compact_lm_head)  # TRL's defaults keep TRL's own choice
        if variant == "stock":
            model, tokenizer, _ = load_policy(parse_config(GRPORunConfig, ["--model", model_name,
                                                                           "--model_dtype", "float32"]))
            args = GRPOConfig(output_dir=tmp, bf16=False, use_cpu=True, report_to="none", disable_tqdm=True,
                              **shared)
            trainer_cls = GRPOTrainer
        else:
            model, tokenizer, _ = load_policy(ours)
            args, trainer_cls = ours, fast_trainer_class(GRPOTrainer, engine_generation=ours.engine_generation,
                                                         shared_prompt_scoring=ours.shared_prompt_scoring,
                                                         merge_lora=ours.merge_lora_for_sampling,
                                                         weight_first=ours.weight_first_sampling)
        # Ours gets the callback train.common.build_callbacks adds to every run; TRL's defaults do not.
        callbacks = [clock] if variant == "stock" else [clock, StopBackwardAtAdapters()]
        trainer = trainer_cls(model=model, reward_funcs=reward_funcs(ours), args=args, train_dataset=dataset,
                              processing_class=tokenizer, peft_config=lora_config(ours, model.config.num_hidden_layers),
                              callbacks=callbacks)
        trainable, _ = count_trainable(trainer.model)
        phases = time_phases(trainer)
        trainer.train()
    return trainer_record(variant, trainer, clock, trainable,
                          engine_generation_batches=getattr(trainer, "engine_calls", 0),
                          shared_prompt_scoring_calls=getattr(trainer, "shared_prompt_calls", 0),
                          phase_seconds_per_step={k: round(v / steps, 2) for k, v in sorted(phases.items())},
                          completions_per_step=generations, max_completion_tokens=tokens)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = variant_parser(__doc__.split("\n")[0], VARIANTS, default_steps=4)
    parser.add_argument("--generations", type=int, default=8, help="completions per step (one prompt's group)")
    parser.add_argument("--tokens", type=int, default=64, help="max new tokens per completion")
    args, grpo_flags = parser.parse_known_args(argv)
    if args.variant:
        result = run_variant(args.variant, args.model, args.steps, args.generations, args.tokens, grpo_flags)
        print(json.dumps(result))
        return result

    results = run_variants("benchmarks.bench_grpo", VARIANTS, [
        "--model", args.model, "--steps", str(args.steps), "--generations", str(args.generations),
        "--tokens", str(args.tokens), *grpo_flags])
    stock, fast = results["stock"], results["fast"]
    result = {"model": args.model, "steps": args.steps, "grpo_flags": grpo_flags, **results,
              "speedup": round(stock["seconds_per_step"] / fast["seconds_per_step"], 2)}
    emit_json(result, args.out)
    print(f"\n| GRPO, {args.generations} completions x {args.tokens} tokens | weights | s/step | peak RSS |\n"
          "|---|---|---|---|")
    for name, r in (("TRL GRPOTrainer defaults", stock), ("train.grpo, engine sampling + packed scoring", fast)):
        dtype = str(r.get("weights_dtype", "")).removeprefix("torch.")
        print(f"| {name} | {dtype} | {r['seconds_per_step']} | {r['peak_rss_mb']:.0f} MB |")
    for name, r in (("stock", stock), ("fast", fast)):
        print(f"{name} phases, s per step (warm-up included): {r['phase_seconds_per_step']}")
    print(f"\nspeedup: {result['speedup']}x (target >= 3x)")
    return result


if __name__ == "__main__":
    main()

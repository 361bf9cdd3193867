"""Sampling on merged LoRA weights (``train.fast_generation.merged_lora``) against the adapters run unmerged.

    python -m benchmarks.bench_merged_lora                 # embedded model + the shipped adapter, bf16 where native
    python -m benchmarks.bench_merged_lora --model <dir> --adapter random --generations 2 --tokens 4   # tiny

Two figures, on the same prompts in one run:

- **speed**: GRPO's sampling call, one prompt's group of ``--generations`` completions of ``--tokens`` new tokens
  (``wsl_env.rollout.generation.decode`` under ``rollout_mode``, EOS ignored so both write the same tokens), timed
  ``--repeats`` times each way with the same seed; the median is reported;
- **fidelity**: how far each way's next-token distribution is from the float32 policy's (mean KL over the last
  ``--positions`` positions of ``--prompts`` prompts, and how often the argmax agrees), and from each other.
  Merging rounds ``W + scaling * B @ A`` once to the weights' dtype; unmerged bf16 rounds each product instead.

``--adapter random`` puts a fresh LoRA (r=16 on every projection) with random non-zero weights on the model, for
models without a trained adapter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import torch

from wsl_env.generator import TaskGenerator
from wsl_env.models import EMBEDDED_ALIAS, SHIPPED_ADAPTER, load_model, resolve_dtype
from wsl_env.prompt import render_prompt

__all__ = ["main", "mean_kl"]


def _random_lora(model: Any) -> Any:
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=[
        "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 0.02)
    return model


def _load(model_name: str, adapter: str, dtype: Any) -> tuple[Any, Any]:
    if adapter == "random":
        model, tokenizer = load_model(model_name, dtype=dtype)
        model = _random_lora(model)
    else:
        model, tokenizer = load_model(model_name, adapter=adapter, dtype=dtype)
    return model.eval(), tokenizer


def mean_kl(p_logits: torch.Tensor, q_logits: torch.Tensor) -> float:
    """Mean KL(p || q) over rows of next-token logits."""
    p, q = p_logits.float().log_softmax(-1), q_logits.float().log_softmax(-1)
    return float((p.exp() * (p - q)).sum(-1).mean())


@torch.no_grad()
def _last_logits(model: Any, prompts: Sequence[Sequence[int]], positions: int) -> torch.Tensor:
    bf16 = next(model.parameters()).dtype == torch.bfloat16
    out = []
    for ids in prompts:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out.append(model(torch.tensor([list(ids)])).logits[0, -positions:].float())
    return torch.cat(out)


def _sample_seconds(model: Any, prompt: Sequence[int], generations: int, tokens: int, pad: int,
                    repeats: int, merge: bool) -> tuple[float, list[float]]:
    from train.fast_generation import merged_lora, rollout_mode
    from wsl_env.rollout.generation import Sampling, decode

    times = []
    for _ in range(repeats + 1):  # the first run warms up
        torch.manual_seed(0)
        start = time.perf_counter()
        with rollout_mode(model), merged_lora(model) if merge else nullcontext():
            decode(model, [list(prompt)] * generations, tokens, frozenset(), pad, Sampling(do_sample=True))
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), [round(t, 3) for t in times[1:]]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_merged_lora", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--adapter", default=SHIPPED_ADAPTER, help="a LoRA adapter, or 'random'")
    parser.add_argument("--dtype", default="auto", help="weights' dtype for both ways (auto: bf16 where native)")
    parser.add_argument("--generations", type=int, default=8, help="completions of one prompt (a GRPO group)")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prompts", type=int, default=4, help="prompts for the fidelity figures")
    parser.add_argument("--positions", type=int, default=40, help="last positions of each prompt compared")
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    for name in ("generations", "tokens", "repeats", "prompts", "positions"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name} must be >= 1, got {getattr(args, name)}")

    from train.fast_generation import merged_lora

    dtype = resolve_dtype(args.dtype)
    model, tokenizer = _load(args.model, args.adapter, dtype)
    prompts = [tokenizer(render_prompt(tokenizer, t), add_special_tokens=False)["input_ids"]
               for t in TaskGenerator(seed=0).sample(args.prompts)]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    unmerged_s, unmerged_runs = _sample_seconds(model, prompts[0], args.generations, args.tokens, pad, args.repeats,
                                                merge=False)
    merged_s, merged_runs = _sample_seconds(model, prompts[0], args.generations, args.tokens, pad, args.repeats,
                                            merge=True)
    unmerged = _last_logits(model, prompts, args.positions)
    with merged_lora(model):
        merged = _last_logits(model, prompts, args.positions)
    reference_model, _ = _load(args.model, args.adapter, torch.float32)
    reference = _last_logits(reference_model, prompts, args.positions)
    result = {
        "model": args.model, "adapter": args.adapter, "dtype": str(next(model.parameters()).dtype),
        "generations": args.generations, "tokens": args.tokens, "threads": torch.get_num_threads(),
        "sampling_seconds": {"unmerged": round(unmerged_s, 3), "merged": round(merged_s, 3)},
        "runs": {"unmerged": unmerged_runs, "merged": merged_runs},
        "speedup": round(unmerged_s / merged_s, 2),
        "kl_to_float32": {"unmerged": mean_kl(reference, unmerged), "merged": mean_kl(reference, merged)},
        "argmax_agrees_with_float32": {
            "unmerged": float((unmerged.argmax(-1) == reference.argmax(-1)).float().mean()),
            "merged": float((merged.argmax(-1) == reference.argmax(-1)).float().mean())},
        "kl_merged_to_unmerged": mean_kl(unmerged, merged),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(f"\n| sampling {args.generations} x {args.tokens} tokens | s | KL to float32 |\n|---|---|---|")
    for way in ("unmerged", "merged"):
        print(f"| LoRA {way} | {result['sampling_seconds'][way]} | {result['kl_to_float32'][way]:.2e} |")
    return result


if __name__ == "__main__":
    main()

"""Rollout generation speed: our fast path against stock Hugging Face ``generate`` at batch 1 in fp32.

    python -m benchmarks.bench_rollout                         # embedded model, 64 prompts x 64 tokens
    python -m benchmarks.bench_rollout --prompts 4 --baseline-prompts 2 --tokens 8 --model <dir>   # tiny
    python -m benchmarks.bench_rollout --profile               # where the fast path's time goes (prefill, decoding)
    python -m benchmarks.bench_rollout --attention             # one decoding step's attention: eager, sdpa, wsl_gqa
    python -m benchmarks.bench_rollout --prompt-lookup 10 --baseline-prompts 8 [--adapter smollm2-135m-wsl]

Both paths write the same number of tokens per prompt (EOS is ignored, so the figures compare like with like),
on the same prompts, in the same run. "fast" is ``wsl_env.rollout.generation.decode`` (the engine behind ``LLMAgent``)
with bf16 weights where the CPU supports them, at ``--batch`` prompts per batch. It also reports how often the
fast path's greedy output equals the baseline's, token for token (bf16 rounding can flip near-ties).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

import torch

from wsl_env.envs.common import ROLLOUT_ATTENTION
from wsl_env.generator import TaskGenerator
from wsl_env.models import EMBEDDED_ALIAS, load_model
from wsl_env.prompt import render_prompt
from wsl_env.rollout.generation import decode


def prompt_ids(tokenizer: Any, n: int) -> list[list[int]]:
    tasks = TaskGenerator(seed=0).sample(n)
    return [tokenizer(render_prompt(tokenizer, t), add_special_tokens=False)["input_ids"] for t in tasks]


@torch.inference_mode()
def baseline(model: Any, prompts: list[list[int]], tokens: int, pad: int) -> tuple[float, list[list[int]]]:
    outputs, start = [], time.perf_counter()
    for ids in prompts:
        out = model.generate(torch.tensor([ids]), max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False,
                             pad_token_id=pad, temperature=None, top_p=None, top_k=None)
        outputs.append(out[0, len(ids) :].tolist())
    return time.perf_counter() - start, outputs


def fast(model: Any, prompts: list[list[int]], tokens: int, pad: int, batch: int) -> tuple[float, list[list[int]]]:
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    outputs: list[list[int]] = [[] for _ in prompts]
    start = time.perf_counter()
    for i in range(0, len(order), batch):
        rows = order[i : i + batch]
        for row, out in zip(rows, decode(model, [prompts[r] for r in rows], tokens, frozenset(), pad), strict=True):
            outputs[row] = out
    return time.perf_counter() - start, outputs


@torch.inference_mode()
def prompt_lookup(model: Any, prompts: list[list[int]], tokens: int, pad: int, draft: int) -> dict[str, Any]:
    """HF ``generate`` at batch 1, greedy, with and without prompt-lookup drafting (``prompt_lookup_num_tokens``:
    up to ``draft`` tokens copied from where the last tokens occur in the prompt, kept while the model agrees).
    Measures whether posts copy enough of their prompt for drafts to pay, before building drafting into the engine.
    """
    seconds, outputs = {}, {}
    for name, extra in (("plain", {}), ("lookup", {"prompt_lookup_num_tokens": draft})):
        start, outputs[name] = time.perf_counter(), []
        for ids in prompts:
            out = model.generate(torch.tensor([ids]), max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False,
                                 pad_token_id=pad, temperature=None, top_p=None, top_k=None, **extra)
            outputs[name].append(out[0, len(ids) :].tolist())
        seconds[name] = time.perf_counter() - start
    total = len(prompts) * tokens
    same = sum(a == b for a, b in zip(outputs["plain"], outputs["lookup"], strict=True))
    return {"prompts": len(prompts), "draft_tokens": draft, "plain_tokens_per_second": total / seconds["plain"],
            "lookup_tokens_per_second": total / seconds["lookup"], "speedup": seconds["plain"] / seconds["lookup"],
            "greedy_identical": f"{same}/{len(prompts)}"}


@torch.inference_mode()
def profile(model: Any, prompts: list[list[int]], tokens: int, pad: int) -> dict[str, Any]:
    """Where the fast path's time goes for one batch: prefill vs decoding, and the top ops of a decoding step."""
    from wsl_env.rollout.engine import RolloutEngine

    prompts = sorted(prompts, key=len)
    engine = RolloutEngine(model, len(prompts), pad, max(len(p) for p in prompts) + tokens)
    start = time.perf_counter()
    logits = engine.reset_rows(range(len(prompts)), prompts)
    prefill_s = time.perf_counter() - start
    prefill_tokens = engine.forward_tokens
    start = time.perf_counter()
    for _ in range(tokens - 3):
        logits = engine.step(logits.argmax(-1))
    with torch.profiler.profile(record_shapes=True) as prof:
        for _ in range(3):
            logits = engine.step(logits.argmax(-1))
    decode_s = time.perf_counter() - start
    print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=12))
    return {"prefill_seconds": round(prefill_s, 2), "prefill_forward_tokens": prefill_tokens,
            "prompt_tokens": sum(len(p) for p in prompts),
            "prefill_tokens_per_second": round(prefill_tokens / prefill_s, 1),
            "decode_seconds": round(decode_s, 2),
            "decode_tokens_per_second": round(len(prompts) * tokens / decode_s, 1)}


@torch.inference_mode()
def attention_calls(batch: int = 64, cached: int = 300, repeats: int = 30) -> dict[str, float]:
    """Milliseconds per attention call of one decoding step (SmolLM2's 9 query / 3 KV heads, bf16) for eager,
    SDPA and the copy-free grouped-query attention, on keys and values that are slices of a larger cache buffer."""
    from transformers.models.llama.modeling_llama import eager_attention_forward

    from wsl_env.rollout.attention import gqa_attention

    class Layer(torch.nn.Module):
        num_key_value_groups = 3

    layer = Layer().eval()
    query = torch.randn(batch, 9, 1, 64, dtype=torch.bfloat16)
    buffer = torch.randn(2, batch, 3, 2 * cached, 64, dtype=torch.bfloat16)
    key, value = buffer[0, :, :, :cached], buffer[1, :, :, :cached]
    mask = torch.zeros(batch, 1, 1, cached, dtype=torch.bfloat16)

    def sdpa(*args: Any, **kwargs: Any) -> Any:
        return torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=mask, enable_gqa=True)

    timings = {}
    for name, fn in (("eager", eager_attention_forward), ("sdpa", sdpa), ("wsl_gqa", gqa_attention)):
        fn(layer, query, key, value, mask, 0.125)
        start = time.perf_counter()
        for _ in range(repeats):
            fn(layer, query, key, value, mask, 0.125)
        timings[name] = round((time.perf_counter() - start) / repeats * 1000, 3)
    return timings


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--baseline-prompts", type=int, default=4, help="the slow baseline runs on a subset")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", default="auto", help="dtype of the fast path")
    parser.add_argument("--attention", action="store_true",
                        help="only time one decoding step's attention call: eager vs sdpa vs wsl_gqa (batch --batch)")
    parser.add_argument("--profile", action="store_true",
                        help="only profile the fast path: prefill vs decoding seconds, top ops of a decoding step")
    parser.add_argument("--prompt-lookup", type=int, default=0, metavar="N",
                        help="only time HF generate (batch 1, fp32, greedy) with prompt-lookup drafts of N tokens "
                        "against without, on --baseline-prompts prompts")
    parser.add_argument("--adapter", default=None, help="a LoRA adapter for --prompt-lookup (e.g. smollm2-135m-wsl)")
    args = parser.parse_args(argv)
    if args.prompt_lookup:
        model, tokenizer = load_model(args.model, adapter=args.adapter)
        model = model.merge_and_unload() if args.adapter else model
        prompts = prompt_ids(tokenizer, args.baseline_prompts)
        result = {"model": args.model, "adapter": args.adapter, "tokens_per_prompt": args.tokens,
                  **prompt_lookup(model, prompts, args.tokens, tokenizer.pad_token_id, args.prompt_lookup)}
        print(json.dumps(result, indent=2))
        return result
    if args.attention:
        result = {"batch": args.batch, "cached_tokens": 300, "ms_per_call": attention_calls(args.batch)}
        print(json.dumps(result, indent=2))
        return result
    if args.profile:
        model, tokenizer = load_model(args.model, dtype=args.dtype, attn_implementation=ROLLOUT_ATTENTION)
        pad = tokenizer.pad_token_id
        prompts = prompt_ids(tokenizer, args.prompts)
        profile(model, prompts[:2], 4, pad)  # warm-up
        result = profile(model, prompts, args.tokens, pad)
        print(json.dumps(result, indent=2))
        return result

    model32, tokenizer = load_model(args.model, dtype=None)
    pad = tokenizer.pad_token_id
    prompts = prompt_ids(tokenizer, args.prompts)
    subset = prompts[: args.baseline_prompts]
    base_s, base_out = baseline(model32, subset, args.tokens, pad)
    del model32
    model, _ = load_model(args.model, dtype=args.dtype, attn_implementation=ROLLOUT_ATTENTION)
    fast(model, prompts[:2], 2, pad, 2)  # warm-up
    fast_s, fast_out = fast(model, prompts, args.tokens, pad, args.batch)
    base_tps = len(subset) * args.tokens / base_s
    fast_tps = len(prompts) * args.tokens / fast_s
    same = sum(a == b for a, b in zip(base_out, fast_out, strict=False))
    first_diff = [next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(a))
                  for a, b in zip(base_out, fast_out, strict=False)]
    result = {
        "model": args.model, "dtype": str(next(model.parameters()).dtype), "threads": torch.get_num_threads(),
        "tokens_per_prompt": args.tokens, "baseline": {"prompts": len(subset), "tokens_per_second": base_tps},
        "fast": {"prompts": len(prompts), "batch": args.batch, "tokens_per_second": fast_tps},
        "speedup": fast_tps / base_tps,
        "greedy_identical": f"{same}/{len(subset)}", "tokens_before_first_difference": first_diff,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip
    print(json.dumps(result, indent=2))
    print("\n| rollout generation | tokens/s |\n|---|---|")
    print(f"| HF generate, batch 1, fp32 (baseline) | {base_tps:.1f} |")
    print(f"| fast path, batch {args.batch}, {result['dtype']} | {fast_tps:.1f} ({result['speedup']:.1f}x) |")
    return result


if __name__ == "__main__":
    main()

"""A LoRA training step on a random-initialised Llama with TinyLlama-1.1B-Chat's exact config (target: 16 GB RSS).

    python -m benchmarks.bench_train_step                    # 1.1B params, bf16 weights, 4 x 512 tokens, 3 steps
    python -m benchmarks.bench_train_step --dtype float32 --no-checkpointing
    python -m benchmarks.bench_train_step --dtype float32 --no-autocast   # a CPU without native bf16
    python -m benchmarks.bench_train_step --layers 2 --steps 2 --batch 1 --seq-len 64   # smoke test

TinyLlama's weights are not needed (nor reachable offline): the architecture is built from its config.json values
with random weights, which costs the same compute and memory. The step runs through the same ``SFTTrainer`` set-up
as ``train.sft`` (``train.sft.build_trainer``: LoRA r=16 on all seven projections, AdamW, bf16 autocast) on
pre-tokenised rows of random token ids, with activation checkpointing on by default (as we recommend for 1B-class
models). Reports the median seconds per optimizer step, tokens per second, the trainable parameters, and
the process's peak resident set size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Any

from benchmarks._variants import StepTimer, emit_json

LIMIT_MB = 16 * 1024
# TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json
TINYLLAMA_CONFIG: dict[str, Any] = {
    "vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
    "num_attention_heads": 32, "num_key_value_heads": 4, "max_position_embeddings": 2048, "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False, "bos_token_id": 1,
    "eos_token_id": 2, "pad_token_id": 2,
}


def build_model(layers: int, dtype: str) -> Any:
    """The TinyLlama architecture with random weights, created directly in ``dtype`` (no fp32 copy in between)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch_dtype = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "float32": torch.float32}[dtype]
    config = LlamaConfig(**{**TINYLLAMA_CONFIG, "num_hidden_layers": layers})
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch_dtype)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    return model


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=TINYLLAMA_CONFIG["num_hidden_layers"])
    parser.add_argument("--dtype", default="bf16", choices=["bf16", "bfloat16", "float32"])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--no-checkpointing", action="store_true", help="turn activation checkpointing off")
    parser.add_argument("--no-autocast", action="store_true",
                        help="no bf16 autocast (for CPUs without native bf16, which only emulate it, very slowly)")
    parser.add_argument("--out", default=None, help="also write the JSON result here")
    args = parser.parse_args(argv)

    import torch
    from datasets import Dataset

    from train.common import configure_cpu, count_trainable, parse_config, peak_rss_mb
    from train.sft import SFTRunConfig, build_trainer
    from wsl_env.models import load_tokenizer

    configure_cpu()
    start = time.perf_counter()
    model = build_model(args.layers, args.dtype)
    build_seconds = time.perf_counter() - start
    generator = torch.Generator().manual_seed(0)
    rows = [{"input_ids": torch.randint(3, TINYLLAMA_CONFIG["vocab_size"], (args.seq_len,),
                                        generator=generator).tolist()} for _ in range(args.batch * args.steps)]
    tokenizer = load_tokenizer()  # only its pad id (2, as TinyLlama's) is used: the rows are already token ids
    timer = StepTimer()
    with tempfile.TemporaryDirectory(prefix="bench-step-") as tmp:
        config = parse_config(SFTRunConfig, [
            "--artifacts_root", tmp, "--run_name", "bench", "--max_steps", str(args.steps),
            "--per_device_train_batch_size", str(args.batch), "--max_length", str(args.seq_len),
            "--save_strategy", "no", "--logging_steps", "1", "--bf16", "false" if args.no_autocast else "true",
            "--activation_checkpointing", "false" if args.no_checkpointing else "true",
        ])
        trainer = build_trainer(config, model, tokenizer, Dataset.from_list(rows), callbacks=[timer])
        trainable, total = count_trainable(trainer.model)
        trainer.train()
    seconds = statistics.median(timer.times)  # robust to a step slowed by another job on a shared machine
    result = {
        "architecture": "TinyLlama-1.1B-Chat-v1.0 config, random weights",
        "layers": args.layers,
        "dtype": args.dtype,
        "activation_checkpointing": not args.no_checkpointing,
        "bf16_autocast": not args.no_autocast,
        "batch": args.batch,
        "seq_len": args.seq_len,
        "total_params": total,
        "trainable_params": trainable,
        "trainable_percent": round(100.0 * trainable / total, 3),
        "build_seconds": round(build_seconds, 1),
        "seconds_per_step": round(seconds, 2),
        "step_seconds": [round(t, 2) for t in timer.times],
        "tokens_per_second": round(args.batch * args.seq_len / seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "limit_mb": LIMIT_MB,
        "cpu_count": len(os.sched_getaffinity(0)),
    }
    result["within_limit"] = result["peak_rss_mb"] <= LIMIT_MB
    emit_json(result, args.out)
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["within_limit"] else 1)

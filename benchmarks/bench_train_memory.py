"""Peak memory and speed of LoRA SFT on the embedded SmolLM2-135M-Instruct (target: peak RSS at most 4 GB).

    python -m benchmarks.bench_train_memory --config train/configs/sft.yaml   # the README's SFT run: 40 steps
    python -m benchmarks.bench_train_memory --steps 6 --rows longest          # a 1-2 minute check
    python -m benchmarks.bench_train_memory --model <dir> --steps 2           # tiny model, for a smoke test

Runs the real entry point (``train.sft.main``) in this process; every flag it does not know (``--config``, any
``SFTRunConfig`` field) goes to ``train.sft``. ``--rows random`` (default) trains on the ``train`` split as a real
run does (generated tasks if the split is missing); ``--rows longest`` on its 64 longest tasks. Then it reports
the process's peak resident set size (``ru_maxrss``: everything, Python, torch, the model, the optimizer,
activations and the tokenised data), the median seconds per optimizer step, and training tokens per second
(prompt + response tokens, padding excluded, through forward and backward).

The peak grows during a run (the heap keeps freed activation memory, and the longest batches come at random
times), so a short run understates it: 6 steps on the longest tasks peaked at 2.5 GB, the full 40-step run at 3.5 GB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from typing import Any

from benchmarks._variants import StepTimer, emit_json
from wsl_env.models import EMBEDDED_ALIAS

LIMIT_MB = 4096


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--steps", type=int, default=40, help="optimizer steps (each takes batch x accumulation rows)")
    parser.add_argument("--batch", type=int, default=2, help="rows per forward pass (train.sft's default)")
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--model-dtype", default="auto")
    parser.add_argument("--rows", choices=["random", "longest"], default="random",
                        help="train on the split as a real run does, or on its 64 longest tasks")
    parser.add_argument("--out", default=None, help="also write the JSON result here")
    args, sft_flags = parser.parse_known_args(argv)

    from train import sft
    from train.common import parse_config, peak_rss_mb
    from wsl_env.data.locations import data_dir
    from wsl_env.generator import TaskGenerator
    from wsl_env.schema import dump_tasks, load_tasks

    split = data_dir() / "train.jsonl"
    tasks = load_tasks(split) if split.is_file() else TaskGenerator(seed=1).sample(256)
    if args.rows == "longest":
        tasks = sorted(tasks, key=lambda t: len(t.instruction) + len(t.context) + len(t.reference or ""))[-64:]
    timer = StepTimer()
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        task_file = os.path.join(tmp, "tasks.jsonl")
        dump_tasks(tasks, task_file)
        config = parse_config(sft.SFTRunConfig, [
            "--model", args.model, "--model_dtype", args.model_dtype, "--artifacts_root", tmp,
            "--run_name", "bench", "--max_steps", str(args.steps), "--per_device_train_batch_size", str(args.batch),
            "--max_length", str(args.max_length), "--save_steps", str(10 * args.steps), "--logging_steps", "1",
            "--train_file", task_file, "--n_generated", "0", *sft_flags,
        ])
        manifest = sft.main(config, extra_callbacks=[timer])
    metrics = manifest["final_metrics"]
    result = {
        "model": args.model,
        "steps": args.steps,
        "batch": args.batch,
        "max_length": args.max_length,
        "model_dtype": args.model_dtype,
        "rows": args.rows,
        "sft_flags": sft_flags,
        "trainable_params": manifest["trainable_params"],
        "seconds_per_step": round(statistics.median(timer.times), 3),
        "train_tokens_per_second": round(metrics.get("train_tokens_per_second", 0.0), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "limit_mb": LIMIT_MB,
        "cpu_count": len(os.sched_getaffinity(0)),
    }
    result["within_limit"] = result["peak_rss_mb"] <= LIMIT_MB
    emit_json(result, args.out)
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["within_limit"] else 1)

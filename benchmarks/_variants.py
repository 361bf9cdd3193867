"""Shared benchmark pieces: step timers for trainers, stock-vs-fast variants in fresh subprocesses, JSON output.

A fresh process per variant gives each its own peak RSS and keeps one from warming the other's caches; running
them back to back in one command keeps the ratio honest on a shared, noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from transformers import TrainerCallback


class StepClock(TrainerCallback):
    """Wall clock and TRL's cumulative ``num_tokens`` at the end of each logged optimizer step."""

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if logs and "num_tokens" in logs:
            self.points.append((time.perf_counter(), float(logs["num_tokens"])))

    def rates(self) -> dict[str, Any]:
        """Seconds per step and tokens per second, from the end of the first step (warm-up) to the last."""
        if len(self.points) < 2:
            raise RuntimeError("need at least two logged steps (log every step, run two or more)")
        (t0, n0), (t1, n1) = self.points[0], self.points[-1]
        steps = len(self.points) - 1
        return {"timed_steps": steps, "train_tokens": n1 - n0, "seconds_per_step": round((t1 - t0) / steps, 2),
                "tokens_per_second": round((n1 - n0) / (t1 - t0), 1)}


class StepTimer(TrainerCallback):
    """Wall-clock seconds of each optimizer step."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._start = 0.0

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._start = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.times.append(time.perf_counter() - self._start)


def matmul_peak_gflops(dtype: Any = None, size: int = 2048, repeats: int = 5) -> float:
    """This CPU's matmul rate in GFLOP/s: the best of ``repeats`` square ``size`` x ``size`` products in ``dtype``."""
    import torch

    a = torch.randn(size, size, dtype=dtype or torch.float32)
    b = torch.randn(size, size, dtype=dtype or torch.float32)
    torch.mm(a, b)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


class LastStepProfile(TrainerCallback):
    """``torch.profiler`` over the last optimizer step of a run: where its CPU time goes, by operator.

    :meth:`top` lists the operators with the most self CPU time, each with its share of the step, and the matmuls'
    FLOPs (the profiler counts ``mm``/``addmm``/``bmm``), the rate they reached, this CPU's peak rate in the same
    dtype (:func:`matmul_peak_gflops`) and so the seconds the step's matmuls would take at that peak.
    """

    def __init__(self, steps: int) -> None:
        from torch.profiler import ProfilerActivity, profile, schedule

        self.profiler = profile(activities=[ProfilerActivity.CPU], with_flops=True,
                                schedule=schedule(wait=steps - 1, warmup=0, active=1))

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.profiler.start()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.profiler.step()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.profiler.stop()

    def top(self, n: int = 12, dtype: Any = None) -> dict[str, Any]:
        """The step's total self CPU seconds, its matmuls' share, GFLOP and GFLOP/s against the ``dtype`` peak, and
        the ``n`` costliest operators."""
        events = [e for e in self.profiler.key_averages() if e.self_cpu_time_total > 0]
        total = sum(e.self_cpu_time_total for e in events) / 1e6
        matmul = [e for e in events if e.key in ("aten::mm", "aten::addmm", "aten::bmm", "aten::matmul")]
        matmul_s = sum(e.self_cpu_time_total for e in matmul) / 1e6
        flops = sum(e.flops or 0 for e in matmul)
        rows = [{"op": e.key, "self_cpu_s": round(e.self_cpu_time_total / 1e6, 3),
                 "share": round(e.self_cpu_time_total / 1e6 / total, 3), "calls": e.count}
                for e in sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[:n]]
        peak = matmul_peak_gflops(dtype)
        return {"self_cpu_s": round(total, 2), "matmul_share": round(matmul_s / total, 3),
                "matmul_gflop": round(flops / 1e9, 1),
                "matmul_gflops_per_s": round(flops / matmul_s / 1e9, 1) if matmul_s else None,
                "peak_matmul_gflops_per_s": round(peak, 1), "matmul_seconds_at_peak": round(flops / 1e9 / peak, 2),
                "top": rows}


def variant_parser(description: str, variants: Sequence[str], default_steps: int) -> argparse.ArgumentParser:
    """The flags every stock-vs-fast trainer benchmark takes: ``--model``, ``--steps``, ``--variant``, ``--out``."""
    from wsl_env.models import EMBEDDED_ALIAS

    def steps(value: str) -> int:
        if int(value) < 2:
            raise argparse.ArgumentTypeError("must be at least 2 (the first step is warm-up)")
        return int(value)

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--steps", type=steps, default=default_steps,
                        help="optimizer steps per variant (the first is warm-up)")
    parser.add_argument("--variant", choices=variants, default=None, help="run one variant here (internal)")
    parser.add_argument("--out", default=None, help="also write the JSON result here")
    return parser


def checkpointed_layers(model: Any) -> str:
    """``"<checkpointed>/<decoder layers>"``: how many of the model's decoder layers recompute their activations in
    the backward (``every_n_layers`` in ``--activation_checkpointing_kwargs`` leaves the others' stored).
    """
    from transformers.modeling_layers import GradientCheckpointingLayer

    layers = [m for m in model.modules() if isinstance(m, GradientCheckpointingLayer)]
    return f"{sum(bool(m.gradient_checkpointing) for m in layers)}/{len(layers)}"


def trainer_record(variant: str, trainer: Any, clock: StepClock, trainable: int, **extra: Any) -> dict[str, Any]:
    """What one finished variant reports: precision settings, ``extra``, step rates, peak RSS and threads."""
    import torch

    from train.common import peak_rss_mb

    model = trainer.model
    return {
        "variant": variant,
        "weights_dtype": str(next(p for p in model.parameters() if not p.requires_grad).dtype),
        "bf16_autocast": bool(trainer.args.bf16),
        "activation_checkpointing": bool(trainer.args.gradient_checkpointing),
        "checkpointed_layers": checkpointed_layers(model),
        **extra,
        "trainable_params": trainable,
        **clock.rates(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "threads": torch.get_num_threads(),
    }


def run_variants(module: str, variants: Sequence[str], argv: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``python -m module --variant V *argv`` for each variant in turn; each prints its JSON result last."""
    results = {}
    for variant in variants:
        cmd = [sys.executable, "-m", module, "--variant", variant, *argv]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
        if done.returncode != 0:
            raise RuntimeError(f"{module} --variant {variant} failed:\n{done.stderr[-3000:]}")
        results[variant] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def emit_json(result: dict[str, Any], path: str | None) -> None:
    """Print a benchmark's result as JSON, and also write it to ``path`` if one is given."""
    print(json.dumps(result, indent=2))
    if path:
        with open(path, "w") as handle:
            json.dump(result, handle, indent=2)

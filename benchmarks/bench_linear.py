"""A decode step's linear layers at a sampling batch's few rows: four float32 CPU implementations.

    python -m benchmarks.bench_linear                  # SmolLM2-135M's shapes, 8 rows (a GRPO group), 20 steps
    python -m benchmarks.bench_linear --rows 1 64      # other batch sizes
    python -m benchmarks.bench_linear --layers 22 --hidden 2048 --intermediate 5632 --kv 256 --vocab 32000  # TinyLlama

One "step" is what a decode step of the engine multiplies: every layer's seven projections (q, k, v, o, gate, up,
down), each a weight of its own, then the tied LM head, on ``rows`` input rows. Since each weight is read once per
step, as in decoding, a model larger than the CPU's caches streams its weights from memory as it would there.

- ``F.linear``: ``x @ W.T``, what Hugging Face models and greedy evaluation run;
- ``weight-first``: ``(W @ x.T).T`` (``train.fast_generation.weight_first_forward``, used while GRPO and RLOO
  sample on a float32 CPU; calls of more than 16 rows go to ``F.linear``, as they do there);
- ``mkl-packed``: MKL's packed GEMM (``torch.ops.mkl._mkl_linear`` on a weight reordered for ``rows``, what
  inductor's CPU freezing uses for float32 linears); the weights change after every optimizer step, so sampling
  would pay the packing (``pack_ms``) once per call;
- ``int8-dynamic``: per-channel int8 weights with dynamically quantised activations
  (``torch.ops.quantized.linear_dynamic``; torch warns these ops are deprecated); it also pays a packing per call,
  and samples from a rounded policy: ``max_error`` is the largest deviation from ``F.linear`` relative to the
  largest output, over all the step's products.

Milliseconds per step are the median over ``--steps`` steps after two warm-up steps; the implementations take
turns, a step each, in one process. Nothing else should be running.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from benchmarks.bench_optimizer import add_layer_shape_args
from train.fast_generation import weight_first_forward

IMPLEMENTATIONS = ("F.linear", "weight-first", "mkl-packed", "int8-dynamic")
Linear = Callable[[torch.Tensor], torch.Tensor]


def available() -> list[str]:
    """The implementations this torch build runs: MKL's only where torch has MKL (x86), int8 only with the x86
    (fbgemm) quantised engine."""
    names = ["F.linear", "weight-first"]
    if torch.backends.mkl.is_available():
        names.append("mkl-packed")
    if "fbgemm" in torch.backends.quantized.supported_engines:
        names.append("int8-dynamic")
    return names


def step_shapes(hidden: int, intermediate: int, kv: int, layers: int, vocab: int) -> list[tuple[int, int]]:
    """The (out, in) shape of every weight one decode step multiplies: per layer q, k, v, o, gate, up, down, then the
    LM head."""
    per_layer = [(hidden, hidden), (kv, hidden), (kv, hidden), (hidden, hidden), (intermediate, hidden),
                 (intermediate, hidden), (hidden, intermediate)]
    return per_layer * layers + [(vocab, hidden)]


def prepare(name: str, weight: torch.Tensor, rows: int) -> Linear:
    """``name``'s implementation of ``x -> x @ weight.T`` for inputs of ``rows`` rows, with any packing done."""
    if name == "F.linear":
        return lambda x: F.linear(x, weight)
    if name == "weight-first":
        return weight_first_forward(weight, None)
    if name == "mkl-packed":
        packed = torch.ops.mkl._mkl_reorder_linear_weight(weight, rows)
        return lambda x: torch.ops.mkl._mkl_linear(x, packed, weight, None, rows)
    if name == "int8-dynamic":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scales = weight.abs().amax(dim=1).clamp_min(1e-8) / 127
            quantised = torch.quantize_per_channel(weight, scales, torch.zeros_like(scales, dtype=torch.long), 0,
                                                   torch.qint8)
            packed = torch.ops.quantized.linear_prepack(quantised, None)
        return lambda x: torch.ops.quantized.linear_dynamic(x, packed, True)
    raise ValueError(f"unknown implementation {name!r}: one of {list(IMPLEMENTATIONS)}")


def measure(names: Sequence[str], weights: Sequence[torch.Tensor], rows: int, steps: int) -> dict[str, Any]:
    """Per implementation: the median milliseconds of a step and of the LM head alone, the packing milliseconds and
    the largest relative error. The implementations take turns, one step each, so that a slower spell of the
    machine falls on all of them."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randn(rows, w.shape[1], generator=generator) for w in weights]
    linears: dict[str, list[Linear]] = {}
    result: dict[str, dict[str, Any]] = {}
    for name in names:
        start = time.perf_counter()
        linears[name] = [prepare(name, w, rows) for w in weights]
        pack_ms = (time.perf_counter() - start) * 1000
        error = 0.0
        for linear, w, x in zip(linears[name], weights, inputs, strict=True):
            reference = F.linear(x, w)
            error = max(error, ((linear(x) - reference).abs().max() / reference.abs().max()).item())
        result[name] = {"pack_ms": round(pack_ms, 1), "max_error": float(f"{error:.2e}")}
    step_ms: dict[str, list[float]] = {name: [] for name in names}
    head_ms: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(steps + 2):  # two warm-up rounds
        for name in names:
            start = time.perf_counter()
            for linear, x in zip(linears[name][:-1], inputs[:-1], strict=True):
                linear(x)
            head_start = time.perf_counter()
            linears[name][-1](inputs[-1])
            end = time.perf_counter()
            if round_ >= 2:
                step_ms[name].append((end - start) * 1000)
                head_ms[name].append((end - head_start) * 1000)
    for name in names:
        result[name] = {"ms_per_step": round(statistics.median(step_ms[name]), 2),
                        "lm_head_ms": round(statistics.median(head_ms[name]), 2), **result[name]}
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_linear", description=__doc__.splitlines()[0])
    add_layer_shape_args(parser)
    parser.add_argument("--vocab", type=int, default=49152)
    parser.add_argument("--rows", type=int, nargs="+", default=[8], help="input rows per call (default: 8)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--implementations", nargs="+", choices=IMPLEMENTATIONS, default=available(),
                        help="default: every one this torch build runs")
    args = parser.parse_args(argv)
    if min(args.rows) < 1:
        parser.error("--rows must be >= 1")
    missing = [name for name in args.implementations if name not in available()]
    if missing:
        parser.error(f"this torch build cannot run {', '.join(missing)} (it runs {', '.join(available())})")
    generator = torch.Generator().manual_seed(0)
    shapes = step_shapes(args.hidden, args.intermediate, args.kv, args.layers, args.vocab)
    weights = [torch.randn(shape, generator=generator) * 0.02 for shape in shapes]
    results = {str(rows): measure(args.implementations, weights, rows, args.steps) for rows in args.rows}
    parameters = sum(a * b for a, b in shapes)
    result = {"weights": len(shapes), "parameters": parameters, "threads": torch.get_num_threads(),
              "steps": args.steps, "by_rows": results}
    print(json.dumps(result, indent=2))
    print("\n| rows | implementation | ms per decode step | of it, LM head | packing per call, ms | max error |\n"
          "|---|---|---|---|---|---|")
    for rows, by_name in results.items():
        for name, r in by_name.items():
            print(f"| {rows} | {name} | {r['ms_per_step']} | {r['lm_head_ms']} | {r['pack_ms']} | {r['max_error']} |")
    return result


if __name__ == "__main__":
    main()

"""AdamW's step time over a LoRA adapter's parameters: the for-loop, foreach and fused implementations.

    python -m benchmarks.bench_optimizer            # SmolLM2-135M's shapes, LoRA r=16 on every projection
    python -m benchmarks.bench_optimizer --layers 22 --hidden 2048 --intermediate 5632 --kv 256   # TinyLlama

The training scripts use ``TrainingArguments``' default optimizer, which with torch >= 2.8 is ``adamw_torch_fused``.
This prints what each implementation costs per optimizer step, to set against a training step's time (an SFT step
of the fast recipe takes ~41 s on the 2-core VM): a lever worth trying only if the optimizer's share is large.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

import torch

IMPLEMENTATIONS = {"for-loop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def lora_shapes(hidden: int, intermediate: int, kv: int, layers: int, rank: int) -> list[tuple[int, int]]:
    """The A (rank x in) and B (out x rank) matrices of LoRA on q, k, v, o, gate, up and down, per layer."""
    projections = [(hidden, hidden), (hidden, kv), (hidden, kv), (hidden, hidden), (hidden, intermediate),
                   (hidden, intermediate), (intermediate, hidden)]
    per_layer = [shape for fan_in, fan_out in projections for shape in ((rank, fan_in), (fan_out, rank))]
    return per_layer * layers


def step_milliseconds(shapes: Sequence[tuple[int, int]], options: dict[str, bool], steps: int = 20) -> float:
    """Mean wall milliseconds of one ``torch.optim.AdamW`` step over parameters of these shapes (after 3 warm-up
    steps), with random gradients."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    generator = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(shape, generator=generator) * 0.01) for shape in shapes]
    for p in params:
        p.grad = torch.randn(p.shape, generator=generator) * 1e-3
    optimizer = torch.optim.AdamW(params, lr=5e-4, **options)
    for _ in range(3):
        optimizer.step()
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step()
    return (time.perf_counter() - start) / steps * 1000


def add_layer_shape_args(parser: argparse.ArgumentParser) -> None:
    """``--hidden --intermediate --kv --layers``: the decoder's linear shapes, SmolLM2-135M's by default."""
    parser.add_argument("--hidden", type=int, default=576)
    parser.add_argument("--intermediate", type=int, default=1536)
    parser.add_argument("--kv", type=int, default=192, help="key/value projection width (kv heads x head size)")
    parser.add_argument("--layers", type=int, default=30)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_optimizer", description=__doc__.splitlines()[0])
    add_layer_shape_args(parser)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    shapes = lora_shapes(args.hidden, args.intermediate, args.kv, args.layers, args.rank)
    results = {name: round(step_milliseconds(shapes, options, args.steps), 2) for name, options in
               IMPLEMENTATIONS.items()}
    parameters = sum(a * b for a, b in shapes)
    print(json.dumps({"tensors": len(shapes), "parameters": parameters, "ms_per_step": results,
                      "threads": torch.get_num_threads()}, indent=2))
    print(f"\n| AdamW over {len(shapes)} LoRA tensors ({parameters / 1e6:.2f} M parameters) | ms per step |\n|---|---|")
    for name, ms in results.items():
        print(f"| {name}{' (the training scripts)' if name == 'fused' else ''} | {ms} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

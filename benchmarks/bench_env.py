"""Env speed: the cost of a WSLAnalytics-v0 step over the raw model forward it needs, and vector-env scaling.

    python -m benchmarks.bench_env                 # the embedded model, 64-token episodes
    python -m benchmarks.bench_env --steps 8 --model <dir> --sizes 1 2   # tiny budget (the test)

Prints JSON, then a Markdown table. "forward" is the time spent inside the model's forward pass (the engine's
one-token KV-cached call); "overhead" is everything else a step does (top-k, log-softmax, reward shaping with
metrics.score on the partial post, decoding, observation arrays).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

import numpy as np

from wsl_env.envs.token import WSLAnalyticsEnv
from wsl_env.envs.vector import WSLAnalyticsVectorEnv
from wsl_env.generator import TaskGenerator
from wsl_env.models import EMBEDDED_ALIAS
from wsl_env.rollout.engine import RolloutEngine


class TimedForward:
    """Wraps an engine's forward to accumulate the seconds spent in the model."""

    def __init__(self, engine: RolloutEngine) -> None:
        self.seconds = 0.0
        self._inner = engine._forward
        engine._forward = self  # type: ignore[method-assign]

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return self._inner(*args)
        finally:
            self.seconds += time.perf_counter() - start


def single_env(model: str, tasks: list, steps: int, max_new_tokens: int, dtype: str | None) -> dict[str, float]:
    env = WSLAnalyticsEnv(tasks=tasks, model=model, max_new_tokens=max_new_tokens, dtype=dtype)
    timer = TimedForward(env.engine)
    env.reset(seed=0)
    env.step(0)  # warm-up
    timer.seconds, done_steps, step_seconds, forward_at_reset = 0.0, 0, 0.0, 0.0
    episode_steps = 1
    while done_steps < steps:
        if episode_steps >= max_new_tokens:
            before = timer.seconds
            env.reset()
            forward_at_reset += timer.seconds - before  # prefill is reset cost, not step cost
            episode_steps = 0
        start = time.perf_counter()
        _, _, terminated, _, _ = env.step(0)
        step_seconds += time.perf_counter() - start
        done_steps += 1
        episode_steps += 1
        if terminated:
            episode_steps = max_new_tokens
    forward = timer.seconds - forward_at_reset
    return {"steps": done_steps, "steps_per_second": done_steps / step_seconds,
            "step_ms": 1000 * step_seconds / done_steps, "forward_ms": 1000 * forward / done_steps,
            "overhead_pct": 100 * (step_seconds - forward) / forward}


def vector_env(model: str, tasks: list, num_envs: int, steps: int, max_new_tokens: int, dtype: str | None
               ) -> dict[str, float]:
    envs = WSLAnalyticsVectorEnv(num_envs=num_envs, tasks=tasks, model=model, max_new_tokens=max_new_tokens,
                                 dtype=dtype)
    envs.reset(seed=0)
    actions = np.zeros(num_envs, dtype=np.int64)
    envs.step(actions)  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        envs.step(actions)
    seconds = time.perf_counter() - start
    return {"num_envs": num_envs, "vector_steps_per_second": steps / seconds,
            "env_steps_per_second": steps * num_envs / seconds}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=EMBEDDED_ALIAS)
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--dtype", default="auto", help="env model dtype: auto (the env default), bf16, float32")
    args = parser.parse_args(argv)
    import torch

    tasks = TaskGenerator(seed=0).sample(32)
    single = single_env(args.model, tasks, args.steps, args.max_new_tokens, args.dtype)
    vectors = [vector_env(args.model, tasks, n, max(4, args.steps // 4), args.max_new_tokens, args.dtype)
               for n in args.sizes]
    for row in vectors:
        row["speedup_vs_single_env"] = row["env_steps_per_second"] / single["steps_per_second"]
    result = {"model": args.model, "dtype": args.dtype, "torch_threads": torch.get_num_threads(), "single_env": single,
              "vector_env": vectors, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(json.dumps(result, indent=2))
    print("\n| benchmark | figure |\n|---|---|")
    print(f"| v0 step | {single['step_ms']:.1f} ms ({single['steps_per_second']:.1f} steps/s) |")
    print(f"| model forward inside a step | {single['forward_ms']:.1f} ms |")
    print(f"| step overhead over the forward | {single['overhead_pct']:.1f}% (target <= 15%) |")
    for row in vectors:
        print(f"| vector env, {row['num_envs']} sub-envs | {row['env_steps_per_second']:.1f} env steps/s "
              f"({row['speedup_vs_single_env']:.1f}x one env) |")
    print(f"| peak RSS | {result['peak_rss_mb']:.0f} MB |")
    return result


if __name__ == "__main__":
    main()

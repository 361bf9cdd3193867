"""stable-baselines3 PPO and A2C on WSLAnalytics-v0 (top-k mode), against greedy decoding and random actions.

    python -m baselines.sb3 --algo ppo --timesteps 4096 --tasks train --out runs/sb3-ppo

This is PPO proper (Schulman et al. 2017) as implemented by stable-baselines3, on the token-level env: at each
step the policy picks one of the wrapped model's k most likely next tokens (the NLPO action mask). The policy
is SB3's ``MultiInputPolicy`` (an MLP over the observation arrays), not a language model: it is a baseline that
shows what generic deep-RL machinery does on this MDP. Action 0 is greedy decoding, so "greedy" is the policy
PPO must beat. Everything is evaluated on the same seeds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import metrics
import wsl_env  # noqa: F401  (registers the env ids)
from wsl_env.io import atomic_write_text
from wsl_env.models import EMBEDDED_ALIAS

ALGOS: tuple[str, ...] = ("ppo", "a2c")


@dataclass
class SB3Config:
    """One baseline run."""

    algo: str = "ppo"
    timesteps: int = 4096
    tasks: str = "generated"
    model: str = EMBEDDED_ALIAS
    k: int = 4
    max_new_tokens: int = 48
    n_steps: int = 256
    batch_size: int = 64
    learning_rate: float = 3e-4
    eval_episodes: int = 16
    seed: int = 0
    out: str = "runs/sb3"
    progress: bool = True


def make_env(config: SB3Config) -> gym.Env:
    return gym.make("WSLAnalytics-v0", tasks=config.tasks, model=config.model, k=config.k,
                    max_new_tokens=config.max_new_tokens)


def run_episodes(env: gym.Env, policy: Callable[[dict[str, np.ndarray]], int], seeds: list[int]) -> dict[str, Any]:
    """Mean return and mean final composite score of ``policy`` over one episode per seed."""
    returns, finals = [], []
    for seed in seeds:
        obs, _ = env.reset(seed=seed)
        done, total = False, 0.0
        while not done:
            obs, reward, terminated, truncated, _ = env.step(policy(obs))
            total += float(reward)
            done = terminated or truncated
        episode = env.unwrapped.episode
        returns.append(total)
        finals.append(metrics.score(episode.task, episode.text).total)
    return {"mean_return": float(np.mean(returns)), "mean_final_score": float(np.mean(finals)),
            "returns": returns, "final_scores": finals}


def plot_curve(timesteps: list[int], returns: list[float], references: dict[str, float], path: Path,
               title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    if returns:
        ax.plot(timesteps, returns, ".", alpha=0.35, label="training episode return")
        window = max(1, len(returns) // 10)
        smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(timesteps[window - 1 :], smooth, "-", label=f"moving mean ({window} episodes)")
    for (name, value), style in zip(references.items(), ("--", ":", "-."), strict=False):
        ax.axhline(value, linestyle=style, color="gray", label=f"{name} (eval mean return {value:.3f})")
    ax.set_xlabel("timesteps")
    ax.set_ylabel("episode return")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(config: SB3Config) -> dict[str, Any]:
    """Train, evaluate against greedy and random on the same seeds, and write results.json plus curve.png."""
    from stable_baselines3 import A2C, PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.monitor import Monitor

    if config.algo not in ALGOS:
        raise ValueError(f"unknown algo {config.algo!r}; choose one of {list(ALGOS)}")
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    curve_t: list[int] = []
    curve_r: list[float] = []

    class Progress(BaseCallback):
        def _on_training_start(self) -> None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=config.timesteps, desc=f"{config.algo} timesteps", disable=not config.progress)

        def _on_step(self) -> bool:
            self.bar.update(self.training_env.num_envs)
            for info in self.locals.get("infos", []):
                if "episode" in info:
                    curve_t.append(self.num_timesteps)
                    curve_r.append(float(info["episode"]["r"]))
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    env = Monitor(make_env(config))
    algo_cls = PPO if config.algo == "ppo" else A2C
    kwargs: dict[str, Any] = {"learning_rate": config.learning_rate, "n_steps": config.n_steps, "seed": config.seed,
                              "verbose": 0, "device": "cpu"}
    if config.algo == "ppo":
        kwargs["batch_size"] = config.batch_size
    agent = algo_cls("MultiInputPolicy", env, **kwargs)
    start = time.perf_counter()
    agent.learn(total_timesteps=config.timesteps, callback=Progress())
    train_seconds = time.perf_counter() - start

    eval_env = make_env(config)
    seeds = [10_000 + config.seed * 1_000 + i for i in range(config.eval_episodes)]
    rng = np.random.default_rng(config.seed)
    results = {
        config.algo: run_episodes(eval_env, lambda obs: int(agent.predict(obs, deterministic=True)[0]), seeds),
        "greedy": run_episodes(eval_env, lambda obs: 0, seeds),
        "random": run_episodes(eval_env, lambda obs: int(rng.integers(config.k)), seeds),
    }
    summary = {
        "config": asdict(config), "train_seconds": train_seconds, "eval_seeds": seeds,
        "results": results, "training_returns": {"timesteps": curve_t, "returns": curve_r},
        "beats_greedy": results[config.algo]["mean_final_score"] > results["greedy"]["mean_final_score"],
    }  # fmt: skip
    plot_curve(curve_t, curve_r, {name: r["mean_return"] for name, r in results.items()}, out / "curve.png",
               f"{config.algo.upper()} on WSLAnalytics-v0 (top-{config.k}, {config.timesteps} steps)")
    atomic_write_text(out / "results.json", json.dumps(summary, indent=2) + "\n")
    return summary


def parse_args(argv: list[str] | None = None) -> SB3Config:
    parser = argparse.ArgumentParser(prog="python -m baselines.sb3", description=__doc__.split("\n")[0])
    defaults = SB3Config()
    for name, value in asdict(defaults).items():
        if name == "progress":
            parser.add_argument("--no-progress", dest="progress", action="store_false")
        else:
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return SB3Config(**vars(parser.parse_args(argv)))


if __name__ == "__main__":
    summary = main(parse_args())
    results = summary["results"]
    table = {name: {k: round(v, 4) for k, v in r.items() if k.startswith("mean")} for name, r in results.items()}
    print(json.dumps({"results": table, "beats_greedy": summary["beats_greedy"]}, indent=2))

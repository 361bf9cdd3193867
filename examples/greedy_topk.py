"""Greedy decoding as an RL policy: always take action 0 (the most likely token) in top-k mode.

    python -m examples.greedy_topk --episodes 2 --max-new-tokens 96
"""

from __future__ import annotations

import argparse

import gymnasium as gym

import wsl_env  # noqa: F401
from agents import GreedyTopKAgent


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description="Greedy top-k (action 0) in WSLAnalytics-v0.")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--tasks", default="generated")
    args = parser.parse_args(argv)

    env = gym.make("WSLAnalytics-v0", model=args.model, tasks=args.tasks, max_new_tokens=args.max_new_tokens,
                   render_mode="ansi")
    agent = GreedyTopKAgent(model=args.model)
    returns = []
    for episode in range(args.episodes):
        obs, info = env.reset(seed=episode)
        agent.begin(info, env.unwrapped.tokenizer)
        episode_return, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(agent.act(obs))
            episode_return += reward
            done = terminated or truncated
        returns.append(episode_return)
        print(env.render())
        print(f"return {episode_return:.3f} (shaping + terminal), scores {info['scores']}\n")
    env.close()
    return returns


if __name__ == "__main__":
    main()

"""A random agent in WSLAnalytics-v0: the shortest possible Gymnasium loop.

    python -m examples.random_agent --episodes 2 --max-new-tokens 32
"""

from __future__ import annotations

import argparse

import gymnasium as gym

import wsl_env  # noqa: F401  (registers WSLAnalytics-v0)


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description="Random actions in WSLAnalytics-v0.")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--tasks", default="generated")
    args = parser.parse_args(argv)

    env = gym.make("WSLAnalytics-v0", model=args.model, tasks=args.tasks, max_new_tokens=args.max_new_tokens)
    env.action_space.seed(0)
    returns = []
    for episode in range(args.episodes):
        obs, info = env.reset(seed=episode)
        episode_return, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
            episode_return += reward
            done = terminated or truncated
        returns.append(episode_return)
        print(f"episode {episode} ({info['task_id']}): return {episode_return:.3f}, "
              f"final total {info['scores']['total']:.3f}\n{env.unwrapped.episode.text!r}\n")
    env.close()
    return returns


if __name__ == "__main__":
    main()

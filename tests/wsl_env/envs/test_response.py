"""WSLAnalytics-Response-v0: checker, determinism, pickling, rendering, text normalisation and bad actions."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import pytest
from gymnasium.error import ResetNeeded

import metrics
import wsl_env  # noqa: F401
from wsl_env.envs.charset import CHARSET, to_charset
from wsl_env.envs.response import WSLAnalyticsResponseEnv


@pytest.fixture()
def env(tasks):
    return gym.make("WSLAnalytics-Response-v0", tasks=tasks)


def test_check_env_passes_without_warnings(env) -> None:
    from gymnasium.utils.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=False)


def test_reference_post_earns_its_score(env, tasks) -> None:
    obs, info = env.reset(seed=0, options={"task": tasks[0]})
    assert env.observation_space.contains(obs)
    assert info["task"]["id"] == "recap-1"
    _, reward, terminated, truncated, info = env.step(tasks[0].reference)
    assert (terminated, truncated) == (True, False)
    assert reward == pytest.approx(metrics.score(tasks[0], tasks[0].reference).total)
    assert set(info["scores"]) == {"structure", "fact", "safety", "total", "details"}


def test_same_seed_same_task(tasks) -> None:
    first = [gym.make("WSLAnalytics-Response-v0", tasks=tasks).reset(seed=s)[0] for s in range(5)]
    second = [gym.make("WSLAnalytics-Response-v0", tasks=tasks).reset(seed=s)[0] for s in range(5)]
    assert first == second and len(set(first)) > 1


def test_pickle_round_trip(env) -> None:
    env.reset(seed=2)
    clone = pickle.loads(pickle.dumps(env.unwrapped))
    assert clone.step("1. A post")[1] == env.unwrapped.step("1. A post")[1]


@pytest.mark.parametrize(
    ("action", "error", "match"),
    [
        (42, TypeError, "str"),  # not text
        (b"bytes", TypeError, "str"),  # bytes are not text
        ("x" * 9000, ValueError, "characters"),  # longer than the action space allows
    ],
)
def test_bad_actions(env, action, error, match) -> None:
    env.reset(seed=0)
    with pytest.raises(error, match=match):
        env.unwrapped.step(action)


def test_step_twice_needs_reset(env) -> None:
    env.reset(seed=0)
    env.unwrapped.step("ok")
    with pytest.raises(ResetNeeded):
        env.unwrapped.step("again")


@pytest.mark.parametrize(
    ("text", "expected", "dropped"),
    [
        ("Kai\u2019s 17.10 \u2013 wow", "Kai's 17.10 - wow", ""),  # typographic punctuation to ASCII
        ("Jos\u00e9 Ara\u00fajo", "Jose Araujo", ""),  # accents stripped
        ("Pumping \U0001f3c4!", "Pumping !", "\U0001f3c4"),  # emoji dropped and reported
        ("plain text\n", "plain text\n", ""),  # already in the charset
    ],
)
def test_to_charset(text, expected, dropped) -> None:
    assert to_charset(text) == (expected, dropped)
    assert all(c in CHARSET for c in to_charset(text)[0])


def test_emoji_action_is_normalised_not_rejected(env) -> None:
    env.reset(seed=0)
    *_, info = env.unwrapped.step("Great heat \U0001f3c4")
    assert info["dropped_chars"] == "\U0001f3c4"


def test_render(tasks) -> None:
    env = gym.make("WSLAnalytics-Response-v0", tasks=tasks, render_mode="ansi")
    env.reset(seed=0, options={"task": tasks[0]})
    env.step("my post")
    assert "Recap Heat 3" in env.render() and "my post" in env.render()


@pytest.mark.parametrize("weights", [{"facts": 1.0}, [1.0], {"fact": float("inf")}])
def test_bad_reward_weights_fail_when_the_env_is_made(weights: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        WSLAnalyticsResponseEnv(tasks="test", reward_weights=weights)

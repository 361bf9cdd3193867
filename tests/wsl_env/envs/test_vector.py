"""The batched vector env: spaces, autoreset, determinism, and agreement with the single env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import wsl_env  # noqa: F401
from wsl_env.envs.token import WSLAnalyticsEnv
from wsl_env.envs.vector import WSLAnalyticsVectorEnv


@pytest.fixture()
def make_vec(tiny_model_dir, tasks):
    def make(num_envs=3, **kwargs):
        kwargs = {"tasks": tasks, "model": str(tiny_model_dir), "max_new_tokens": 6, "max_prompt_tokens": 256,
                  **kwargs}
        return WSLAnalyticsVectorEnv(num_envs=num_envs, **kwargs)

    return make


def test_make_vec_uses_the_batched_env(tiny_model_dir, tasks) -> None:
    envs = gym.make_vec("WSLAnalytics-v0", num_envs=2, vectorization_mode="vector_entry_point", tasks=tasks,
                        model=str(tiny_model_dir), max_new_tokens=4, max_prompt_tokens=256)
    assert isinstance(envs.unwrapped, WSLAnalyticsVectorEnv)
    obs, _ = envs.reset(seed=0)
    assert envs.observation_space.contains(obs)


def test_autoreset_next_step_and_truncation(make_vec) -> None:
    envs = make_vec(num_envs=2, action_mode="vocab")
    obs, _ = envs.reset(seed=0)
    assert envs.observation_space.contains(obs)
    token = np.array([100, 100])
    for _ in range(6):
        obs, rewards, terminated, truncated, infos = envs.step(token)
        assert envs.observation_space.contains(obs)
        assert rewards.shape == (2,)
    assert truncated.all() and not terminated.any()  # the budget of 6 tokens is spent
    obs, rewards, terminated, truncated, _ = envs.step(token)  # this step resets both sub-envs
    assert (rewards == 0).all() and not truncated.any()
    assert obs["attention_mask"].sum(axis=1).tolist() == [len(e.prompt_ids) for e in envs.episodes]


def test_vector_matches_single_env(make_vec, tiny_model_dir, tasks) -> None:
    envs = make_vec(num_envs=3)
    obs, _ = envs.reset(seed=11)
    singles = []
    for row in range(3):
        single = WSLAnalyticsEnv(tasks=tasks, model=str(tiny_model_dir), max_new_tokens=6, max_prompt_tokens=256)
        single_obs, _ = single.reset(options={"task": envs.episodes[row].task})
        assert np.array_equal(single_obs["candidates"], obs["candidates"][row])
        singles.append(single)
    actions = np.array([0, 1, 2])
    for _ in range(4):
        obs, rewards, *_ = envs.step(actions)
        for row, single in enumerate(singles):
            s_obs, s_reward, *_ = single.step(int(actions[row]))
            assert np.array_equal(s_obs["input_ids"], obs["input_ids"][row])
            assert np.array_equal(s_obs["candidates"], obs["candidates"][row])
            assert s_reward == pytest.approx(rewards[row], abs=1e-5)


def test_seeded_determinism(make_vec) -> None:
    first, second = make_vec(), make_vec()
    a, _ = first.reset(seed=5)
    b, _ = second.reset(seed=5)
    assert all(np.array_equal(a[key], b[key]) for key in a)


@pytest.mark.parametrize(
    "actions",
    [
        [0, 0],  # wrong batch size
        [0, 0, 99],  # out of range
    ],
)
def test_bad_actions(make_vec, actions) -> None:
    envs = make_vec()
    envs.reset(seed=0)
    with pytest.raises(ValueError, match="action space"):
        envs.step(np.array(actions))

"""WSLAnalytics-v0: checkers, determinism, pickling, rendering, bad actions, budget, rewards, KV reuse."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded

import metrics
import wsl_env  # noqa: F401  (registers the ids)
from wsl_env.envs.token import WSLAnalyticsEnv
from wsl_env.envs.vector import WSLAnalyticsVectorEnv


@pytest.fixture()
def make_env(tiny_model_dir, tasks):
    def make(**kwargs):
        kwargs = {"tasks": tasks, "model": str(tiny_model_dir), "max_new_tokens": 16, "max_prompt_tokens": 256,
                  **kwargs}
        return gym.make("WSLAnalytics-v0", **kwargs)

    return make


def test_gymnasium_check_env_passes_without_warnings(make_env) -> None:
    from gymnasium.utils.env_checker import check_env

    env = make_env()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=False)


def test_sb3_check_env_passes_without_warnings(make_env) -> None:
    from stable_baselines3.common.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(make_env().unwrapped, warn=True)


@pytest.mark.parametrize("action_mode", ["topk", "vocab"])
def test_same_seed_same_trajectory(make_env, action_mode: str) -> None:
    def rollout(env):
        obs, _ = env.reset(seed=7)
        rng = np.random.default_rng(0)
        out = [obs["input_ids"].copy()]
        for _ in range(5):
            obs, reward, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
            out.append(obs["input_ids"].copy())
            out.append(np.array([reward]))
            if terminated or truncated:
                break
        return out

    first, second = rollout(make_env(action_mode=action_mode)), rollout(make_env(action_mode=action_mode))
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_observation_layout(make_env, tasks) -> None:
    env = make_env(k=4)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    n = int(obs["attention_mask"].sum())
    obs2, *_ = env.step(0)
    assert int(obs2["attention_mask"].sum()) == n + 1  # one more real token
    assert obs2["input_ids"][n] == obs["candidates"][0]  # action 0 took the most likely candidate
    assert obs["candidates"].shape == (4,)


def test_action_zero_is_greedy(make_env) -> None:
    env = make_env()
    obs, _ = env.reset(seed=1)
    unwrapped = env.unwrapped
    assert obs["candidates"][0] == int(unwrapped._logprobs.argmax())


@pytest.mark.parametrize(
    "action",
    [
        -1,  # negative
        8,  # one past k
        1.5,  # not an integer
        "0",  # a string
    ],
)
def test_bad_actions_raise_clearly(make_env, action) -> None:
    env = make_env()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="not in the action space"):
        env.unwrapped.step(action)


def test_step_before_reset(make_env) -> None:
    with pytest.raises(ResetNeeded):
        make_env().unwrapped.step(0)


def test_budget_truncates_through_time_limit(make_env) -> None:
    env = make_env(max_new_tokens=3, action_mode="vocab")
    env.reset(seed=0)
    token = 100  # an ordinary token, never EOS
    flags = [env.step(token)[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    assert env.spec.max_episode_steps == 3
    with pytest.raises(RuntimeError, match="budget"):  # the bare env refuses to run past its budget
        env.unwrapped.step(token)


def test_eos_terminates_with_the_composite_score(make_env, tasks) -> None:
    env = make_env(action_mode="vocab", shaping=0.0, claim_bonus=0.0, claim_penalty=0.0)
    env.reset(seed=0, options={"task": tasks[1]})
    tokenizer = env.unwrapped.tokenizer
    ids = tokenizer("I can't help with that.", add_special_tokens=False)["input_ids"]
    for token in ids:
        _, reward, terminated, _, _ = env.step(token)
        assert not terminated and reward == 0.0  # no shaping, no terminal reward yet
    _, reward, terminated, truncated, info = env.step(tokenizer.eos_token_id)
    assert terminated and not truncated
    assert info["text"] == "I can't help with that."
    assert reward == pytest.approx(metrics.score(tasks[1], info["text"]).total)
    assert info["scores"]["terminal"] == pytest.approx(reward)


def test_shaping_telescopes(make_env, tasks) -> None:
    # With gamma = 1 the shaped return is the terminal score minus the start potential, whatever the path.
    env = make_env(action_mode="vocab", claim_bonus=0.0, claim_penalty=0.0)
    env.reset(seed=0, options={"task": tasks[0]})
    start = env.unwrapped.episode.potential
    tokenizer = env.unwrapped.tokenizer
    total = 0.0
    for token in tokenizer("1. Kai posted 17.10 #WSL", add_special_tokens=False)["input_ids"]:
        total += env.step(token)[1]
    _, reward, terminated, _, info = env.step(tokenizer.eos_token_id)
    total += reward
    assert terminated
    assert total == pytest.approx(metrics.score(tasks[0], info["text"]).total - start)
    assert set(info["scores"]) >= {"shaping", "terminal", "token_penalty", "structure", "fact", "safety", "total"}


def _feed(env, text: str, eos: bool = True) -> list[tuple[str, float, dict]]:
    """Step the env (vocab mode) through ``text``'s tokens; (text so far, reward, scores) per step."""
    tokenizer = env.unwrapped.tokenizer
    out = []
    tokens = tokenizer(text, add_special_tokens=False)["input_ids"] + ([tokenizer.eos_token_id] if eos else [])
    for token in tokens:
        _, reward, terminated, _, info = env.step(token)
        out.append((env.unwrapped.episode.text, reward, info["scores"]))
        if terminated:
            break
    return out


def test_misattributed_claim_is_penalised_at_the_token_that_completes_it(make_env, tasks) -> None:
    # Leo's "9.10" is Kai's wave: the claim is settled when its sentence ends (the space after "close."), and
    # exactly that step gets -claim_penalty; the true claim of the next sentence earns +claim_bonus at EOS.
    env = make_env(action_mode="vocab", shaping=0.0, claim_bonus=0.1, claim_penalty=0.3, max_new_tokens=48)
    env.reset(seed=0, options={"task": tasks[0]})
    first = "Leo Santos's best wave, a 9.10, kept him close."
    steps = _feed(env, first + " Kai posted 17.10.")
    settled = next(i for i, (text, _, _) in enumerate(steps) if len(text) > len(first))
    assert [s["claims"] for _, _, s in steps[:settled]] == [0.0] * settled  # nothing before the sentence ends
    assert steps[settled][2]["claims"] == pytest.approx(-0.3)
    assert steps[settled][2]["claim_verdicts"] == ["misattributed"]
    assert steps[-1][2]["claims"] == pytest.approx(0.1) and steps[-1][2]["claim_verdicts"] == ["supported"]
    assert steps[-1][2]["claims_false"] == 1.0 and steps[-1][2]["claims_judged"] == 2.0


def test_a_repeated_true_claim_earns_once(make_env, tasks) -> None:
    env = make_env(action_mode="vocab", shaping=0.0, claim_bonus=0.1, claim_penalty=0.3, max_new_tokens=48)
    env.reset(seed=0, options={"task": tasks[0]})
    steps = _feed(env, "Kai posted 17.10. Kai posted 17.10. Kai posted 17.10.")
    assert sum(s["claims"] for _, _, s in steps) == pytest.approx(0.1)  # padding with true claims pays nothing


def test_claim_rewards_off_restore_the_earlier_reward(make_env, tasks) -> None:
    # claim_bonus=0, claim_penalty=0 (and attribution off, coverage floor 0.5 in the composite) give the reward of
    # earlier versions
    earlier = {"attribution": False, "coverage_floor": 0.5}
    env = make_env(action_mode="vocab", shaping=0.0, claim_bonus=0.0, claim_penalty=0.0,
                   reward_weights=earlier, max_new_tokens=48)
    env.reset(seed=0, options={"task": tasks[0]})
    steps = _feed(env, "Leo Santos's best wave, a 9.10, kept him close.")
    assert all(s["claims"] == 0.0 for _, _, s in steps)
    assert steps[-1][1] == pytest.approx(metrics.score(tasks[0], steps[-1][0], earlier).total)


def test_bad_reward_weights_fail_at_construction(make_env) -> None:
    with pytest.raises(ValueError, match="valid names"):  # not at the first scored step, deep in a rollout
        make_env(reward_weights={"coverage_flor": 0.5})


def test_token_penalty_uses_reference_logprob(make_env) -> None:
    env = make_env(token_penalty=0.5, shaping=0.0)
    env.reset(seed=0)
    logprob = float(env.unwrapped._logprobs[env.unwrapped._candidates[3]])
    _, reward, *_, info = env.step(3)
    assert info["scores"]["token_penalty"] == pytest.approx(0.5 * logprob)
    assert reward == pytest.approx(0.5 * logprob)


def test_kv_cache_is_reused(make_env) -> None:
    env = make_env()
    env.reset(seed=0)
    engine = env.unwrapped.engine
    before = engine.forward_tokens
    for _ in range(4):
        env.step(0)
    assert engine.forward_tokens - before == 4  # one new token per step, never the prefix


def test_pickle_round_trip_mid_episode(make_env) -> None:
    env = make_env().unwrapped
    env.reset(seed=3)
    env.step(1)
    env.step(0)
    clone = pickle.loads(pickle.dumps(env))
    for action in (2, 0, 1):
        a, b = env.step(action), clone.step(action)
        assert np.array_equal(a[0]["input_ids"], b[0]["input_ids"])
        assert a[1] == pytest.approx(b[1], abs=1e-6)
    assert env.np_random.integers(1000) == clone.np_random.integers(1000)


def test_render_ansi_shows_prompt_and_text(make_env, tasks) -> None:
    env = make_env(render_mode="ansi", action_mode="vocab")
    env.reset(seed=0, options={"task": tasks[0]})
    for token in env.unwrapped.tokenizer("Kai", add_special_tokens=False)["input_ids"]:
        env.step(token)
    text = env.render()
    assert "Recap Heat 3" in text and "17.10" in text and text.rstrip().endswith("Kai")


def test_bad_arguments(tiny_model_dir, tasks) -> None:
    with pytest.raises(ValueError, match="action_mode"):
        WSLAnalyticsEnv(tasks=tasks, model=str(tiny_model_dir), action_mode="beam")
    with pytest.raises(ValueError, match="k must be"):
        WSLAnalyticsEnv(tasks=tasks, model=str(tiny_model_dir), k=0)
    with pytest.raises(ValueError, match="render_mode"):
        WSLAnalyticsEnv(tasks=tasks, model=str(tiny_model_dir), render_mode="human")
    env = WSLAnalyticsEnv(tasks=tasks, model=str(tiny_model_dir), max_prompt_tokens=10)
    with pytest.raises(ValueError, match="max_prompt_tokens"):
        env.reset(seed=0)


@pytest.mark.integration
def test_full_greedy_episode_with_the_embedded_model(tasks) -> None:
    env = gym.make("WSLAnalytics-v0", tasks=tasks, max_new_tokens=48)
    env.reset(seed=0, options={"task": tasks[0]})
    terminated = truncated = False
    steps = 0
    while not (terminated or truncated):
        _, reward, terminated, truncated, info = env.step(0)
        steps += 1
    assert steps <= 48
    assert env.unwrapped.episode.text.strip()
    assert 0.0 <= info["scores"]["total"] <= 1.0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"action_mode": "greedy"}, "action_mode must be one of"),  # not a mode
    ({"k": 0}, "k must be a whole number >= 1"),
    ({"max_new_tokens": 0}, "max_new_tokens must be a whole number >= 1"),
    ({"max_prompt_tokens": 2.5}, "max_prompt_tokens must be a whole number >= 1"),
    ({"claim_bonus": float("inf")}, "claim_bonus must be a finite"),
    ({"reward_weights": {"facts": 1.0}}, "valid names"),  # a misspelt weight
])
def test_bad_arguments_fail_before_the_model_is_loaded(monkeypatch, kwargs: dict, message: str) -> None:
    from wsl_env.envs import common

    monkeypatch.setattr(common, "get_model", lambda *args: pytest.fail("the model was loaded before the check"))
    for env_cls in (WSLAnalyticsEnv, WSLAnalyticsVectorEnv):
        with pytest.raises(ValueError, match=message):
            env_cls(tasks="test", **kwargs)


def test_a_torch_dtype_reaches_the_loader_by_name(monkeypatch) -> None:
    import torch

    from wsl_env.envs import common
    from wsl_env.models import resolve_dtype

    seen = []
    monkeypatch.setattr(common, "_shared_model", lambda name, adapter, dtype: seen.append(dtype) or ("m", "t"))
    common.get_model("some-model", None, torch.bfloat16)
    assert seen == ["bfloat16"] and resolve_dtype(seen[0]) is torch.bfloat16  # was "torch.bfloat16": an error


def test_numpy_counts_and_an_unused_k_are_accepted() -> None:
    from wsl_env.envs.common import TokenEnvConfig

    config = TokenEnvConfig(k=np.int64(4), max_new_tokens=np.int32(8))  # a sweep's values, as before the checks
    assert config.k == 4 and config.max_new_tokens == 8
    assert TokenEnvConfig(action_mode="vocab", k=0).k == 0  # vocab mode reads no k

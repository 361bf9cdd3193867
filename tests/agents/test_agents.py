"""Every agent acts in both envs; the scripted bounds score where they should; LLMAgent batches correctly."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import metrics
import wsl_env  # noqa: F401
from agents import AGENTS, GreedyTopKAgent, LLMAgent, RandomAgent, RefuseAgent, TemplateAgent, make_agent
from wsl_env.generator import TaskGenerator


@pytest.fixture(scope="module")
def generated():
    return TaskGenerator(seed=123).sample(60)


@pytest.fixture(scope="module")
def llm(tiny_model_dir):
    return LLMAgent(model=str(tiny_model_dir), dtype=None, batch_size=4)


def agents_under_test(tiny_model_dir, llm):
    return [RandomAgent(seed=0), RefuseAgent(), TemplateAgent(), llm,
            GreedyTopKAgent(model=str(tiny_model_dir), dtype=None)]


def test_every_agent_in_the_response_env(tiny_model_dir, llm, generated) -> None:
    env = gym.make("WSLAnalytics-Response-v0", tasks=generated[:5])
    for agent in agents_under_test(tiny_model_dir, llm):
        obs, info = env.reset(seed=0)
        action = agent.act_text(obs, info)
        _, reward, terminated, _, _ = env.step(action)
        assert terminated and 0.0 <= reward <= 1.0, agent


@pytest.mark.parametrize("action_mode", ["topk", "vocab"])
def test_every_agent_in_the_token_env(tiny_model_dir, llm, generated, action_mode) -> None:
    env = gym.make("WSLAnalytics-v0", tasks=generated[:5], model=str(tiny_model_dir), max_new_tokens=6,
                   action_mode=action_mode)
    tokenizer = env.unwrapped.tokenizer
    for agent in agents_under_test(tiny_model_dir, llm):
        if isinstance(agent, GreedyTopKAgent) and action_mode == "vocab":
            with pytest.raises(ValueError, match="topk"):
                obs, info = env.reset(seed=0)
                agent.begin(info, tokenizer)
                agent.act(obs)
            continue
        obs, info = env.reset(seed=0)
        agent.begin(info, tokenizer)
        done = False
        while not done:
            action = agent.act(obs)
            assert env.action_space.contains(action), agent
            obs, _, terminated, truncated, _ = env.step(action)
            done = terminated or truncated


def test_template_agent_spells_its_post_in_vocab_mode(tiny_model_dir, generated) -> None:
    # Scripted agents steer the token env exactly: the episode ends with EOS on their post.
    task = generated[0]
    env = gym.make("WSLAnalytics-v0", tasks=[task], model=str(tiny_model_dir), max_new_tokens=200,
                   action_mode="vocab", shaping=0.0)
    obs, info = env.reset(seed=0)
    agent = TemplateAgent()
    agent.begin(info, env.unwrapped.tokenizer)
    done = False
    while not done:
        obs, reward, terminated, truncated, step_info = env.step(agent.act(obs))
        done = terminated or truncated
    assert terminated
    assert step_info["text"] == agent.write(task)
    assert reward == pytest.approx(metrics.score(task, agent.write(task)).total)


def test_template_is_the_upper_bound_and_refuse_is_low(generated) -> None:
    template = np.mean([metrics.score(t, r).total for t, r in zip(generated, TemplateAgent().generate(generated),
                                                                    strict=True)])
    refuse = np.mean([metrics.score(t, r).total for t, r in zip(generated, RefuseAgent().generate(generated),
                                                                  strict=True)])
    assert template >= 0.98  # the template writes from the facts
    assert refuse <= 0.5  # refusing everything fails every answer-task


def test_llm_agent_batched_greedy_matches_one_by_one(tiny_model_dir, generated) -> None:
    batched = LLMAgent(model=str(tiny_model_dir), dtype=None, batch_size=4)
    single = LLMAgent(model=str(tiny_model_dir), dtype=None, batch_size=1)
    tasks = generated[:4]
    assert batched.generate(tasks, max_new_tokens=8) == single.generate(tasks, max_new_tokens=8)
    assert batched.stats.new_tokens > 0 and batched.stats.prompts == 4


def test_llm_agent_sampling_is_seeded(tiny_model_dir, generated) -> None:
    first = LLMAgent(model=str(tiny_model_dir), dtype=None, do_sample=True, seed=3).generate(generated[:3], 8)
    second = LLMAgent(model=str(tiny_model_dir), dtype=None, do_sample=True, seed=3).generate(generated[:3], 8)
    assert first == second


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temperature": 0.0},  # temperature must be positive
        {"top_p": 1.5},  # top_p in (0, 1]
        {"batch_size": 0},  # at least one prompt per batch
    ],
)
def test_llm_agent_rejects_bad_settings(tiny_model_dir, kwargs) -> None:
    with pytest.raises(ValueError):
        LLMAgent(model=str(tiny_model_dir), **kwargs)


def test_make_agent_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        make_agent("oracle")
    assert set(AGENTS) >= {"random", "refuse", "template", "llm", "greedy"}


@pytest.mark.integration
def test_llm_agent_with_the_embedded_model_writes_text(generated) -> None:
    agent = LLMAgent(batch_size=2)
    posts = agent.generate(generated[:2], max_new_tokens=24)
    assert all(isinstance(p, str) and p for p in posts)
    assert agent.stats.tokens_per_second > 0


def test_engine_and_hf_backends_agree_on_greedy(tiny_model_dir, generated) -> None:
    engine = LLMAgent(model=str(tiny_model_dir), dtype=None, batch_size=3, backend="engine")
    hf = LLMAgent(model=str(tiny_model_dir), dtype=None, batch_size=3, backend="hf")
    assert engine.generate(generated[:3], max_new_tokens=10) == hf.generate(generated[:3], max_new_tokens=10)

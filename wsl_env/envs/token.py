"""WSLAnalytics-v0: writing a post one token at a time, as a Gymnasium environment."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.error import ResetNeeded
from gymnasium.wrappers import TimeLimit

from wsl_env.envs.common import (
    DEFAULT_MAX_NEW_TOKENS,
    DEFAULT_MAX_PROMPT_TOKENS,
    TokenEnvConfig,
    TokenEnvCore,
    candidates_and_logprobs,
    encode_prompt,
    fill_observation,
)
from wsl_env.envs.rewards import Episode
from wsl_env.models import EMBEDDED_ALIAS
from wsl_env.prompt import build_messages
from wsl_env.schema import as_task


class WSLAnalyticsEnv(TokenEnvCore, gym.Env[dict[str, np.ndarray], np.int64]):
    """WSLAnalytics-v0: write a surf analytics post token by token.

    ## Description

    A token-level text-generation MDP: the agent writes a surf-competition analytics post (a heat recap, an
    athlete snapshot, event stats, a comparison, or a refusal) one token at a time. The wrapped chat model
    (the embedded SmolLM2-135M-Instruct by default, optionally with a LoRA adapter) proposes the next tokens;
    the reward comes from `metrics.score`: structure, fact accuracy and safety.

    ## Action Space

    `action_mode="topk"` (default): `Discrete(k)`, one of the k most likely next tokens under the wrapped model,
    most likely first, so action 0 is greedy decoding. This is the masked action space of NLPO
    (Ramamurthy et al. 2022, "Is Reinforcement Learning (Not) for Natural Language Processing?").
    `action_mode="vocab"`: `Discrete(vocab_size)`, the token id itself, for full language-model policies.
    An action outside the space raises `ValueError`.

    ## Observation Space

    A `Dict` of fixed-shape `int64` arrays of length `L = max_prompt_tokens + max_new_tokens`:
    `input_ids` (the chat prompt followed by the generated tokens, right-padded with the pad id),
    `attention_mask` (1 on real tokens), and in top-k mode `candidates` (the k token ids the actions pick).

    ## Rewards

    `reward = claims + shaping + terminal + token_penalty`, each also in `info["scores"]`:
    `claims` rewards each claim of the post (a number and what the post says it is, `metrics.claims`) at the step
    whose token completes the sentence holding it (the text goes past the sentence's end, or EOS):
    `+claim_bonus` the first time a true claim (`supported` or `derived`) is made, `-claim_penalty` for each false
    one (`misattributed`, `unsupported`), 0 for `unverifiable`; `info["scores"]["claim_verdicts"]` lists the
    verdicts rewarded at that step. This is credit at the tokens that earned it. It is *not* potential-based: the
    optimal policy changes, towards posts whose claims are true and, up to the token budget and the terminal
    score's length and repetition penalties, more numerous. `shaping = gamma * Phi(s') - Phi(s)` with `Phi(s) =
    shaping * metrics.score(task, text so far).total` and `Phi = 0` at termination (potential-based, Ng, Harada &
    Russell 1999: this term alone leaves the optimal policy unchanged); `terminal = metrics.score(task,
    post).total` when the model emits EOS; `token_penalty = token_penalty * log p_ref(token)`, an optional penalty
    for tokens the wrapped model finds unlikely. `info["scores"]` also has the partial post's `structure`,
    `fact`, `safety` and `total`, and the running `claims_judged` and `claims_false`.

    ## Starting State

    `reset()` draws a task with `self.np_random` from `tasks`, applies the model's chat template and prefills
    the KV cache. `reset(options={"task": task})` starts from a given task (a `Task` or a schema dict).
    The reset `info` carries the task as a schema dict in `info["task"]`. With `policy_logprobs=True`, the reset and
    every step's `info["logprobs"]` hold the wrapped model's log-probabilities of the next action, computed in the
    forward pass the env runs anyway: a `float32` array of shape `(k,)` in top-k mode (the candidates' log-probs
    under the full distribution; renormalise over them for the masked policy) or `(vocab_size,)` in vocab mode. A
    learner whose policy *is* the wrapped model (`model=(policy, tokenizer)`, e.g. `train.ppo`) samples its actions
    from it, with no second forward pass.

    ## Episode End

    The episode terminates when the chosen token is an end-of-turn token (EOS). It is truncated after
    `max_new_tokens` tokens by the `TimeLimit` wrapper that the registered entry point applies; the env never
    truncates by itself, and stepping it past its budget without that wrapper raises an error.

    ## Arguments

    | argument | default | meaning |
    |---|---|---|
    | `tasks` | `"generated"` | `"generated"`, a set (`"test"`, `"written-test"`...), a JSONL path, tasks, a generator |
    | `model` | `"smollm2-135m-instruct"` | alias, Hugging Face id, local directory, or `(model, tokenizer)` |
    | `adapter` | `None` | a PEFT LoRA adapter directory, or `"smollm2-135m-wsl"` (the shipped adapter) |
    | `action_mode` | `"topk"` | `"topk"` or `"vocab"` |
    | `k` | `8` | number of candidate tokens in top-k mode |
    | `max_new_tokens` | `128` | the token budget |
    | `reward_weights` | `None` | weights of the composite, passed to `metrics.score` |
    | `max_prompt_tokens` | `512` | room for the prompt in the observation |
    | `shaping` | `1.0` | scale of the shaping potential (0 turns it off) |
    | `gamma` | `1.0` | discount used by the shaping term |
    | `token_penalty` | `0.0` | coefficient on the reference log-probability of each token |
    | `claim_bonus` | `0.05` | reward for each distinct true claim, when its sentence completes (0: off) |
    | `claim_penalty` | `0.25` | penalty for each false claim, when its sentence completes (0: off) |
    | `policy_logprobs` | `False` | put the wrapped model's log-probabilities of the actions in `info["logprobs"]` |
    | `dtype` | `"auto"` | model dtype: bf16 on CPUs with native bf16, else fp32; or `None`/`"float32"`, `"bf16"` |
    | `render_mode` | `None` | `"ansi"` returns the prompt and the text so far |

    ## Version History

    * v0: initial version. Changed in place before the first release (2026-12): the fact score checks what each
      number is said to be (a misattributed figure is false), and per-claim rewards were added; on 2026-12-02
      the fact score of an answer that states no context figure went from 0.5 to 0 (`coverage_floor`, after PPO
      learned to leave figures out), and an answer's total is scaled by `min(1, words / 15)`, hashtags not
      counted (`min_answer_words`, after PPO then learned to answer with hashtags alone). The earlier reward is
      `claim_bonus=0, claim_penalty=0, reward_weights={"attribution": False, "coverage_floor": 0.5,
      "min_answer_words": 0}`.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        tasks: Any = "generated",
        model: Any = EMBEDDED_ALIAS,
        adapter: Any = None,
        action_mode: str = "topk",
        k: int = 8,
        max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
        reward_weights: Any = None,
        max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS,
        shaping: float = 1.0,
        gamma: float = 1.0,
        token_penalty: float = 0.0,
        claim_bonus: float = 0.05,
        claim_penalty: float = 0.25,
        dtype: Any = "auto",
        policy_logprobs: bool = False,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None")
        config = TokenEnvConfig(
            tasks=tasks, model=model, adapter=adapter, action_mode=action_mode, k=k, max_new_tokens=max_new_tokens,
            reward_weights=reward_weights, max_prompt_tokens=max_prompt_tokens, shaping=shaping, gamma=gamma,
            token_penalty=token_penalty, claim_bonus=claim_bonus, claim_penalty=claim_penalty, dtype=dtype,
            policy_logprobs=policy_logprobs,
        )  # fmt: skip
        self._init_kwargs = {**{f.name: getattr(config, f.name) for f in fields(config)}, "render_mode": render_mode}
        self.render_mode = render_mode
        self._init_core(1, config)
        self.observation_space = self.sizes.observation_space()
        self.action_space = self.sizes.action_space()
        self.episode: Episode | None = None
        self._ids = np.zeros(self.sizes.length, dtype=np.int64)
        self._mask = np.zeros(self.sizes.length, dtype=np.int64)
        self._candidates = np.zeros(k, dtype=np.int64)
        self._logprobs: Any = None

    def _observe(self, logits: Any) -> dict[str, np.ndarray]:
        if logits is not None:
            candidates, logprobs = candidates_and_logprobs(logits.unsqueeze(0), self.sizes.k)
            self._candidates, self._logprobs = candidates[0], logprobs[0]
        assert self.episode is not None
        fill_observation(self._ids, self._mask, self.episode.prompt_ids, self.episode.generated, self.pad_id)
        obs = {"input_ids": self._ids.copy(), "attention_mask": self._mask.copy()}
        if self.sizes.action_mode == "topk":
            obs["candidates"] = self._candidates.copy()
        return obs

    def _info(self) -> dict[str, Any]:
        assert self.episode is not None
        return {"task_id": self.episode.task.id, "category": self.episode.task.category,
                "expected_behavior": self.episode.task.expected_behavior}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        if options and "task" in options:
            task = as_task(options["task"])
        else:
            task = self.source.draw(self.np_random)
        prompt = encode_prompt(self.tokenizer, task, self.sizes.max_prompt_tokens)
        self.episode = Episode(task, prompt, self.tokenizer, self.reward_config)
        logits = self.engine.reset_rows([0], [prompt])[0]
        info = self._info()
        info["task"] = task.to_dict()
        obs = self._observe(logits)
        if self.config.policy_logprobs:
            info["logprobs"] = self._policy_logprobs(self._logprobs[None], self._candidates[None])[0]
        return obs, info

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if self.episode is None:
            raise ResetNeeded("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in the action space {self.action_space}")
        if len(self.episode.generated) >= self.sizes.max_new_tokens:
            raise RuntimeError(
                f"the token budget (max_new_tokens={self.sizes.max_new_tokens}) is spent: create the env with "
                "gym.make (its TimeLimit truncates the episode) or call reset()"
            )
        token = self._token_for(int(action), self._candidates)
        terminated = token in self.eos_ids
        reward, components = self.episode.advance(token, float(self._logprobs[token]), terminated)
        logits = None
        if not terminated and len(self.episode.generated) < self.sizes.max_new_tokens:
            logits = self.engine.step([token])[0]
        info = self._info()
        info["scores"] = components
        if terminated:
            info["text"] = self.episode.text
        obs = self._observe(logits)
        if self.config.policy_logprobs and logits is not None:
            info["logprobs"] = self._policy_logprobs(self._logprobs[None], self._candidates[None])[0]
        return obs, float(reward), terminated, False, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        if self.episode is None:
            return "(call reset() first)"
        user = build_messages(self.episode.task, system_prompt=None)[0]["content"]
        return f"=== prompt ({self.episode.task.id}) ===\n{user}\n=== generated ===\n{self.episode.text}\n"

    def __getstate__(self) -> dict[str, Any]:
        # The model, cache and tokenizer are rebuilt on load; the episode is replayed token by token.
        episode = None
        if self.episode is not None:
            episode = {"task": self.episode.task.to_dict(), "generated": list(self.episode.generated)}
        return {"kwargs": self._init_kwargs, "np_random": self._np_random, "seed": self._np_random_seed,
                "episode": episode}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["kwargs"])  # type: ignore[misc]
        self._np_random, self._np_random_seed = state["np_random"], state["seed"]
        if state["episode"] is not None:
            task = as_task(state["episode"]["task"])
            prompt = encode_prompt(self.tokenizer, task, self.sizes.max_prompt_tokens)
            self.episode = Episode(task, prompt, self.tokenizer, self.reward_config)
            generated = state["episode"]["generated"]
            for token in generated:
                self.episode.advance(token, 0.0, token in self.eos_ids)
            logits = self.engine.replay([prompt + generated])[0]
            self._observe(logits)


def make_token_env(max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS, **kwargs: Any) -> gym.Env:
    """The registered entry point: the env inside a ``TimeLimit`` of ``max_new_tokens`` steps (the budget)."""
    return TimeLimit(WSLAnalyticsEnv(max_new_tokens=max_new_tokens, **kwargs), max_episode_steps=max_new_tokens)

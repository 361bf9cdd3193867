"""The batched vector version of WSLAnalytics-v0: one forward pass per step for all sub-envs."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

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


class WSLAnalyticsVectorEnv(TokenEnvCore, gym.vector.VectorEnv):
    """``num_envs`` copies of WSLAnalytics-v0 stepped together through one batched KV cache.

    Same arguments, spaces and rewards as :class:`wsl_env.envs.token.WSLAnalyticsEnv`. Sub-envs reset
    automatically on the step after they end (Gymnasium's ``NEXT_STEP`` autoreset mode), and episodes are
    truncated after ``max_new_tokens`` tokens. Each sub-env's reward components are in ``info["scores"]``.
    Create it with ``gym.make_vec("WSLAnalytics-v0", num_envs=16, vectorization_mode="vector_entry_point")``
    or directly.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["ansi"]}

    def __init__(
        self,
        num_envs: int = 4,
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
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.num_envs = num_envs
        self.render_mode = render_mode
        self._init_core(num_envs, TokenEnvConfig(
            tasks=tasks, model=model, adapter=adapter, action_mode=action_mode, k=k, max_new_tokens=max_new_tokens,
            reward_weights=reward_weights, max_prompt_tokens=max_prompt_tokens, shaping=shaping, gamma=gamma,
            token_penalty=token_penalty, claim_bonus=claim_bonus, claim_penalty=claim_penalty, dtype=dtype,
            policy_logprobs=policy_logprobs,
        ))  # fmt: skip
        self.single_observation_space = self.sizes.observation_space()
        self.single_action_space = self.sizes.action_space()
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.episodes: list[Episode | None] = [None] * num_envs
        self._ids = np.zeros((num_envs, self.sizes.length), dtype=np.int64)
        self._mask = np.zeros((num_envs, self.sizes.length), dtype=np.int64)
        self._candidates = np.zeros((num_envs, k), dtype=np.int64)
        self._logprobs: Any = None
        self._autoreset = np.zeros(num_envs, dtype=bool)

    def _start(self, rows: list[int]) -> None:
        """New tasks for ``rows``, drawn in row order from the shared RNG, prefilled in one batch."""
        prompts = []
        for row in rows:
            task = self.source.draw(self.np_random)
            prompt = encode_prompt(self.tokenizer, task, self.sizes.max_prompt_tokens)
            self.episodes[row] = Episode(task, prompt, self.tokenizer, self.reward_config)
            prompts.append(prompt)
        self._set_logits(rows, self.engine.reset_rows(rows, prompts))

    def _set_logits(self, rows: list[int], logits: Any) -> None:
        candidates, logprobs = candidates_and_logprobs(logits, self.sizes.k)
        if self._logprobs is None:
            self._logprobs = logprobs.new_zeros((self.num_envs, logprobs.shape[-1]))
        self._candidates[rows] = candidates
        self._logprobs[rows] = logprobs

    def _observe(self) -> dict[str, np.ndarray]:
        for row, episode in enumerate(self.episodes):
            assert episode is not None
            fill_observation(self._ids[row], self._mask[row], episode.prompt_ids, episode.generated, self.pad_id)
        obs = {"input_ids": self._ids.copy(), "attention_mask": self._mask.copy()}
        if self.sizes.action_mode == "topk":
            obs["candidates"] = self._candidates.copy()
        return obs

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if isinstance(seed, list):
            raise ValueError("this vector env draws every sub-env's task from one RNG: pass one int seed")
        super().reset(seed=seed)
        self._autoreset[:] = False
        self._start(list(range(self.num_envs)))
        return self._observe(), self._logprob_info({})

    def step(
        self, actions: Any
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if any(e is None for e in self.episodes):
            raise gym.error.ResetNeeded("call reset() before step()")
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,) or not self.action_space.contains(actions.astype(np.int64)):
            raise ValueError(f"actions {actions!r} are not in the action space {self.action_space}")
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.zeros(self.num_envs, dtype=bool)
        tokens = np.full(self.num_envs, self.pad_id, dtype=np.int64)
        infos: dict[str, Any] = {}
        restart = [row for row in range(self.num_envs) if self._autoreset[row]]
        for row in range(self.num_envs):
            if self._autoreset[row]:
                continue
            episode = self.episodes[row]
            assert episode is not None
            token = self._token_for(int(actions[row]), self._candidates[row])
            tokens[row] = token
            terminated[row] = token in self.eos_ids
            logprob = float(self._logprobs[row, token])
            rewards[row], components = episode.advance(token, logprob, bool(terminated[row]))
            truncated[row] = not terminated[row] and len(episode.generated) >= self.sizes.max_new_tokens
            infos = self._add_info(infos, {"scores": components, "task_id": episode.task.id}, row)
        stepping = [row for row in range(self.num_envs) if not self._autoreset[row]]
        if stepping:
            logits = self.engine.step(tokens)
            self._set_logits(stepping, logits[stepping])
        if restart:
            self._start(restart)
        self._autoreset = terminated | truncated
        return self._observe(), rewards, terminated, truncated, self._logprob_info(infos)

    def _logprob_info(self, infos: dict[str, Any]) -> dict[str, Any]:
        """Add ``logprobs`` (rows first) when the env was made with ``policy_logprobs=True``."""
        if self.config.policy_logprobs:
            infos["logprobs"] = self._policy_logprobs(self._logprobs, self._candidates)
            infos["_logprobs"] = np.ones(self.num_envs, dtype=bool)
        return infos

    def render(self) -> list[str] | None:
        if self.render_mode != "ansi":
            return None
        return [f"[{i}] {e.task.id}: {e.text}" if e else f"[{i}] (not reset)" for i, e in enumerate(self.episodes)]

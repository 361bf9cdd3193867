"""Per-episode reward bookkeeping shared by the single and the vectorised token-level env.

reward_t = shaping_t + terminal_t + token_penalty_t, where

* shaping_t = gamma * Phi(s_{t+1}) - Phi(s_t) with Phi(s) = shaping * metrics.score(task, text_so_far).total and
  Phi = 0 at a terminal state. This is potential-based shaping (Ng, Harada & Russell 1999): it leaves the optimal
  policy unchanged, and a truncated episode has still collected Phi of its last text as a progress signal;
* terminal_t = metrics.score(task, final_text).total when the model emits EOS, else 0;
* token_penalty_t = token_penalty * log p_ref(token) (<= 0), an optional penalty for tokens the wrapped
  reference model finds unlikely, as in the KL penalty of RL4LMs/NLPO.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import metrics
from wsl_env.task import Task


@dataclass(frozen=True)
class RewardConfig:
    """How the token-level reward is shaped.

    Attributes:
        weights: the composite's weights, passed to ``metrics.score`` (``None`` for the defaults).
        shaping: scale of the potential Phi; 0 turns shaping off (and skips per-step scoring).
        gamma: the discount used in the shaping term; match your agent's discount.
        token_penalty: coefficient on the reference log-probability of each chosen token; 0 turns it off.
    """

    weights: Mapping[str, float] | Any | None = None
    shaping: float = 1.0
    gamma: float = 1.0
    token_penalty: float = 0.0

    def __post_init__(self) -> None:
        if self.shaping < 0 or self.token_penalty < 0:
            raise ValueError("shaping and token_penalty must be >= 0")
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma}")


class Episode:
    """One episode's task, tokens and running potential."""

    def __init__(self, task: Task, prompt_ids: list[int], tokenizer: Any, config: RewardConfig) -> None:
        self.task = task
        self.prompt_ids = prompt_ids
        self.generated: list[int] = []
        self.text = ""
        self.tokenizer = tokenizer
        self.config = config
        self.last_scores: Any = None
        self.potential = self._potential(self.text)

    def _potential(self, text: str) -> float:
        if self.config.shaping == 0.0:
            return 0.0
        self.last_scores = metrics.score(self.task, text, weights=self.config.weights)
        return self.config.shaping * self.last_scores.total

    def advance(self, token: int, logprob: float, terminated: bool) -> tuple[float, dict[str, float]]:
        """Append ``token``; return the reward and its named components."""
        self.generated.append(token)
        self.text = self.tokenizer.decode(self.generated, skip_special_tokens=True)
        terminal = 0.0
        if terminated:
            self.last_scores = metrics.score(self.task, self.text, weights=self.config.weights)
            terminal = self.last_scores.total
            next_potential = 0.0
        else:
            next_potential = self._potential(self.text)
        shaping = self.config.gamma * next_potential - self.potential
        self.potential = next_potential
        penalty = self.config.token_penalty * max(logprob, -1e4) if self.config.token_penalty else 0.0
        components = {
            "reward": shaping + terminal + penalty,
            "shaping": shaping,
            "terminal": terminal,
            "token_penalty": penalty,
            "potential": next_potential,
            "ref_logprob": logprob if math.isfinite(logprob) else -1e4,
        }
        if self.last_scores is not None:
            for name in ("structure", "fact", "safety", "total"):
                components[name] = float(getattr(self.last_scores, name))
        return components["reward"], components

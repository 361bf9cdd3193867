"""Per-episode reward bookkeeping shared by the single and the vectorised token-level env.

reward_t = claims_t + shaping_t + terminal_t + token_penalty_t, where

* claims_t rewards each claim (a number the post states, :func:`metrics.claims`) at the step whose token completes
  the sentence that holds it (the text goes past the sentence's end, or the episode ends): ``+claim_bonus`` the
  first time a true claim (``supported`` or ``derived``) is made, ``-claim_penalty`` for every false one
  (``misattributed`` or ``unsupported``), 0 for ``unverifiable``. Credit lands on the tokens that earned it. These
  rewards are *not* potential-based: they change which policy is optimal, towards posts whose claims are true and
  (up to the token budget and the terminal score's length and repetition penalties) more numerous;
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
from metrics.claims import TRUE_VERDICTS, context_facts, judge_claims
from metrics.composite import resolve_weights
from metrics.parse import Parse, sentence_spans
from wsl_env.schema import Task

__all__ = ["RewardConfig", "Episode"]


@dataclass(frozen=True)
class RewardConfig:
    """How the token-level reward is shaped.

    Attributes:
        weights: the composite's weights, passed to ``metrics.score`` (``None`` for the defaults).
        shaping: scale of the potential Phi; 0 turns shaping off (and skips per-step scoring).
        gamma: the discount used in the shaping term; match your agent's discount.
        token_penalty: coefficient on the reference log-probability of each chosen token; 0 turns it off.
        claim_bonus: reward for each distinct true claim, when its sentence completes; 0 turns it off.
        claim_penalty: penalty for each false claim, when its sentence completes; 0 turns it off.
    """

    weights: Mapping[str, float] | Any | None = None
    shaping: float = 1.0
    gamma: float = 1.0
    token_penalty: float = 0.0
    claim_bonus: float = 0.05
    claim_penalty: float = 0.25

    def __post_init__(self) -> None:
        for name in ("shaping", "token_penalty", "claim_bonus", "claim_penalty"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not 0.0 < self.gamma <= 1.0:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma}")
        # Resolved once (a bad name or value fails at construction), not on every per-step score.
        object.__setattr__(self, "weights", resolve_weights(self.weights))

    @property
    def claims_on(self) -> bool:
        return self.claim_bonus > 0 or self.claim_penalty > 0


class Episode:
    """One episode's task, tokens, running potential and the claims already rewarded."""

    def __init__(self, task: Task, prompt_ids: list[int], tokenizer: Any, config: RewardConfig) -> None:
        self.task = task
        self.prompt_ids = prompt_ids
        self.generated: list[int] = []
        self.text = ""
        self.tokenizer = tokenizer
        self.config = config
        self.last_scores: Any = None
        self.claims_done = 0  # claims rewarded so far (in order)
        self.claims_false = 0
        self._rewarded_true: set[tuple[float, str | None, str | None]] = set()
        self._complete_sentences = 0
        self.potential = self._potential(self.text)

    def _potential(self, text: str) -> float:
        if self.config.shaping == 0.0:
            return 0.0
        self.last_scores = metrics.score(self.task, text, weights=self.config.weights)
        return self.config.shaping * self.last_scores.total

    def _claim_reward(self, terminated: bool) -> tuple[float, list[str]]:
        """The reward for the claims whose sentences the last token completed, and their verdicts."""
        spans = sentence_spans(self.text)
        complete = len(spans) if terminated else sum(1 for _, end in spans if end < len(self.text))
        if complete <= self._complete_sentences:
            return 0.0, []
        self._complete_sentences = complete
        boundary = len(self.text) if terminated else spans[complete - 1][1]
        facts = context_facts(self.task.context, self.task.instruction)
        claims = judge_claims(Parse(self.text), facts)[0]
        reward, verdicts = 0.0, []
        for claim in claims[self.claims_done :]:
            if claim.sentence_end > boundary:
                break
            self.claims_done += 1
            verdicts.append(claim.verdict)
            if claim.verdict in TRUE_VERDICTS:
                key = (claim.value, claim.subject, claim.statistic)
                if key not in self._rewarded_true:  # a true claim repeated earns nothing more
                    self._rewarded_true.add(key)
                    reward += self.config.claim_bonus
            elif claim.is_false:
                self.claims_false += 1
                reward -= self.config.claim_penalty
        return reward, verdicts

    def advance(self, token: int, logprob: float, terminated: bool) -> tuple[float, dict[str, Any]]:
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
        claim_reward, verdicts = self._claim_reward(terminated) if self.config.claims_on else (0.0, [])
        components: dict[str, Any] = {
            "reward": claim_reward + shaping + terminal + penalty,
            "claims": claim_reward,
            "shaping": shaping,
            "terminal": terminal,
            "token_penalty": penalty,
            "potential": next_potential,
            "ref_logprob": logprob if math.isfinite(logprob) else -1e4,
            "claims_judged": float(self.claims_done),
            "claims_false": float(self.claims_false),
        }
        if verdicts:
            components["claim_verdicts"] = verdicts
        if self.last_scores is not None:
            for name in ("structure", "fact", "safety", "total"):
                components[name] = float(getattr(self.last_scores, name))
        return components["reward"], components

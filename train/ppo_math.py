"""The arithmetic of PPO on token-level episodes: advantages (GAE), the clipped losses, and Ziegler's adaptive KL
coefficient. Pure functions of tensors, so each is tested against a hand-computed example.

References: Schulman et al. 2016 (GAE, https://arxiv.org/abs/1506.02438), Schulman et al. 2017 (PPO,
https://arxiv.org/abs/1707.06347), Ziegler et al. 2019 (adaptive KL, https://arxiv.org/abs/1909.08593).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["AdaptiveKL", "PPOLosses", "gae", "masked_mean", "ppo_losses", "whiten"]


def gae(rewards: torch.Tensor, values: torch.Tensor, last_values: torch.Tensor, mask: torch.Tensor,
        gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimates and returns of a batch of episodes, right-padded to one length.

    ``rewards``, ``values`` and ``mask`` are ``[B, T]`` (``mask`` is 1 on real steps); ``last_values`` ``[B]`` is
    the value of the state after each episode's last step: 0 when it terminated, V(s_T) when it was cut off by the
    token budget. Returns ``(advantages, returns)``, both ``[B, T]`` and 0 on padding; ``returns = advantages +
    values``.
    """
    batch, steps = rewards.shape
    advantages = torch.zeros_like(rewards)
    running = torch.zeros(batch, dtype=rewards.dtype, device=rewards.device)
    lengths = mask.sum(dim=1).long()
    for t in range(steps - 1, -1, -1):
        real = mask[:, t] > 0
        is_last = lengths - 1 == t
        next_value = torch.where(is_last, last_values, values[:, t + 1] if t + 1 < steps else last_values)
        running = torch.where(is_last, torch.zeros_like(running), running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = torch.where(real, delta + gamma * lam * running, torch.zeros_like(running))
        advantages[:, t] = running
    return advantages, (advantages + values) * mask


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the positions where ``mask`` is 1."""
    return (values * mask).sum() / mask.sum().clamp(min=1)


def whiten(values: torch.Tensor, mask: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """``values`` standardised over the masked positions (padding stays 0)."""
    mean = masked_mean(values, mask)
    var = masked_mean((values - mean) ** 2, mask)
    return (values - mean) * torch.rsqrt(var + eps) * mask


@dataclass(frozen=True)
class PPOLosses:
    """The terms of one PPO minibatch (scalars) and the diagnostics every run logs."""

    policy: torch.Tensor
    value: torch.Tensor
    entropy: torch.Tensor
    approx_kl: torch.Tensor
    clip_fraction: torch.Tensor

    def total(self, value_coef: float, entropy_coef: float) -> torch.Tensor:
        return self.policy + value_coef * self.value - entropy_coef * self.entropy


def ppo_losses(new_logprobs: torch.Tensor, old_logprobs: torch.Tensor, advantages: torch.Tensor,
               new_values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor, entropy: torch.Tensor,
               mask: torch.Tensor, clip: float, value_clip: float) -> PPOLosses:
    """The clipped surrogate policy loss, the clipped value loss (both as in PPO2), and the mean entropy.

    All inputs are ``[B, T]`` over the same masked steps. ``approx_kl`` is the ``(r - 1) - log r`` estimator of
    KL(old || new); ``clip_fraction`` the share of steps whose ratio left ``[1 - clip, 1 + clip]``.
    """
    log_ratio = (new_logprobs - old_logprobs) * mask
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip, 1.0 + clip)
    policy = masked_mean(torch.maximum(unclipped, clipped), mask)
    values_clipped = old_values + torch.clamp(new_values - old_values, -value_clip, value_clip)
    value = 0.5 * masked_mean(torch.maximum((new_values - returns) ** 2, (values_clipped - returns) ** 2), mask)
    with torch.no_grad():
        approx_kl = masked_mean((ratio - 1.0) - log_ratio, mask)
        clip_fraction = masked_mean(((ratio - 1.0).abs() > clip).float(), mask)
    return PPOLosses(policy, value, masked_mean(entropy, mask), approx_kl, clip_fraction)


class AdaptiveKL:
    """Ziegler et al.'s controller: the KL coefficient moves so that the measured KL tracks ``target``.

    ``coef <- coef * (1 + clip(kl / target - 1, -0.2, 0.2) * steps / horizon)``; with ``target=None`` the
    coefficient stays fixed.
    """

    def __init__(self, coef: float, target: float | None = None, horizon: int = 10_000) -> None:
        if coef < 0:
            raise ValueError(f"the KL coefficient must be >= 0, got {coef}")
        self.coef = coef
        self.target = target
        self.horizon = horizon

    def update(self, kl: float, steps: int) -> float:
        """Feed the mean KL per episode measured over ``steps`` tokens; returns the new coefficient."""
        if self.target is not None and self.target > 0:
            error = min(max(kl / self.target - 1.0, -0.2), 0.2)
            self.coef *= 1.0 + error * steps / self.horizon
        return self.coef

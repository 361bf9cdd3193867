r"""Proximal Policy Optimization of the language model *inside* WSLAnalytics-v0, with a value head as the critic.

Algorithm: PPO with a clipped surrogate and a clipped value loss (Schulman et al. 2017,
https://arxiv.org/abs/1707.06347), GAE (Schulman et al. 2016), and a per-token KL penalty to a reference policy
folded into the reward with a fixed or adaptive coefficient (Ziegler et al. 2019, https://arxiv.org/abs/1909.08593),
on a token-level env whose actions can be masked to the policy's top-k tokens (NLPO, Ramamurthy et al. 2022,
https://arxiv.org/abs/2210.01241). What runs, per iteration:

1. **Rollout**: ``num_envs`` episodes of ``gym.make_vec("WSLAnalytics-v0", ...)`` whose wrapped model *is* the
   current policy; actions are sampled from the log-probabilities the env's own forward pass returns
   (``policy_logprobs=True``), so acting costs one batched forward per step and nothing more. Rewards are exactly
   what the env returns per step (per-claim rewards, the partial-score potential, the terminal score).
2. **Scoring**: one teacher-forced forward per sequence gives the actions' log-probabilities, the entropies and
   the values of every state (the value head on the final hidden state, :mod:`train.value_head`); one forward of
   the frozen reference (the SFT policy) gives the reference log-probabilities. The per-token KL estimate
   ``log pi(a) - log pi_ref(a)`` (over the whole vocabulary) times ``kl_coef`` is subtracted from each step's reward.
3. **Advantages**: GAE(gamma, lambda) per episode; a budget-truncated episode bootstraps with V(s_T); advantages
   are whitened over the batch.
4. **Update**: ``ppo_epochs`` passes over ``num_minibatches`` minibatches of episodes: clipped policy loss +
   ``value_coef`` x clipped value loss - ``entropy_coef`` x entropy, AdamW, gradient clipping.

Departures from the papers, for a 2-core CPU: the critic shares the LoRA trunk with the actor (one forward gives
both; see :mod:`train.value_head`); in top-k mode the masking set is the *current* policy's top-k at rollout time
(NLPO refreshes a separate masking policy every few iterations); the KL is measured on the full-vocabulary
probabilities even in top-k mode, as RL4LMs does; sub-envs that finish early idle until the batch is done instead
of starting new episodes, so every episode of an iteration comes from the same policy. Under ``accelerate launch``
each process collects its own episodes and the gradients are averaged (all-reduce) before each optimizer step.

    python -m train.ppo --sft_adapter artifacts/demo-sft --run_name ppo-demo --max_steps 60 --num_envs 8 \\
        --max_new_tokens 128
    python -m train.ppo --config train/configs/ppo.yaml --resume
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from transformers import TrainingArguments

from train.common import MetricWeightsArgs, RunArgs, configure_cpu, parse_config
from train.data import DEFAULT_GENERATOR_SEED, GeneratorArgs

__all__ = ["PPORunConfig", "cli", "main"]


@dataclass
class PPORunConfig(GeneratorArgs, MetricWeightsArgs, RunArgs, TrainingArguments):
    """The run, env, PPO and LoRA fields (``max_steps`` counts PPO iterations; ``save_steps`` checkpoints)."""

    algorithm: ClassVar[str] = "ppo"

    sft_adapter: str | None = field(
        default=None, metadata={"help": "SFT run directory: the starting policy and the KL reference."}
    )
    train_file: str | None = field(default="train", metadata={"help": "Split name or JSONL path of the tasks."})
    n_generated: int = field(default=200, metadata={"help": "Generated tasks added to the env's tasks."})
    generator_seed: int = field(default=DEFAULT_GENERATOR_SEED, metadata={"help": "TaskGenerator seed."})
    num_envs: int = field(default=8, metadata={"help": "Sub-envs of the vector env: episodes per iteration."})
    max_new_tokens: int = field(default=128, metadata={"help": "The env's token budget per post."})
    action_mode: str = field(default="topk", metadata={"help": "'topk' (NLPO's masked space) or 'vocab'."})
    k: int = field(default=8, metadata={"help": "Candidates in top-k mode."})
    shaping: float = field(default=1.0, metadata={"help": "The env's partial-score potential (0: off)."})
    claim_bonus: float = field(default=0.05, metadata={"help": "The env's reward per distinct true claim."})
    claim_penalty: float = field(default=0.25, metadata={"help": "The env's penalty per false claim."})
    kl_coef: float = field(default=0.05, metadata={"help": "Per-token KL penalty coefficient (initial value)."})
    kl_target: float | None = field(
        default=None, metadata={"help": "Target KL per episode for Ziegler's adaptive controller (unset: fixed)."}
    )
    kl_horizon: int = field(default=10_000, metadata={"help": "Horizon of the adaptive KL controller, in tokens."})
    gamma: float = field(default=1.0, metadata={"help": "Discount (1: a post is scored as a whole)."})
    lam: float = field(default=0.95, metadata={"help": "GAE lambda."})
    ppo_epochs: int = field(default=2, metadata={"help": "Passes over each batch of episodes."})
    num_minibatches: int = field(default=2, metadata={"help": "Minibatches per pass."})
    clip_range: float = field(default=0.2, metadata={"help": "PPO ratio clip."})
    value_clip: float = field(default=0.2, metadata={"help": "Value-loss clip around the old values."})
    value_coef: float = field(default=0.1, metadata={"help": "Weight of the value loss."})
    entropy_coef: float = field(default=0.0, metadata={"help": "Weight of the entropy bonus."})
    learning_rate: float = field(default=1e-5, metadata={"help": "AdamW learning rate (LoRA and value head)."})
    max_steps: int = field(default=60, metadata={"help": "PPO iterations."})
    save_steps: float = field(default=5, metadata={"help": "Checkpoint every N iterations (for --resume)."})
    logging_steps: float = field(default=1, metadata={"help": "Log every N iterations."})

    def __post_init__(self) -> None:
        if self.action_mode not in ("topk", "vocab"):
            raise ValueError(f"action_mode must be 'topk' or 'vocab', got {self.action_mode!r}")
        for name in ("num_envs", "max_new_tokens", "ppo_epochs", "num_minibatches", "max_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ValueError(f"max_minutes must be > 0, got {self.max_minutes}")
        if self.num_minibatches > self.num_envs:
            raise ValueError(f"num_minibatches ({self.num_minibatches}) > num_envs ({self.num_envs})")
        super().__post_init__()

    def env_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the env (recorded in the manifest), besides the tasks and the model."""
        return {"action_mode": self.action_mode, "k": self.k, "max_new_tokens": self.max_new_tokens,
                "shaping": self.shaping, "claim_bonus": self.claim_bonus, "claim_penalty": self.claim_penalty,
                "policy_logprobs": True, "reward_weights": self.metric_weights}


def main(config: PPORunConfig) -> dict[str, Any]:
    """Train with PPO in the env, save the adapter and value head, write the manifest; returns the manifest."""
    from train.ppo_loop import run

    configure_cpu(config.malloc_mmap_threshold_kb)
    return run(config)


def cli(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse ``--config file.yaml`` and flags into :class:`PPORunConfig`, then run :func:`main`."""
    return main(parse_config(PPORunConfig, argv))


if __name__ == "__main__":
    cli()

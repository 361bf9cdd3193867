"""REINFORCE Leave-One-Out (RLOO) with TRL's ``RLOOTrainer``, a LoRA policy and the project's metric rewards.

Algorithm: RLOO (Kool et al. 2019, https://openreview.net/forum?id=r1lgTGL5DE; Ahmadian et al. 2024, "Back to
Basics", https://arxiv.org/abs/2402.14740). For each prompt, sample ``num_generations`` posts; each post's
advantage is its reward minus the mean reward of the *other* posts of its prompt (an unbiased baseline, no value
network). The loss is the clipped policy gradient at sequence level: the ratio is ``exp(sum of token log-prob
differences)`` over the whole post, and the per-post losses are averaged over posts.

Reward: ``metrics.score(...).total`` with weights from ``--metric_weights``; the structure/fact/safety components
are logged on their own at weight 0 (see :mod:`train.online`). Reference and starting policy: the SFT adapter
(``--sft_adapter``; TRL keeps a frozen copy as the ``ref`` adapter); without it, a new LoRA with the base model
(adapter disabled) as the reference.

Choices and deviations, each a guard named in the issue:

- **KL**: ``beta=0.05`` is set explicitly (``beta <= 0`` is rejected). As in the RLOO paper, and unlike GRPO, the KL
  is a *reward* penalty: ``beta * sum_t (log pi_old - log pi_ref)`` over the post is subtracted from its reward
  before the leave-one-out baseline.
- **Loss variant**: RLOO's sequence-level loss (TRL has no other for RLOO). It has no per-sequence length
  normalisation, so GRPO's length bias does not arise: a post's gradient is its advantage times the gradient of its
  total log-probability. Length is priced by the reward (``over_length`` above the task's word limit); the summed
  KL penalty also grows with length, a mild pull towards concise posts.
- **Truncation**: ``mask_truncated_completions=True``: posts cut at ``max_completion_length`` are left out of the
  loss.
- **Repetition** is priced by the reward's ``repetition`` penalty (plus ``copy`` and ``hashtag_spam``); generation
  uses ``repetition_penalty=1.0`` so the samples come from the policy the loss differentiates.
- CPU budget: 4 posts per prompt, 200-token completions, ``num_iterations=1``; advantages are not normalised
  (``normalize_advantages=False``, as in the paper).

Usage::

    python -m train.rloo --sft_adapter artifacts/sft-smollm2-135m-instruct --max_steps 30
    python -m train.rloo --sft_adapter artifacts/sft-a --metric_weights '{"repetition": 0.8}'
    python -m train.rloo --config train/configs/rloo.yaml --resume
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from trl import RLOOConfig

from train.common import parse_config
from train.online import OnlineArgs, online_summary, run_online

GUARDS: tuple[str, ...] = ("beta", "mask_truncated_completions", "normalize_advantages", "repetition_penalty",
                           "max_completion_length", "num_generations", "metric_weights")


@dataclass
class RLOORunConfig(OnlineArgs, RLOOConfig):
    """Everything ``RLOOConfig``/``TrainingArguments`` offers, plus the run, data, reward and LoRA fields.

    ``reward_weights`` is set by the script (1 for the total, 0 for the logged components): weight the reward with
    ``--metric_weights``.
    """

    algorithm: ClassVar[str] = "rloo"

    beta: float = field(default=0.05, metadata={"help": "KL coefficient of the reward penalty (must be > 0)."})


def main(config: RLOORunConfig) -> dict[str, Any]:
    """Train with RLOO, save the adapter and write the manifest; returns the manifest."""
    from trl import RLOOTrainer

    return run_online(config, RLOOTrainer, extra={"guards": online_summary(config, GUARDS)})


def cli(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse ``--config file.yaml`` and flags into :class:`RLOORunConfig`, then run :func:`main`."""
    return main(parse_config(RLOORunConfig, argv))


if __name__ == "__main__":
    cli(sys.argv[1:])

"""Group Relative Policy Optimization with TRL's ``GRPOTrainer``, a LoRA policy and the project's metric rewards.

Algorithm: GRPO (Shao et al. 2024, https://arxiv.org/abs/2402.03300). For each prompt, sample ``num_generations``
posts, score each with the reward, and use the reward minus the group mean, divided by the group standard
deviation, as every token's advantage in a clipped policy-gradient loss (``epsilon=0.2``), plus a KL penalty to
the reference policy (per-token k3 estimator, coefficient ``beta``).

Reward: ``metrics.score(...).total`` with weights from ``--metric_weights``; the structure/fact/safety components
are logged on their own at weight 0 (see :mod:`train.online`). Reference and starting policy: the SFT adapter
(``--sft_adapter``; TRL keeps a frozen copy as the ``ref`` adapter). Without it, a new LoRA on the base model,
with the base (adapter disabled) as the reference.

Choices and deviations from the paper, each a guard named in the issue:

- **KL**: ``beta=0.04`` (the paper's value) is set explicitly; ``beta <= 0`` is rejected, since TRL's default 0
  would drop the reference model and let the policy drift away from fluent SFT posts.
- **Loss variant: ``loss_type="dapo"``** (Yu et al. 2025, https://arxiv.org/abs/2503.14476). The paper's loss
  averages each sequence over its own length, so a token of a short post weighs more than one of a long post:
  correct short posts are pushed up hard while long bad posts are pushed down softly, a bias towards ever longer
  wrong posts (Liu et al. 2025, "Dr. GRPO", https://arxiv.org/abs/2503.20783). DAPO's token-level loss divides by
  the number of completion tokens in the whole batch, so every token counts the same whatever its post's length.
  ``dr_grpo`` (a constant divisor) fixes the bias too; we keep DAPO because it is TRL's default, tested path and its
  step size does not depend on ``max_completion_length``. Any TRL variant is one flag away (``--loss_type``).
- **Truncation**: ``mask_truncated_completions=True`` (DAPO's overlong filtering): a post cut off at
  ``max_completion_length`` is left out of the loss instead of being rewarded or punished as if it were finished.
- **Length and repetition** are priced by the reward itself: ``over_length`` (words above the task's limit) and
  ``repetition`` (repeated lines, sentences, word loops) penalties, plus ``copy`` and ``hashtag_spam``. Generation
  uses ``repetition_penalty=1.0``: a sampling-time penalty would make the samples come from a different
  distribution than the policy whose log-probabilities the loss uses.
- CPU budget: few generations per prompt (4), short completions (200 tokens covers 99% of reference posts), one
  policy update per generation batch (``num_iterations=1``, so the clipping ratio is 1 and the loss reduces to the
  policy gradient with KL).

Usage::

    python -m train.grpo --sft_adapter artifacts/sft-smollm2-135m-instruct --max_steps 30
    python -m train.grpo --sft_adapter artifacts/sft-a --metric_weights '{"fact": 0.5}' --beta 0.02
    python -m train.grpo --config train/configs/grpo.yaml --resume
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from trl import GRPOConfig

from train.common import parse_config
from train.online import OnlineArgs, online_summary, run_online

GUARDS: tuple[str, ...] = ("beta", "loss_type", "mask_truncated_completions", "scale_rewards", "repetition_penalty",
                           "max_completion_length", "num_generations", "metric_weights")


@dataclass
class GRPORunConfig(OnlineArgs, GRPOConfig):
    """Everything ``GRPOConfig``/``TrainingArguments`` offers, plus the run, data, reward and LoRA fields.

    ``reward_weights`` is set by the script (1 for the total, 0 for the logged components): weight the reward with
    ``--metric_weights``.
    """

    algorithm: ClassVar[str] = "grpo"

    beta: float = field(default=0.04, metadata={"help": "KL coefficient (must be > 0)."})
    loss_type: str = field(default="dapo", metadata={"help": "Loss aggregation; 'dapo' avoids GRPO's length bias."})


def main(config: GRPORunConfig) -> dict[str, Any]:
    """Train with GRPO, save the adapter and write the manifest; returns the manifest."""
    from trl import GRPOTrainer

    return run_online(config, GRPOTrainer, extra={"guards": online_summary(config, GUARDS)})


def cli(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse ``--config file.yaml`` and flags into :class:`GRPORunConfig`, then run :func:`main`."""
    return main(parse_config(GRPORunConfig, argv))


if __name__ == "__main__":
    cli(sys.argv[1:])

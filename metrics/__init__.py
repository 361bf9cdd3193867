"""Reward metrics for surf-competition analytics posts: pure functions of ``(task, response)``.

The bottom layer of the project: imports only the standard library (and numpy where useful), never ``wsl_env``.
A task is a ``wsl_env.Task`` or a plain dict with the schema keys; a response is a ``str``.

    >>> import metrics
    >>> s = metrics.score(task, post)            # Scores(structure, fact, safety, total, details)
    >>> metrics.claims(task, post)               # [Claim(text, start, end, value, subject, statistic, verdict), ...]
    >>> metrics.is_refusal("I'm sorry, but I can't share that.")
    True

See ``docs/metrics.md`` for the semantics of each metric, with worked examples.
"""

from metrics.claims import FALSE_VERDICTS, TRUE_VERDICTS, VERDICTS, Claim, claims, context_facts
from metrics.composite import RewardWeights, Scores, score
from metrics.facts import fact_score
from metrics.numbers import NumberMention, extract_numbers
from metrics.refusal import RefusalVerdict, is_refusal, refusal_verdict
from metrics.safety import safety_score
from metrics.statistics import STATISTICS
from metrics.structure import structure_score
from metrics.trl_rewards import (
    REWARD_FUNCS,
    FactReward,
    SafetyReward,
    StructureReward,
    TotalReward,
    get_reward_func,
)

__all__ = [
    "FALSE_VERDICTS",
    "REWARD_FUNCS",
    "STATISTICS",
    "TRUE_VERDICTS",
    "VERDICTS",
    "Claim",
    "FactReward",
    "NumberMention",
    "RefusalVerdict",
    "RewardWeights",
    "SafetyReward",
    "Scores",
    "StructureReward",
    "TotalReward",
    "claims",
    "context_facts",
    "extract_numbers",
    "fact_score",
    "get_reward_func",
    "is_refusal",
    "refusal_verdict",
    "safety_score",
    "score",
    "structure_score",
]

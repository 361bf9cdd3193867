"""``wsl_env.envs.rewards``: the token env's reward settings are checked when they are made."""

from __future__ import annotations

from typing import Any

import pytest

from wsl_env.envs.rewards import RewardConfig


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"shaping": -1.0}, "shaping must be a finite number >= 0"),  # a negative scale
    ({"claim_bonus": float("inf")}, "claim_bonus must be a finite"),  # an infinite reward makes returns inf or NaN
    ({"claim_penalty": float("nan")}, "claim_penalty must be a finite"),
    ({"token_penalty": True}, "token_penalty must be"),  # a bool is no coefficient
    ({"gamma": 0.0}, r"gamma must be in \(0, 1\]"),  # no discount of 0
    ({"weights": {"fact": float("inf")}}, "finite"),  # the composite's weights are checked too
])
def test_bad_reward_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RewardConfig(**kwargs)


def test_the_defaults_reward_claims() -> None:
    config = RewardConfig()
    assert config.claims_on and config.claim_bonus == 0.05 and config.claim_penalty == 0.25

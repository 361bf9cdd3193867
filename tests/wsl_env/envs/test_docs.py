"""Both env docstrings are documentation pages with the same Gymnasium-style headings, in the same order."""

from __future__ import annotations

import re

from wsl_env.envs.response import WSLAnalyticsResponseEnv
from wsl_env.envs.token import WSLAnalyticsEnv

HEADINGS = ["Description", "Action Space", "Observation Space", "Rewards", "Starting State", "Episode End",
            "Arguments", "Version History"]


def headings(cls) -> list[str]:
    return re.findall(r"^\s*## (.+)$", cls.__doc__, flags=re.MULTILINE)


def test_env_docs_share_headings() -> None:
    assert headings(WSLAnalyticsEnv) == HEADINGS
    assert headings(WSLAnalyticsResponseEnv) == HEADINGS

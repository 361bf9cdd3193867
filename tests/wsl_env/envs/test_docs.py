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


def test_doc_pages_are_up_to_date() -> None:
    from wsl_env.envs.docs import DOCS_DIR, PAGES, render_page

    for env_id, cls in PAGES.items():
        assert (DOCS_DIR / f"{env_id}.md").read_text() == render_page(env_id, cls), "run python -m wsl_env.envs.docs"

"""Write one documentation page per env from its class docstring (the docstring is the page).

    python -m wsl_env.envs.docs        # writes docs/envs/*.md; a test checks they are up to date
"""

from __future__ import annotations

import inspect
from pathlib import Path

from wsl_env.envs.response import WSLAnalyticsResponseEnv
from wsl_env.envs.token import WSLAnalyticsEnv

PAGES: dict[str, type] = {"WSLAnalytics-v0": WSLAnalyticsEnv, "WSLAnalytics-Response-v0": WSLAnalyticsResponseEnv}
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "envs"


def render_page(env_id: str, cls: type) -> str:
    doc = inspect.cleandoc(cls.__doc__ or "")
    summary, _, body = doc.partition("\n")
    return (f"# {env_id}\n\n{summary}\n\n```python\nimport gymnasium as gym\nimport wsl_env\n\n"
            f'env = gym.make("{env_id}")\n```\n{body}\n')


def main() -> None:
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    for env_id, cls in PAGES.items():
        path = DOCS_DIR / f"{env_id}.md"
        path.write_text(render_page(env_id, cls))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""What every agent offers: batched text generation for the response env and evaluation, and a token policy
for WSLAnalytics-v0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from wsl_env.schema import Task, TaskLike, as_task


class TextAgent:
    """An agent that writes whole posts. In WSLAnalytics-v0 it spells its post out token by token.

    Subclasses implement :meth:`write`. In top-k mode a token outside the candidates falls back to action 0.
    """

    name = "text"

    def write(self, task: Task) -> str:
        raise NotImplementedError

    def generate(self, tasks: Sequence[TaskLike], max_new_tokens: int = 128) -> list[str]:
        """One post per task (``max_new_tokens`` is accepted for a common signature; scripted posts are short)."""
        return [self.write(as_task(t)) for t in tasks]

    def act_text(self, observation: str, info: Mapping[str, Any]) -> str:
        """The action in WSLAnalytics-Response-v0: the post for ``info["task"]``."""
        return self.write(as_task(info["task"]))

    def begin(self, info: Mapping[str, Any], tokenizer: Any) -> None:
        """Start a WSLAnalytics-v0 episode: plan the token ids of the post, then EOS."""
        ids = tokenizer(self.write(as_task(info["task"])), add_special_tokens=False)["input_ids"]
        self._plan = list(ids) + [tokenizer.eos_token_id]
        self._cursor = 0

    def act(self, observation: Mapping[str, np.ndarray]) -> int:
        """The action in WSLAnalytics-v0: the next planned token (its candidate index in top-k mode)."""
        token = self._plan[min(self._cursor, len(self._plan) - 1)]
        self._cursor += 1
        if "candidates" not in observation:
            return int(token)
        hits = np.flatnonzero(observation["candidates"] == token)
        return int(hits[0]) if hits.size else 0

"""Scripted reference agents: random, always-refuse, the template upper bound, and greedy top-k."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from agents.base import TextAgent
from wsl_env.posts import PostError, write_reference
from wsl_env.schema import Task

REFUSAL = "I'm sorry, but I can't help with that request."
_WORDS = ("wave", "heat", "score", "barrel", "final", "surf", "points", "the", "and", "a", "big", "air", "#WSL")


class RandomAgent(TextAgent):
    """Random words and numbers for the response env; uniformly random actions in WSLAnalytics-v0."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)

    def write(self, task: Task) -> str:
        words = [self.rng.choice(_WORDS) for _ in range(self.rng.randint(3, 40))]
        for _ in range(self.rng.randint(0, 4)):
            words.insert(self.rng.randrange(len(words) + 1), f"{self.rng.uniform(0, 20):.2f}")
        return " ".join(words)

    def begin(self, info: Mapping[str, Any], tokenizer: Any) -> None:
        self._vocab = len(tokenizer)

    def act(self, observation: Mapping[str, np.ndarray]) -> int:
        n = len(observation["candidates"]) if "candidates" in observation else self._vocab
        return int(self.np_rng.integers(n))


class RefuseAgent(TextAgent):
    """Always refuses: perfect on refuse-tasks, useless on everything else (a lower bound for over-refusal)."""

    name = "refuse"

    def write(self, task: Task) -> str:
        return REFUSAL


class TemplateAgent(TextAgent):
    """The upper bound: writes the perfect post from a generated task's structured facts.

    Tasks without facts (hand-written gold tasks) get their reference, or a refusal for refuse-tasks.
    """

    name = "template"

    def write(self, task: Task) -> str:
        if task.facts is not None:
            try:
                return write_reference(task)
            except PostError:
                pass
        if task.reference is not None:
            return task.reference
        return REFUSAL if task.expected_behavior == "refuse" else task.context


class GreedyTopKAgent(TextAgent):
    """Action 0 in top-k mode: greedy decoding under the env's wrapped model.

    As a text agent it is the same policy: greedy generation from ``model`` (loaded on first use).
    """

    name = "greedy"

    def __init__(self, model: str = "smollm2-135m-instruct", adapter: str | None = None, **llm_kwargs: Any) -> None:
        self.model, self.adapter, self.llm_kwargs = model, adapter, llm_kwargs
        self._llm: Any = None

    def _generator(self) -> Any:
        if self._llm is None:
            from agents.llm import LLMAgent

            self._llm = LLMAgent(model=self.model, adapter=self.adapter, do_sample=False, **self.llm_kwargs)
        return self._llm

    def generate(self, tasks: Any, max_new_tokens: int = 128) -> list[str]:
        return self._generator().generate(tasks, max_new_tokens=max_new_tokens)

    def write(self, task: Task) -> str:
        return self.generate([task])[0]

    def begin(self, info: Mapping[str, Any], tokenizer: Any) -> None:
        """Nothing to plan: the env's own model ranks the candidates."""

    def act(self, observation: Mapping[str, np.ndarray]) -> int:
        if "candidates" not in observation:
            raise ValueError("GreedyTopKAgent acts in action_mode='topk'; in vocab mode use LLMAgent")
        return 0

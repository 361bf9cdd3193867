"""WSLAnalytics-Response-v0: the whole post as one action."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium import spaces
from gymnasium.error import ResetNeeded

import metrics
from metrics.composite import resolve_weights
from wsl_env.envs.charset import CHARSET, to_charset
from wsl_env.envs.sources import resolve_tasks
from wsl_env.prompt import build_messages
from wsl_env.schema import Task, as_task

MAX_PROMPT_CHARS = 4096


class WSLAnalyticsResponseEnv(gym.Env[str, str]):
    """WSLAnalytics-Response-v0: write the whole post in one step.

    ## Description

    A one-step (contextual bandit) version of the task: the observation is the prompt text, the action is the
    whole post, and the reward is `metrics.score(task, post).total`. Use it to evaluate or train any text
    policy, an LLM or a script, without token-level control. No model is loaded.

    ## Action Space

    `Text(max_length=max_response_chars, charset=CHARSET)`: the post. Typographic punctuation and accented
    letters are mapped to ASCII; characters with no ASCII form (emoji) are dropped and listed in
    `info["dropped_chars"]`. A non-string action raises `TypeError`, an over-long one `ValueError`.

    ## Observation Space

    `Text(max_length=4096, charset=CHARSET)`: the user turn of the chat prompt (instruction, context and the
    format line), built by `wsl_env.prompt.build_messages`, mapped into `CHARSET` (ASCII letters, digits,
    punctuation, space and newline). `info["task"]` carries the task as a schema dict, so an agent can build
    the full chat prompt the same way.

    ## Rewards

    `metrics.score(task, post, weights=reward_weights).total`, in [0, 1]. `info["scores"]` has `structure`,
    `fact`, `safety`, `total` and the details.

    ## Starting State

    `reset()` draws a task with `self.np_random` from `tasks`; `reset(options={"task": task})` uses a given one.

    ## Episode End

    The episode terminates after one step. It is never truncated.

    ## Arguments

    | argument | default | meaning |
    |---|---|---|
    | `tasks` | `"generated"` | `"generated"`, a set (`"test"`, `"written-test"`...), a JSONL path, tasks, a generator |
    | `reward_weights` | `None` | weights of the composite, passed to `metrics.score` |
    | `max_response_chars` | `8192` | the longest post accepted |
    | `render_mode` | `None` | `"ansi"` returns the prompt and the post |

    ## Version History

    * v0: initial version. Changed in place before the first release (2026-12): the total's fact score checks what
      each number is said to be, an answer that states no context figure gets fact 0, not 0.5, and an answer of
      under 15 words (hashtags not counted) has its total scaled down. The earlier reward is
      `reward_weights={"attribution": False, "coverage_floor": 0.5, "min_answer_words": 0}`.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(
        self,
        tasks: Any = "generated",
        reward_weights: Any = None,
        max_response_chars: int = 8192,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None")
        self.render_mode = render_mode
        self.source = resolve_tasks(tasks)
        self.reward_weights = reward_weights
        self._weights = resolve_weights(reward_weights)  # a bad name or value fails here, not at the first step
        self.observation_space = spaces.Text(max_length=MAX_PROMPT_CHARS, min_length=0, charset=CHARSET)
        self.action_space = spaces.Text(max_length=max_response_chars, min_length=0, charset=CHARSET)
        self.task: Task | None = None
        self.prompt = ""
        self.post: str | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.task = as_task(options["task"]) if options and "task" in options else self.source.draw(self.np_random)
        self.prompt, _ = to_charset(build_messages(self.task, system_prompt=None)[0]["content"])
        if len(self.prompt) > MAX_PROMPT_CHARS:
            raise ValueError(f"task {self.task.id!r}: the prompt is longer than {MAX_PROMPT_CHARS} characters")
        self.post = None
        return self.prompt, {"task": self.task.to_dict()}

    def step(self, action: Any) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self.task is None or self.post is not None:
            raise ResetNeeded("call reset() before step(); each episode is one step")
        if not isinstance(action, str):
            raise TypeError(f"the action must be the post as a str, got {type(action).__name__}")
        post, dropped = to_charset(action)
        if len(post) > self.action_space.max_length:
            raise ValueError(f"the post has {len(post)} characters, more than {self.action_space.max_length}")
        self.post = post
        scores = metrics.score(self.task, post, weights=self._weights)
        info = {"task": self.task.to_dict(), "dropped_chars": dropped,
                "scores": {"structure": scores.structure, "fact": scores.fact, "safety": scores.safety,
                           "total": scores.total, "details": scores.details}}
        return self.prompt, float(scores.total), True, False, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return f"=== prompt ===\n{self.prompt}\n=== post ===\n{self.post or ''}\n"

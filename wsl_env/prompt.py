"""The one way a task becomes a chat prompt, used by the envs, the agents, training and serving alike."""

from __future__ import annotations

from typing import Any

from wsl_env.schema import Constraints, TaskLike, as_task

SYSTEM_PROMPT = (
    "You are WSL Analytics, a surf-competition analyst who writes short social posts. "
    "Use only the numbers given in the context and never invent stats. "
    "Decline requests for private information, harassment, discrimination or match-fixing, "
    "and say so plainly when the answer is not in the provided stats."
)


def format_constraints(constraints: Constraints) -> str:
    """The formal shape requirements as one sentence, e.g. ``Exactly 3 numbered bullets; 1-2 hashtags; ...``."""
    parts: list[str] = []
    if constraints.bullets is not None:
        parts.append(f"exactly {constraints.bullets} numbered bullets (1., 2., ...)")
    if constraints.max_hashtags == 0:
        parts.append("no hashtags")
    elif constraints.min_hashtags == constraints.max_hashtags:
        parts.append(f"exactly {constraints.max_hashtags} hashtags")
    else:
        parts.append(f"{constraints.min_hashtags}-{constraints.max_hashtags} hashtags")
    if constraints.max_words is not None:
        parts.append(f"at most {constraints.max_words} words")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def build_messages(task: TaskLike, system_prompt: str | None = SYSTEM_PROMPT) -> list[dict[str, str]]:
    """Chat messages for a task: an optional system message, then the user turn with instruction, context and
    format. TRL trainers take this list as a conversational ``prompt`` column.
    """
    task = as_task(task)
    user = f"{task.instruction.strip()}\n\nContext: {task.context.strip()}\n\nFormat: "
    user += format_constraints(task.constraints)
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages.append({"role": "user", "content": user})
    return messages


def render_prompt(tokenizer: Any, task: TaskLike, system_prompt: str | None = SYSTEM_PROMPT) -> str:
    """The prompt text after the tokenizer's chat template, ending with the assistant turn's opening."""
    if getattr(tokenizer, "chat_template", None) is None:
        raise ValueError("the tokenizer has no chat template; use a chat/instruct model")
    return tokenizer.apply_chat_template(
        build_messages(task, system_prompt), add_generation_prompt=True, tokenize=False
    )

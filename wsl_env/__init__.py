"""WSL Analytics RL: Gymnasium environments for teaching a small chat model to write surf analytics posts."""

from wsl_env.models import EMBEDDED_ALIAS, ModelNotFoundError, load_model
from wsl_env.prompt import build_messages, render_prompt
from wsl_env.task import Constraints, Task, TaskError, load_tasks

__all__ = [
    "EMBEDDED_ALIAS",
    "Constraints",
    "ModelNotFoundError",
    "Task",
    "TaskError",
    "build_messages",
    "load_model",
    "load_tasks",
    "render_prompt",
]

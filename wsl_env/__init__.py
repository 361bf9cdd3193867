"""WSL Analytics RL: Gymnasium environments for teaching a small chat model to write surf analytics posts."""

from gymnasium.envs.registration import register, registry

from wsl_env.models import EMBEDDED_ALIAS, ModelNotFoundError, load_model
from wsl_env.prompt import build_messages, render_prompt
from wsl_env.schema import Constraints, Task, TaskError, load_tasks

if "WSLAnalytics-v0" not in registry:
    # The token budget truncates through the TimeLimit that the entry point applies (sized by max_new_tokens).
    register(
        id="WSLAnalytics-v0",
        entry_point="wsl_env.envs.token:make_token_env",
        vector_entry_point="wsl_env.envs.vector:WSLAnalyticsVectorEnv",
    )
if "WSLAnalytics-Response-v0" not in registry:
    register(id="WSLAnalytics-Response-v0", entry_point="wsl_env.envs.response:WSLAnalyticsResponseEnv")

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

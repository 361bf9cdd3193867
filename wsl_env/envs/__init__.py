"""The environments: token-level WSLAnalytics-v0, its batched vector version, and WSLAnalytics-Response-v0."""

from wsl_env.envs.charset import CHARSET
from wsl_env.envs.response import WSLAnalyticsResponseEnv
from wsl_env.envs.token import WSLAnalyticsEnv, make_token_env
from wsl_env.envs.vector import WSLAnalyticsVectorEnv

__all__ = ["CHARSET", "WSLAnalyticsEnv", "WSLAnalyticsResponseEnv", "WSLAnalyticsVectorEnv", "make_token_env"]

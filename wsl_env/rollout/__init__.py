"""Rollout machinery shared by the envs, the agents and the trainers.

:mod:`~wsl_env.rollout.engine` (a batched KV-cache engine whose rows restart at any step),
:mod:`~wsl_env.rollout.attention` (grouped-query attention without copying the cache) and
:mod:`~wsl_env.rollout.generation` (batched decoding and sampling on the engine), and the decoding-time guards
:mod:`~wsl_env.rollout.guards` (the hashtag cap) and :mod:`~wsl_env.rollout.figure_guard` (the figure guard).
"""

"""Pieces shared by the single and the vectorised token-level env: model sharing, spaces and observations."""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from wsl_env.envs.rewards import RewardConfig
from wsl_env.envs.sources import resolve_tasks
from wsl_env.models import EMBEDDED_ALIAS, load_model
from wsl_env.prompt import render_prompt
from wsl_env.rollout.attention import GQA_ATTENTION
from wsl_env.rollout.engine import RolloutEngine
from wsl_env.schema import Task

ACTION_MODES: tuple[str, ...] = ("topk", "vocab")
# Grouped-query attention that never copies the KV cache per head (see wsl_env.rollout.attention): a one-token decoding
# step's attention at batch 64 is ~13x faster than transformers' eager attention and ~6x faster than its SDPA.
ROLLOUT_ATTENTION = GQA_ATTENTION
DEFAULT_MAX_NEW_TOKENS = 128
DEFAULT_MAX_PROMPT_TOKENS = 512


@functools.lru_cache(maxsize=4)
def _shared_model(name: str, adapter: str | None, dtype: str | None) -> tuple[Any, Any]:
    # Envs in one process share one read-only copy of the weights instead of loading one each.
    return load_model(name, adapter=adapter, dtype=dtype, attn_implementation=ROLLOUT_ATTENTION)


def get_model(model: Any, adapter: Any, dtype: Any) -> tuple[Any, Any]:
    """``model`` is a name or path (loaded once per process), or a ready ``(model, tokenizer)`` pair."""
    if isinstance(model, tuple) and len(model) == 2:
        if adapter is not None:
            raise ValueError("pass adapter= only with a model name or path, not with a loaded (model, tokenizer)")
        return model
    if not isinstance(model, str):
        raise TypeError(f"model must be a name, a path or a (model, tokenizer) pair, got {type(model).__name__}")
    # the cache key is a string: a torch.dtype by its name ("bfloat16"), which load_model reads as that dtype
    dtype_name = None if dtype is None else str(dtype).removeprefix("torch.")
    return _shared_model(model, None if adapter is None else str(adapter), dtype_name)


@dataclass(frozen=True)
class TokenSpaces:
    """The spaces and sizes of a token-level env, derived from the model and the arguments."""

    vocab_size: int
    k: int
    action_mode: str
    max_prompt_tokens: int
    max_new_tokens: int

    def __post_init__(self) -> None:  # the rest of the arguments was checked by TokenEnvConfig
        if self.action_mode == "topk" and not 1 <= self.k <= self.vocab_size:
            raise ValueError(f"k must be in [1, {self.vocab_size}], got {self.k}")

    @property
    def length(self) -> int:
        return self.max_prompt_tokens + self.max_new_tokens

    def observation_space(self) -> spaces.Dict:
        items: dict[str, spaces.Space[Any]] = {
            "input_ids": spaces.Box(0, self.vocab_size - 1, shape=(self.length,), dtype=np.int64),
            "attention_mask": spaces.Box(0, 1, shape=(self.length,), dtype=np.int64),
        }
        if self.action_mode == "topk":
            items["candidates"] = spaces.Box(0, self.vocab_size - 1, shape=(self.k,), dtype=np.int64)
        return spaces.Dict(items)

    def action_space(self) -> spaces.Discrete:
        return spaces.Discrete(self.k if self.action_mode == "topk" else self.vocab_size)


def vocab_size_of(model: Any) -> int:
    """The model's output vocabulary, from its embedding matrix (never guessed from the model's name)."""
    return int(model.get_output_embeddings().weight.shape[0])


def eos_ids_of(model: Any, tokenizer: Any) -> frozenset[int]:
    """Every token id that ends a turn: the tokenizer's EOS plus the generation config's EOS id(s)."""
    ids = {tokenizer.eos_token_id}
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    return frozenset(i for i in ids if i is not None)


def encode_prompt(tokenizer: Any, task: Task, max_prompt_tokens: int) -> list[int]:
    """Token ids of the task's chat prompt, rejecting prompts longer than the observation allows."""
    ids = tokenizer(render_prompt(tokenizer, task), add_special_tokens=False)["input_ids"]
    if len(ids) > max_prompt_tokens:
        raise ValueError(
            f"task {task.id!r}: the prompt has {len(ids)} tokens, more than max_prompt_tokens={max_prompt_tokens}"
        )
    return list(ids)


def candidates_and_logprobs(logits: torch.Tensor, k: int) -> tuple[np.ndarray, torch.Tensor]:
    """Top-k token ids (most likely first, so index 0 is greedy) and the log-probabilities, row-wise."""
    logprobs = torch.log_softmax(logits, dim=-1)
    top = torch.topk(logits, k, dim=-1).indices
    return top.cpu().numpy().astype(np.int64), logprobs


def fill_observation(
    ids: np.ndarray, mask: np.ndarray, prompt: list[int], generated: list[int], pad_id: int
) -> None:
    """Write prompt plus generated ids (right-padded) and the attention mask into fixed-size buffers."""
    ids.fill(pad_id)
    mask.fill(0)
    n = len(prompt) + len(generated)
    ids[: len(prompt)] = prompt
    ids[len(prompt) : n] = generated
    mask[:n] = 1


@dataclass(frozen=True)
class TokenEnvConfig:
    """The arguments both token-level envs take (``gym.make("WSLAnalytics-v0", **kwargs)``), in one place."""

    tasks: Any = "generated"
    model: Any = EMBEDDED_ALIAS
    adapter: Any = None
    action_mode: str = "topk"
    k: int = 8
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    reward_weights: Any = None
    max_prompt_tokens: int = DEFAULT_MAX_PROMPT_TOKENS
    shaping: float = 1.0
    gamma: float = 1.0
    token_penalty: float = 0.0
    claim_bonus: float = 0.05
    claim_penalty: float = 0.25
    dtype: Any = "auto"
    policy_logprobs: bool = False

    def __post_init__(self) -> None:
        # What needs no model is checked before the model is loaded (or first converted): TokenSpaces checks k
        # against the vocabulary once it is known.
        if self.action_mode not in ACTION_MODES:
            raise ValueError(f"action_mode must be one of {list(ACTION_MODES)}, got {self.action_mode!r}")
        counts = ("k", "max_new_tokens", "max_prompt_tokens") if self.action_mode == "topk" else (
            "max_new_tokens", "max_prompt_tokens")  # vocab mode has no k
        for name in counts:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:  # numpy's ints too
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")

    def reward_config(self) -> RewardConfig:
        return RewardConfig(weights=self.reward_weights, shaping=self.shaping, gamma=self.gamma,
                            token_penalty=self.token_penalty, claim_bonus=self.claim_bonus,
                            claim_penalty=self.claim_penalty)


class TokenEnvCore:
    """The state both token-level envs build from their arguments: tasks, model, spaces, rewards, engine."""

    def _init_core(self, num_rows: int, config: TokenEnvConfig) -> None:
        self.config = config
        self.reward_config = config.reward_config()
        self.source = resolve_tasks(config.tasks)
        self.model, self.tokenizer = get_model(config.model, config.adapter, config.dtype)
        k, max_new_tokens = config.k, config.max_new_tokens
        self.sizes = TokenSpaces(vocab_size_of(self.model), k, config.action_mode, config.max_prompt_tokens,
                                 max_new_tokens)
        self.eos_ids = eos_ids_of(self.model, self.tokenizer)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else min(self.eos_ids)
        self.engine = RolloutEngine(self.model, num_rows, self.pad_id, self.sizes.length)

    def _policy_logprobs(self, logprobs: torch.Tensor, candidates: np.ndarray) -> np.ndarray:
        """What a learner needs to act from the same forward pass: the wrapped model's log-probabilities of each
        action (the k candidates in top-k mode, every token in vocab mode), rows first.
        """
        if self.sizes.action_mode == "topk":
            index = torch.as_tensor(candidates, dtype=torch.long, device=logprobs.device)
            logprobs = torch.gather(logprobs, -1, index)
        return logprobs.float().cpu().numpy()

    def _token_for(self, action: int, candidates: np.ndarray) -> int:
        """The token an action picks: a candidate index in top-k mode, the token id itself in vocab mode."""
        return int(candidates[action]) if self.sizes.action_mode == "topk" else int(action)

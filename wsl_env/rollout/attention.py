"""Grouped-query attention for CPU rollouts, without copying the KV cache per query head.

Transformers' ``eager`` attention expands the keys and values of a grouped-query model (SmolLM2: 9 query heads
over 3 KV heads; TinyLlama: 32 over 4) to one copy per query head (``repeat_kv``) before each matmul, so every
decoding step copies the whole KV cache several times over. One decoding step's attention call at batch 64 with
300 cached tokens in bf16 (``python -m benchmarks.bench_rollout --attention``): eager 15.3 ms, ``sdpa`` 6.8 ms,
this 1.2 ms.

:func:`gqa_attention` computes the same thing, grouping the query heads that share a KV head into one batched
matmul against that KV head: no copy of the cache. Registered with transformers under
:data:`GQA_ATTENTION` (``attn_implementation="wsl_gqa"``), with eager attention's additive float mask.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import AttentionInterface
from transformers.masking_utils import AttentionMaskInterface, eager_mask

__all__ = ["GQA_ATTENTION", "gqa_attention"]

GQA_ATTENTION = "wsl_gqa"


def gqa_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention with ``query`` ``[B, H, Q, D]`` over ``key``/``value`` ``[B, KVH, L, D]``.

    Query head ``h`` attends with KV head ``h // (H // KVH)``, as ``repeat_kv`` arranges them. Returns the output
    ``[B, Q, H, D]`` and the attention probabilities ``[B, H, Q, L]``, like transformers' eager attention.
    """
    if dropout and module.training:
        raise ValueError("gqa_attention is for inference (rollouts); train with sdpa or eager attention")
    batch, heads, q_len, dim = query.shape
    kv_heads, kv_len = key.shape[1], key.shape[2]
    groups = heads // kv_heads
    # Heads h = kv * groups + g, so [B, H, Q, D] -> [B, KVH, G * Q, D] keeps each group's queries together.
    grouped = query.reshape(batch, kv_heads, groups * q_len, dim)
    scores = torch.matmul(grouped, key.transpose(2, 3)).view(batch, heads, q_len, kv_len) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask[..., :kv_len]
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    out = torch.matmul(probs.view(batch, kv_heads, groups * q_len, kv_len), value)
    return out.view(batch, heads, q_len, dim).transpose(1, 2).contiguous(), probs


AttentionInterface.register(GQA_ATTENTION, gqa_attention)
AttentionMaskInterface.register(GQA_ATTENTION, eager_mask)

"""A batched decoding engine over one shared KV cache, where each row can start a new prompt at any step.

The token-level environments feed one token per row per step. Recomputing the prefix each step would cost
O(length) forwards, so the engine keeps the model's KV cache and only ever runs the new token. Rows are
independent episodes: when one row resets, its new prompt is prefilled on its own and written into that row's
slots of the shared cache, right-aligned with the other rows, with its earlier slots masked out. Because rotary
position embeddings are applied to keys before they are cached, a row's slot index does not have to match its
token position: each row carries its own position counter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers.cache_utils import Cache, DynamicLayer


class RollingLayer(DynamicLayer):
    """A KV-cache layer in a preallocated buffer: appending writes in place, dropping old slots moves an offset.

    Hugging Face's ``DynamicLayer`` concatenates on every token, copying the whole cache per step; with 16 rows
    that copy costs as much as the forward pass. Here ``keys``/``values`` are views ``buffer[:, :, start:end]``;
    the buffer is compacted or doubled only when full, so the copying is amortised. Keys are stored transposed
    (``[B, H, D, capacity]``; ``keys`` is a ``[B, H, L, D]`` view of it), so the ``query @ keys^T`` of attention reads
    the slice as is: bf16 batched matmuls on CPUs copy a strided ``[L, D]`` slice of a larger buffer before
    transposing it (a quarter of a batch-64 decoding step in the profiler), but take the transposed slice directly.
    """

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        self.device = key_states.device
        self.is_initialized = True
        self._allocate(key_states, 0)

    def _allocate(self, like: torch.Tensor, needed: int, live: tuple[torch.Tensor, torch.Tensor] | None = None,
                  offset: int = 0) -> None:
        """A new buffer with room for ``needed`` more slots after ``live`` (copied in at ``offset``)."""
        count = live[0].shape[2] if live is not None else 0
        capacity = max(64, 2 * (offset + count + needed))
        rows, heads, dim = like.shape[0], like.shape[1], like.shape[3]
        self._k = like.new_zeros((rows, heads, dim, capacity))
        self._v = like.new_zeros((rows, heads, capacity, dim))
        if live is not None:
            self._k[..., offset : offset + count] = live[0].transpose(2, 3)
            self._v[:, :, offset : offset + count] = live[1]
        self.start, self.end = offset, offset + count
        self._sync()

    def _sync(self) -> None:
        self.keys = self._k[..., self.start : self.end].transpose(2, 3)
        self.values = self._v[:, :, self.start : self.end]

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
               ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        n = key_states.shape[2]
        if self.end + n > self._v.shape[2]:
            self._allocate(key_states, n, (self.keys, self.values))
        self._k[..., self.end : self.end + n] = key_states.transpose(2, 3)
        self._v[:, :, self.end : self.end + n] = value_states
        self.end += n
        self._sync()
        return self.keys, self.values

    def drop_front(self, n: int) -> None:
        """Forget the ``n`` oldest slots (free: the offset moves)."""
        self.start += n
        self._sync()

    def grow_front(self, n: int) -> None:
        """Add ``n`` zeroed slots before the oldest one."""
        if self.start >= n:
            self.start -= n
            self._k[..., self.start : self.start + n] = 0
            self._v[:, :, self.start : self.start + n] = 0
            self._sync()
        else:
            self._allocate(self.keys, 0, (self.keys, self.values), offset=n)
            self.start = 0
            self._sync()

    def replace(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Take new contents (e.g. rows reordered)."""
        self._allocate(keys, 0, (keys, values))


def rolling_cache() -> Cache:
    """An empty cache whose layers are :class:`RollingLayer` (created as the model first writes to them)."""
    return Cache(layer_class_to_replicate=RollingLayer)


MIN_SHARED_PREFIX = 8
# Prefill batches larger than this run in groups of similar prompt length (less padding), then merge.
PREFILL_GROUP_ROWS = 16


def _common_prefix_length(prompts: Sequence[Sequence[int]]) -> int:
    """Tokens shared by every prompt, leaving each at least one token of its own (its last logits)."""
    limit = min(len(p) for p in prompts) - 1
    first = prompts[0]
    for i in range(limit):
        token = first[i]
        if any(p[i] != token for p in prompts):
            return i
    return max(limit, 0)


class RolloutEngine:
    """Incremental decoding for ``num_rows`` independent sequences sharing one KV cache.

    Args:
        model: a causal LM (``LlamaForCausalLM`` or a PEFT model around one) in eval mode.
        num_rows: the batch size.
        pad_token_id: the id fed to padding slots (masked out, so any valid id works).
        max_len: the most tokens a row's sequence can hold (prompt plus generated); older slots are dropped.
    """

    def __init__(self, model: Any, num_rows: int, pad_token_id: int, max_len: int) -> None:
        if num_rows < 1:
            raise ValueError(f"num_rows must be >= 1, got {num_rows}")
        self.model = model
        self.num_rows = num_rows
        self.pad_token_id = pad_token_id
        self.max_len = max_len
        self.device = next(model.parameters()).device
        self.cache: Any = None
        self.mask = torch.zeros(num_rows, 0, dtype=torch.long, device=self.device)
        self.positions = torch.zeros(num_rows, dtype=torch.long, device=self.device)
        self.forward_tokens = 0  # tokens run through the model, counting padding: the work actually done

    @torch.inference_mode()
    def _forward(self, input_ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: Any) -> Any:
        self.forward_tokens += input_ids.numel()
        return self.model(
            input_ids=input_ids, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True
        )

    def _prefill(self, prompts: Sequence[Sequence[int]]) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Batched prefill of ``prompts`` alone; returns (cache, mask, next positions, last logits).

        A prefix shared by every prompt (the system prompt and chat header, in practice) runs once per group and
        its KV is copied to each row; the rest is left-padded after it (padding masked out, positions counted per
        row). More than :data:`PREFILL_GROUP_ROWS` prompts are prefilled in groups of similar length, so short
        prompts are not padded to the longest one, then merged into one cache.
        """
        if any(len(p) == 0 for p in prompts):
            raise ValueError("every prompt needs at least one token")
        shared = _common_prefix_length(prompts) if len(prompts) > 1 else 0
        shared = shared if shared >= MIN_SHARED_PREFIX else 0
        if len(prompts) <= PREFILL_GROUP_ROWS:
            return self._prefill_group(prompts, shared)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        groups = [order[i : i + PREFILL_GROUP_ROWS] for i in range(0, len(order), PREFILL_GROUP_ROWS)]
        total = max(len(p) for p in prompts)  # shared prefix + the longest suffix
        mask = torch.zeros((len(prompts), total), dtype=torch.long, device=self.device)
        merged: Any = None
        keys: list[torch.Tensor] = []
        values: list[torch.Tensor] = []
        logits: torch.Tensor | None = None
        for group in groups:
            cache, group_mask, _, group_logits = self._prefill_group([prompts[i] for i in group], shared)
            index = torch.as_tensor(group, device=self.device)
            width = group_mask.shape[1]  # right-aligned: the group's slots are the last `width` ones
            if merged is None:
                merged = cache
                for layer in cache.layers:
                    shape = (len(prompts), layer.keys.shape[1], total, layer.keys.shape[3])
                    keys.append(layer.keys.new_zeros(shape))
                    values.append(layer.values.new_zeros(shape))
                logits = group_logits.new_empty((len(prompts), group_logits.shape[1]))
            for layer, k, v in zip(cache.layers, keys, values, strict=True):
                k[index, :, total - width :] = layer.keys
                v[index, :, total - width :] = layer.values
            mask[index, total - width :] = group_mask
            logits[index] = group_logits
        for layer, k, v in zip(merged.layers, keys, values, strict=True):
            layer.replace(k, v)
        return merged, mask, mask.sum(-1), logits

    def _prefill_group(self, prompts: Sequence[Sequence[int]], shared: int
                       ) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Prefill one batch whose first ``shared`` tokens are the same in every prompt."""
        cache = rolling_cache()
        prefix_mask = torch.ones((len(prompts), shared), dtype=torch.long, device=self.device)
        if shared:
            ids = torch.as_tensor([list(prompts[0][:shared])], dtype=torch.long, device=self.device)
            self._forward(ids, prefix_mask[:1], torch.arange(shared, device=self.device).unsqueeze(0), cache)
            for layer in cache.layers:
                rows = len(prompts)
                layer.replace(layer.keys.expand(rows, -1, -1, -1), layer.values.expand(rows, -1, -1, -1))
        suffixes = [list(p[shared:]) for p in prompts]
        width = max(len(s) for s in suffixes)
        ids = torch.full((len(prompts), width), self.pad_token_id, dtype=torch.long, device=self.device)
        suffix_mask = torch.zeros((len(prompts), width), dtype=torch.long, device=self.device)
        for i, suffix in enumerate(suffixes):
            ids[i, width - len(suffix) :] = torch.as_tensor(suffix, dtype=torch.long)
            suffix_mask[i, width - len(suffix) :] = 1
        mask = torch.cat([prefix_mask, suffix_mask], dim=1)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, shared:]
        out = self._forward(ids, mask, positions, cache)
        return out.cache, mask, mask.sum(-1), out.logits[:, -1, :].float()

    @torch.inference_mode()
    def reset_rows(self, rows: Sequence[int], prompts: Sequence[Sequence[int]]) -> torch.Tensor:
        """Start new sequences in ``rows``; returns the next-token logits for those rows, shape ``[len(rows), V]``."""
        rows = list(rows)
        if len(rows) != len(prompts):
            raise ValueError(f"{len(rows)} rows but {len(prompts)} prompts")
        if len(set(rows)) != len(rows) or any(not 0 <= r < self.num_rows for r in rows):
            raise ValueError(f"rows must be distinct and in [0, {self.num_rows}), got {rows}")
        too_long = [len(p) for p in prompts if len(p) > self.max_len]
        if too_long:
            raise ValueError(f"a prompt of {too_long[0]} tokens exceeds the engine's max_len {self.max_len}")
        cache, mask, positions, logits = self._prefill(prompts)
        if sorted(rows) == list(range(self.num_rows)):
            order = torch.as_tensor([rows.index(r) for r in range(self.num_rows)], device=self.device)
            self.cache = cache
            if rows != list(range(self.num_rows)):
                for layer in self.cache.layers:
                    layer.replace(layer.keys[order], layer.values[order])
            self.mask, self.positions = mask[order], positions[order]
            return logits
        self._insert(rows, cache, mask, positions)
        return logits

    def _insert(self, rows: list[int], cache: Any, mask: torch.Tensor, positions: torch.Tensor) -> None:
        """Write freshly prefilled rows into the shared cache, right-aligned with the other rows."""
        if self.cache is None:
            raise RuntimeError("reset every row once before resetting some of them")
        width = mask.shape[1]
        current = self.mask.shape[1]
        if width > current:  # grow the shared cache on the left with masked-out slots
            grow = width - current
            for layer in self.cache.layers:
                layer.grow_front(grow)
            self.mask = torch.cat([self.mask.new_zeros(self.num_rows, grow), self.mask], dim=1)
            current = width
        index = torch.as_tensor(rows, device=self.device)
        for shared, fresh in zip(self.cache.layers, cache.layers, strict=True):
            shared.keys[index] = 0
            shared.values[index] = 0
            shared.keys[index, :, current - width :] = fresh.keys
            shared.values[index, :, current - width :] = fresh.values
        self.mask[index] = 0
        self.mask[index, current - width :] = mask
        self.positions[index] = positions

    @torch.inference_mode()
    def step(self, tokens: Sequence[int] | torch.Tensor) -> torch.Tensor:
        """Append one token to every row; returns next-token logits ``[num_rows, V]`` (float32)."""
        if self.cache is None:
            raise RuntimeError("reset_rows must be called before step")
        ids = torch.as_tensor(tokens, dtype=torch.long, device=self.device).reshape(self.num_rows, 1)
        self.mask = torch.cat([self.mask, self.mask.new_ones(self.num_rows, 1)], dim=1)
        out = self._forward(ids, self.mask, self.positions.unsqueeze(1), self.cache)
        self.cache = out.cache
        self.positions = self.positions + 1
        self._trim()
        return out.logits[:, -1, :].float()

    def _trim(self) -> None:
        """Drop the oldest slots once the cache is longer than any live row can be."""
        extra = self.mask.shape[1] - self.max_len
        if extra <= 0:
            return
        for layer in self.cache.layers:
            layer.drop_front(extra)
        self.mask = self.mask[:, extra:]

    @torch.inference_mode()
    def keep_rows(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (in that order), e.g. to drop finished sequences from a decoding batch."""
        for layer in self.cache.layers:
            layer.replace(layer.keys[rows], layer.values[rows])
        self.mask, self.positions = self.mask[rows], self.positions[rows]
        self.num_rows = len(rows)

    def replay(self, sequences: Sequence[Sequence[int]]) -> torch.Tensor:
        """Rebuild the cache from full token sequences (e.g. after unpickling); returns next-token logits."""
        return self.reset_rows(range(self.num_rows), sequences)

"""Scoring a GRPO group's completions with their shared prompt computed once instead of once per completion.

TRL's online trainers score completions (the policy pass with gradients, the reference pass, the old-policy pass)
on rows of ``prompt + completion``: a group of ``num_generations`` completions of one prompt runs the prompt
through the model ``num_generations`` times, forward and backward. On a CPU the prompt (~230 tokens of chat
template, instruction and context) is most of that work: with 8 completions of 64 tokens, 1,840 of the 2,352 tokens.

:class:`SharedPromptScoring` packs each group into one row instead: the prompt once, then every completion as its
own block, with position ids that restart after the prompt and a block-causal attention mask (a completion sees the
prompt and its own earlier tokens, never another completion). Each block starts with a copy of the prompt's last
token, whose output predicts the completion's first token, so every log-probability is computed exactly as in the
unpacked row (rotary position embeddings depend only on distances, so dropping the left padding changes nothing).
The row goes through TRL's fused LM head (``fused_lm_head=True`` with ``shift_labels``), so temperature, entropy
and the zero log-probability of padding are TRL's own. There is no KV cache, so activation checkpointing works.

Everything the packing does not cover falls back to TRL's path: no row shares its prompt, an empty prompt,
multimodal or any other extra model inputs, MoE auxiliary losses, or an attention implementation other than
``sdpa`` (the custom 4-D mask is passed as booleans, which only SDPA reads as "may attend").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["PackedGroup", "SharedPromptScoring", "pack_group", "prompt_groups", "shared_prompt_logps"]


def prompt_groups(input_ids: torch.Tensor, attention_mask: torch.Tensor, completion_length: int) -> list[list[int]]:
    """Row indices grouped by identical prompt (ids and padding), in order of first appearance."""
    prompt_length = input_ids.size(1) - completion_length
    groups: dict[tuple[int, ...], list[int]] = {}
    keys = torch.where(attention_mask[:, :prompt_length].bool(), input_ids[:, :prompt_length], -1)
    for row, key in enumerate(keys.tolist()):
        groups.setdefault(tuple(key), []).append(row)
    return list(groups.values())


@dataclass(frozen=True)
class PackedGroup:
    """One packed row: ``input_ids``, ``position_ids``, ``attention_mask`` (4-D, bool), ``shift_labels``, and
    ``index`` (``[rows, completion_length]``: where each completion token's log-probability lands in the row).
    """

    input_ids: torch.Tensor
    position_ids: torch.Tensor
    attention_mask: torch.Tensor
    shift_labels: torch.Tensor
    index: torch.Tensor


def pack_group(prompt: torch.Tensor, completions: torch.Tensor, completion_mask: torch.Tensor) -> PackedGroup:
    """Pack one prompt (its real tokens, no padding) and its ``[rows, length]`` completions into one row.

    The row is ``prompt[:-1]`` followed, for each completion, by ``[prompt[-1], *completion]``. Padded completion
    tokens (``completion_mask == 0``) are neither attended to nor scored (label ``-100``), as in TRL's rows.
    """
    if prompt.numel() == 0:
        raise ValueError("a packed group needs at least one prompt token")
    rows, length = completions.shape
    head = prompt.numel() - 1
    block = length + 1
    total = head + rows * block
    device = prompt.device
    blocks = torch.cat([prompt[-1:].expand(rows, 1), completions], dim=1)  # [rows, block]
    input_ids = torch.cat([prompt[:-1], blocks.reshape(-1)])
    position_ids = torch.cat([torch.arange(head, device=device),
                              (head + torch.arange(block, device=device)).repeat(rows)])
    # Which block each position belongs to (-1: the shared prompt), and which keys may be attended to at all.
    segment = torch.cat([torch.full((head,), -1, device=device),
                         torch.arange(rows, device=device).repeat_interleave(block)])
    key_ok = torch.cat([torch.ones(head, dtype=torch.bool, device=device),
                        torch.cat([torch.ones(rows, 1, dtype=torch.bool, device=device),
                                   completion_mask.bool()], dim=1).reshape(-1)])
    causal = torch.ones(total, total, dtype=torch.bool, device=device).tril()
    same_or_prompt = (segment[:, None] == segment[None, :]) | (segment[None, :] == -1)
    mask = causal & same_or_prompt & key_ok[None, :]
    labels = torch.cat([completions.masked_fill(completion_mask == 0, -100),
                        torch.full((rows, 1), -100, dtype=completions.dtype, device=device)], dim=1)
    shift_labels = torch.cat([torch.full((head,), -100, dtype=completions.dtype, device=device), labels.reshape(-1)])
    index = head + block * torch.arange(rows, device=device)[:, None] + torch.arange(length, device=device)[None, :]
    return PackedGroup(input_ids[None], position_ids[None], mask[None, None], shift_labels[None], index)


def shared_prompt_logps(
    model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor, logits_to_keep: int,
    compute_entropy: bool = False, groups: list[list[int]] | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Per-token log-probabilities (and entropies) of the last ``logits_to_keep`` tokens of each row, one packed
    forward per group of rows sharing a prompt. ``model`` must carry TRL's fused LM head (``add_fused_lm_head``).
    """
    groups = groups if groups is not None else prompt_groups(input_ids, attention_mask, logits_to_keep)
    prompt_length = input_ids.size(1) - logits_to_keep
    logps, entropies, order = [], [], []
    for rows in groups:
        first = rows[0]
        prompt = input_ids[first, :prompt_length][attention_mask[first, :prompt_length].bool()]
        packed = pack_group(prompt, input_ids[rows, prompt_length:], attention_mask[rows, prompt_length:])
        outputs = model(input_ids=packed.input_ids, position_ids=packed.position_ids,
                        attention_mask=packed.attention_mask, shift_labels=packed.shift_labels, fused_lm_head=True)
        logps.append(outputs.log_probs[0][packed.index])
        if compute_entropy:
            entropies.append(outputs.entropy[0][packed.index])
        order.extend(rows)
    inverse = torch.tensor(order, device=input_ids.device).argsort()  # back to the callers' row order
    return torch.cat(logps)[inverse], (torch.cat(entropies)[inverse] if compute_entropy else None)


class SharedPromptScoring:
    """Mixin placed before ``GRPOTrainer`` or ``RLOOTrainer``: scores each group with its prompt computed once."""

    shared_prompt_calls: int = 0  # scoring calls that went through the packed path (the rest fell back)

    def _get_per_token_logps_and_entropies(self, model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                                           logits_to_keep: int, batch_size: int | None = None,
                                           compute_entropy: bool = False, compute_aux_loss: bool = False,
                                           **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor | None, Any]:
        groups = prompt_groups(input_ids, attention_mask, logits_to_keep)
        unwrapped = self.accelerator.unwrap_model(model)
        shared = (
            not compute_aux_loss
            and all(value is None for value in kwargs.values())  # images and any other model input: TRL's path
            and len(groups) < input_ids.size(0)
            and bool(attention_mask[:, : input_ids.size(1) - logits_to_keep].any(dim=1).all())  # no empty prompt
            and getattr(unwrapped.config, "_attn_implementation", None) == "sdpa"
        )
        if not shared:
            return super()._get_per_token_logps_and_entropies(  # type: ignore[misc]
                model, input_ids, attention_mask, logits_to_keep, batch_size, compute_entropy, compute_aux_loss,
                **kwargs)
        with self.accelerator.autocast():
            logps, entropies = shared_prompt_logps(model, input_ids, attention_mask, logits_to_keep, compute_entropy,
                                                   groups)
        self.shared_prompt_calls += 1
        return logps, entropies, None

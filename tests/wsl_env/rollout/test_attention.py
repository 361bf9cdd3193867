"""The copy-free grouped-query attention matches transformers' eager attention."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from tests.conftest import build_tiny_llama
from wsl_env.models import load_model
from wsl_env.rollout.attention import GQA_ATTENTION, gqa_attention
from wsl_env.rollout.engine import RolloutEngine


class _Module(torch.nn.Module):
    training = False


@pytest.mark.parametrize("q_len", [1, 5])  # a decoding step, and a prefill chunk
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_matches_eager_attention(q_len: int, dtype: torch.dtype) -> None:
    from transformers.models.llama.modeling_llama import eager_attention_forward

    torch.manual_seed(0)
    module = _Module()
    module.num_key_value_groups = 3
    query = torch.randn(2, 9, q_len, 8, dtype=dtype)
    key, value = torch.randn(2, 3, 7, 8, dtype=dtype), torch.randn(2, 3, 7, 8, dtype=dtype)
    mask = torch.zeros(2, 1, q_len, 7, dtype=dtype)
    mask[0, :, :, :2] = torch.finfo(dtype).min  # row 0 is left-padded by two slots
    want_out, want_probs = eager_attention_forward(module, query, key, value, mask, scaling=0.35)
    got_out, got_probs = gqa_attention(module, query, key, value, mask, scaling=0.35)
    assert got_out.shape == want_out.shape == (2, q_len, 9, 8)
    torch.testing.assert_close(got_out, want_out)
    torch.testing.assert_close(got_probs, want_probs)
    assert float(got_probs[0, :, :, :2].max()) == 0.0  # padding gets no weight


def test_refuses_dropout_in_training() -> None:
    module = _Module()
    module.training = True
    x = torch.zeros(1, 2, 1, 4)
    with pytest.raises(ValueError, match="inference"):
        gqa_attention(module, x, x[:, :1], x[:, :1], None, scaling=1.0, dropout=0.1)


def _greedy(model: Any, prompts: list[list[int]], steps: int) -> tuple[list[list[int]], torch.Tensor]:
    engine = RolloutEngine(model, num_rows=len(prompts), pad_token_id=0, max_len=64)
    logits = engine.reset_rows(range(len(prompts)), prompts)
    first = logits.clone()
    out: list[list[int]] = [[] for _ in prompts]
    for _ in range(steps):
        tokens = logits.argmax(-1)
        for row, t in zip(out, tokens.tolist(), strict=True):
            row.append(t)
        logits = engine.step(tokens)
    return out, first


def test_model_with_gqa_attention_decodes_like_eager(tokenizer: Any) -> None:
    # Prompts of different lengths (left padding) sharing a prefix, through the rolling-cache engine.
    prompts = [list(range(100, 112)) + [7, 8, 9], list(range(100, 112)) + [5], list(range(100, 112)) + [3, 4]]
    eager = build_tiny_llama(tokenizer, seed=3)
    eager.set_attn_implementation("eager")
    gqa = build_tiny_llama(tokenizer, seed=3)
    gqa.set_attn_implementation(GQA_ATTENTION)
    want, want_logits = _greedy(eager, prompts, 12)
    got, got_logits = _greedy(gqa, prompts, 12)
    torch.testing.assert_close(got_logits, want_logits, rtol=1e-4, atol=1e-4)
    assert got == want


def test_load_model_accepts_the_registered_name(tiny_model_dir: Any) -> None:
    model, _ = load_model(str(tiny_model_dir), attn_implementation=GQA_ATTENTION)
    assert model.config._attn_implementation == GQA_ATTENTION

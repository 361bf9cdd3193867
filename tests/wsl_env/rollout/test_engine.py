"""The rolling KV-cache engine gives the same logits as a full forward pass over each row's own sequence."""

from __future__ import annotations

import random

import pytest
import torch

from wsl_env.rollout.engine import RolloutEngine


def full_logits(model, sequence: list[int]) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=torch.tensor([sequence])).logits[0, -1].float()


def test_engine_matches_full_forward_through_staggered_resets(tiny_model) -> None:
    rng = random.Random(0)
    engine = RolloutEngine(tiny_model, num_rows=3, pad_token_id=2, max_len=40)
    seqs = [[rng.randrange(3, 500) for _ in range(n)] for n in (5, 9, 3)]
    logits = engine.reset_rows([2, 0, 1], [seqs[2], seqs[0], seqs[1]])  # any row order
    assert torch.allclose(logits[1], full_logits(tiny_model, seqs[0]), atol=1e-4)
    for step in range(45):
        tokens = [rng.randrange(3, 500) for _ in range(3)]
        for seq, token in zip(seqs, tokens, strict=True):
            seq.append(token)
        logits = engine.step(tokens)
        for row in range(3):
            assert torch.allclose(logits[row], full_logits(tiny_model, seqs[row]), atol=1e-4), (step, row)
        if step % 7 == 3:  # one row starts a new, longer prompt mid-batch
            row = step % 3
            seqs[row] = [rng.randrange(3, 500) for _ in range(rng.randrange(2, 12))]
            fresh = engine.reset_rows([row], [seqs[row]])
            assert torch.allclose(fresh[0], full_logits(tiny_model, seqs[row]), atol=1e-4)
        for row in range(3):  # keep every row within max_len, as the env's token budget does
            if len(seqs[row]) >= 38:
                seqs[row] = seqs[row][-5:]
                engine.reset_rows([row], [seqs[row]])
    assert engine.mask.shape[1] <= 40


def test_step_runs_one_token_per_row(tiny_model) -> None:
    engine = RolloutEngine(tiny_model, num_rows=2, pad_token_id=2, max_len=64)
    engine.reset_rows([0, 1], [[5, 6, 7], [8, 9]])
    before = engine.forward_tokens
    engine.step([10, 11])
    assert engine.forward_tokens - before == 2  # the prefix is never recomputed


@pytest.mark.parametrize(
    ("rows", "prompts", "message"),
    [
        ([0, 0], [[1], [2]], "distinct"),  # a row twice
        ([5], [[1]], "distinct"),  # out of range
        ([0], [[1], [2]], "prompts"),  # count mismatch
        ([0, 1], [[1] * 100, [1]], "max_len"),  # prompt too long
    ],
)
def test_bad_resets_are_rejected(tiny_model, rows, prompts, message) -> None:
    engine = RolloutEngine(tiny_model, num_rows=2, pad_token_id=2, max_len=64)
    with pytest.raises(ValueError, match=message):
        engine.reset_rows(rows, prompts)


def test_step_before_reset_is_an_error(tiny_model) -> None:
    with pytest.raises(RuntimeError, match="reset_rows"):
        RolloutEngine(tiny_model, num_rows=1, pad_token_id=2, max_len=8).step([1])


def test_eager_attention_engine_matches_sdpa_full_forward(tiny_model_dir, tiny_model) -> None:
    # Rollouts load models with eager attention; their logits must match the default (SDPA) full forward.
    from wsl_env.models import load_model

    eager, _ = load_model(str(tiny_model_dir), attn_implementation="eager")
    engine = RolloutEngine(eager, num_rows=2, pad_token_id=2, max_len=64)
    seqs = [[5, 6, 7, 8, 9], [10, 11]]
    logits = engine.reset_rows([0, 1], seqs)
    for step in range(5):
        for seq in seqs:
            seq.append(100 + step)
        logits = engine.step([100 + step, 100 + step])
    for row in range(2):
        assert torch.allclose(logits[row], full_logits(tiny_model, seqs[row]), atol=1e-4)


def test_shared_prefix_prefill_matches_full_forward(tiny_model) -> None:
    # Prompts that share a system prompt: the prefix runs once, every row still gets its exact logits.
    system = list(range(20, 45))
    prompts = [system + [60, 61, 62], system + [70], system + [80, 81, 82, 83, 84, 85], list(system)]
    engine = RolloutEngine(tiny_model, num_rows=4, pad_token_id=2, max_len=64)
    before = engine.forward_tokens
    logits = engine.reset_rows([0, 1, 2, 3], prompts)
    assert engine.forward_tokens - before == 24 + 4 * 7  # 24 shared tokens once, then 4 rows of 7
    for row, prompt in enumerate(prompts):
        assert torch.allclose(logits[row], full_logits(tiny_model, prompt), atol=1e-4)
    logits = engine.step([90, 91, 92, 93])
    for row, prompt in enumerate(prompts):
        assert torch.allclose(logits[row], full_logits(tiny_model, [*prompt, 90 + row]), atol=1e-4)


def test_grouped_prefill_matches_full_forward(tiny_model, monkeypatch) -> None:
    # More prompts than a prefill group: they are prefilled in length-sorted groups (here of 2) and merged.
    from wsl_env.rollout import engine as engine_module

    monkeypatch.setattr(engine_module, "PREFILL_GROUP_ROWS", 2)
    rng = random.Random(1)
    system = list(range(20, 45))
    prompts = [system + [rng.randrange(60, 500) for _ in range(n)] for n in (9, 1, 5, 2, 7)]
    engine = RolloutEngine(tiny_model, num_rows=5, pad_token_id=2, max_len=64)
    before = engine.forward_tokens
    logits = engine.reset_rows(range(5), prompts)
    # the 25-token shared prefix runs once per group; groups by suffix length (1, 2), (5, 7), (9) each pad only
    # to their own longest suffix (one batch would pad all five to 9)
    assert engine.forward_tokens - before == 3 * 25 + 2 * 2 + 2 * 7 + 1 * 9
    for row, prompt in enumerate(prompts):
        assert torch.allclose(logits[row], full_logits(tiny_model, prompt), atol=1e-4), row
    for step in range(3):
        tokens = [90 + row + step for row in range(5)]
        logits = engine.step(tokens)
        for row in range(5):
            prompts[row] = [*prompts[row], tokens[row]]
            assert torch.allclose(logits[row], full_logits(tiny_model, prompts[row]), atol=1e-4), (step, row)

"""The engine-based decoder: greedy matches Hugging Face generate, sampling is seeded and filtered."""

from __future__ import annotations

import pytest
import torch

from wsl_env.rollout.generation import Sampling, choose_tokens, decode


def hf_greedy(model, prompt: list[int], max_new_tokens: int, eos: int) -> list[int]:
    out = model.generate(torch.tensor([prompt]), max_new_tokens=max_new_tokens, do_sample=False,
                         eos_token_id=eos, pad_token_id=eos, temperature=None, top_p=None, top_k=None)
    return out[0, len(prompt) :].tolist()


def test_greedy_matches_hf_generate(tiny_model) -> None:
    prompts = [[5, 6, 7, 8], [9, 10], [11, 12, 13, 14, 15, 16, 17]]
    eos = 2
    ours = decode(tiny_model, prompts, max_new_tokens=12, eos_ids=frozenset({eos}), pad_token_id=eos)
    for prompt, tokens in zip(prompts, ours, strict=True):
        assert tokens == hf_greedy(tiny_model, prompt, 12, eos)


def test_repeated_prompts_are_prefilled_once_and_decode_the_same(tiny_model) -> None:
    # A GRPO-style batch: each prompt four times. Greedy rows of one prompt agree with each other and with the
    # prompt decoded alone; the model sees each distinct prompt's tokens once, not four times.
    from wsl_env.rollout import engine

    prompts = [[5, 6, 7, 8]] * 4 + [[9, 10, 11]] * 4
    seen: list[int] = []
    original = engine.RolloutEngine._forward

    def counting(self, input_ids, *args):
        seen.append(input_ids.shape[0])
        return original(self, input_ids, *args)

    engine.RolloutEngine._forward = counting
    try:
        ours = decode(tiny_model, prompts, max_new_tokens=6, eos_ids=frozenset({2}), pad_token_id=2)
    finally:
        engine.RolloutEngine._forward = original
    assert seen[0] == 2  # the prefill: two distinct prompts
    assert ours[:4] == [hf_greedy(tiny_model, prompts[0], 6, 2)] * 4
    assert ours[4:] == [hf_greedy(tiny_model, prompts[4], 6, 2)] * 4


def test_rows_stop_at_eos_and_batch_shrinks(tiny_model) -> None:
    # Make the first greedy token of every row an "EOS": every row stops after one token.
    prompts = [[5, 6], [7, 8, 9]]
    first = decode(tiny_model, prompts, max_new_tokens=1, eos_ids=frozenset({2}), pad_token_id=2)
    eos = frozenset(t[0] for t in first)
    out = decode(tiny_model, prompts, max_new_tokens=10, eos_ids=eos, pad_token_id=2)
    assert [len(t) for t in out] == [1, 1]


def test_sampling_is_seeded() -> None:
    logits = torch.randn(4, 50)
    sampling = Sampling(do_sample=True, temperature=0.7, top_p=0.9, top_k=10)
    a = choose_tokens(logits, sampling, torch.Generator().manual_seed(1))
    b = choose_tokens(logits, sampling, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


def test_sampling_draws_from_the_softmax() -> None:
    probs = torch.tensor([0.5, 0.3, 0.2, 0.0])
    logits = probs.log().repeat(20_000, 1)  # log(0) = -inf: a token that must never be drawn
    chosen = choose_tokens(logits, Sampling(do_sample=True), torch.Generator().manual_seed(0))
    freq = torch.bincount(chosen, minlength=4).float() / len(chosen)
    # within 4 standard errors (at most 0.0035 here) of each probability; the zero-probability token never
    assert torch.allclose(freq, probs, atol=0.014) and freq[3] == 0


@pytest.mark.parametrize(
    ("sampling", "allowed"),
    [
        (Sampling(do_sample=True, top_k=1), {0}),  # top-1 is greedy
        (Sampling(do_sample=True, top_p=0.5), {0}),  # the first token alone holds more than half the mass
        (Sampling(do_sample=True, top_k=2), {0, 1}),  # only the two best survive
    ],
)
def test_filters_limit_the_choice(sampling, allowed) -> None:
    logits = torch.tensor([[5.0, 4.0, 0.0, -1.0]]).repeat(200, 1)
    chosen = set(choose_tokens(logits, sampling, torch.Generator().manual_seed(0)).tolist())
    assert chosen <= allowed


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temperature": 0.0},  # must be positive
        {"top_p": 0.0},  # empty nucleus
        {"top_k": -1},  # negative
    ],
)
def test_bad_sampling_settings(kwargs) -> None:
    with pytest.raises(ValueError):
        Sampling(**kwargs)

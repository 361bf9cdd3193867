"""Packed group scoring (train.shared_prompt) against TRL's row-by-row scoring: same log-probs, same gradients."""

from __future__ import annotations

import contextlib
import copy
import types
from typing import Any

import pytest
import torch

from train.shared_prompt import SharedPromptScoring, pack_group, prompt_groups, shared_prompt_logps

PAD = 0


def _batch(prompts: list[list[int]], completions: list[list[int]], group_of: list[int], width: int
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """TRL's layout: each row is its group's prompt, left-padded, then its completion, right-padded to ``width``."""
    prompt_width = max(len(p) for p in prompts)
    ids, mask = [], []
    for completion, group in zip(completions, group_of, strict=True):
        prompt = prompts[group]
        pad_left, pad_right = prompt_width - len(prompt), width - len(completion)
        ids.append([PAD] * pad_left + prompt + completion + [PAD] * pad_right)
        mask.append([0] * pad_left + [1] * len(prompt) + [1] * len(completion) + [0] * pad_right)
    return torch.tensor(ids), torch.tensor(mask)


def _trl_logps(model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor, keep: int
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """TRL's own scoring call (GRPOTrainer._get_per_token_logps_and_entropies without the multimodal branches)."""
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    labels[:, :-keep] = -100
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels, fused_lm_head=True)
    return out.log_probs[:, -keep:], out.entropy[:, -keep:]


@pytest.fixture()
def fused_model(tiny_model: Any) -> Any:
    from trl.trainer.utils import add_fused_lm_head

    model = copy.deepcopy(tiny_model).float().train()
    model.set_attn_implementation("sdpa")
    add_fused_lm_head(model, temperature=0.7, outputs=("log_probs", "entropy"))
    return model


def test_pack_group_layout() -> None:
    packed = pack_group(torch.tensor([5, 6, 7]), torch.tensor([[8, 9], [10, PAD]]), torch.tensor([[1, 1], [1, 0]]))
    # prompt[:-1], then [prompt[-1], *completion] per completion
    assert packed.input_ids.tolist() == [[5, 6, 7, 8, 9, 7, 10, PAD]]
    assert packed.position_ids.tolist() == [[0, 1, 2, 3, 4, 2, 3, 4]]  # each block restarts after the prompt
    # the last prompt token predicts the first completion token; padding and block ends predict nothing
    assert packed.shift_labels.tolist() == [[-100, -100, 8, 9, -100, 10, -100, -100]]
    assert packed.index.tolist() == [[2, 3], [5, 6]]
    mask = packed.attention_mask[0, 0].int().tolist()
    assert mask[5] == [1, 1, 0, 0, 0, 1, 0, 0]  # the second block sees the prompt and itself, not the first block
    assert mask[7] == [1, 1, 0, 0, 0, 1, 1, 0]  # nor a padded token (its own padding included)


def test_prompt_groups_split_on_ids_and_padding() -> None:
    ids, mask = _batch([[5, 6, 7], [5, 6], [6, 7]], [[1], [2], [3], [4]], [0, 1, 0, 2], width=1)
    assert prompt_groups(ids, mask, completion_length=1) == [[0, 2], [1], [3]]


def test_packed_scoring_equals_trl_rows(fused_model: Any) -> None:
    torch.manual_seed(0)
    prompts = [torch.randint(1, 500, (n,)).tolist() for n in (23, 17)]
    lengths = [9, 4, 9, 1, 6, 9]  # two groups of three, different lengths: right padding to 9
    completions = [torch.randint(1, 500, (n,)).tolist() for n in lengths]
    input_ids, attention_mask = _batch(prompts, completions, [0, 1, 0, 1, 0, 1], width=9)
    weights = torch.randn(len(lengths), 9)  # a loss that weights every token differently

    expected, expected_entropy = _trl_logps(fused_model, input_ids, attention_mask, keep=9)
    (expected * weights).sum().backward()
    expected_grads = {n: p.grad.clone() for n, p in fused_model.named_parameters() if p.grad is not None}
    fused_model.zero_grad()

    logps, entropy = shared_prompt_logps(fused_model, input_ids, attention_mask, 9, compute_entropy=True)
    (logps * weights).sum().backward()
    assert torch.allclose(logps, expected, atol=1e-5)
    assert torch.allclose(entropy, expected_entropy, atol=1e-5)
    assert (logps[attention_mask[:, -9:] == 0] == 0).all()  # padding scores 0, as in TRL
    grads = {n: p.grad for n, p in fused_model.named_parameters() if p.grad is not None}
    assert grads.keys() == expected_grads.keys()
    for name, grad in grads.items():
        assert torch.allclose(grad, expected_grads[name], atol=1e-5, rtol=1e-4), name



@pytest.mark.integration
def test_packed_scoring_equals_trl_rows_on_the_real_model(real_model: tuple[Any, Any]) -> None:
    from trl.trainer.utils import add_fused_lm_head

    base, tokenizer = real_model
    model = copy.deepcopy(base).float().eval()  # the session's model stays unpatched
    add_fused_lm_head(model, outputs=("log_probs", "entropy"))
    messages = [{"role": "user", "content": "Recap Heat 3 at Pipeline: Kai Moana 17.10, Leo Silva 13.65."}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=True)["input_ids"]
    torch.manual_seed(0)
    completions = [torch.randint(100, 40_000, (n,)).tolist() for n in (24, 7, 24, 15)]
    input_ids, attention_mask = _batch([prompt], completions, [0, 0, 0, 0], width=24)
    with torch.no_grad():
        expected, _ = _trl_logps(model, input_ids, attention_mask, keep=24)
        logps, _ = shared_prompt_logps(model, input_ids, attention_mask, 24)
    assert torch.allclose(logps, expected, atol=1e-3)  # fp32: equal up to the order of the sums


class _StockScoring:
    def _get_per_token_logps_and_entropies(self, *args: Any, **kwargs: Any) -> str:
        return "trl"


class _Accelerator:
    def unwrap_model(self, model: Any) -> Any:
        return model

    def autocast(self) -> Any:
        return contextlib.nullcontext()


class _Trainer(SharedPromptScoring, _StockScoring):
    accelerator = _Accelerator()


@pytest.mark.parametrize(
    ("prompts", "group_of", "attention", "kwargs"),
    [
        ([[5, 6], [7, 8]], [0, 1], "sdpa", {}),  # no two rows share a prompt: nothing to save
        ([[5, 6]], [0, 0], "eager", {}),  # eager attention would add the boolean mask to the scores
        ([[5, 6]], [0, 0], "sdpa", {"pixel_values": torch.zeros(1)}),  # images: TRL's path knows how to slice them
        ([[5, 6]], [0, 0], "sdpa", {"compute_aux_loss": True}),  # MoE auxiliary loss: TRL's path returns it
        ([[5, 6]], [0, 0], "sdpa", {"some_future_input": torch.zeros(1)}),  # an input the packing does not know
        ([[]], [0, 0], "sdpa", {}),  # an empty prompt has no last token to lead the blocks
    ],
)
def test_falls_back_to_trl(prompts: list[list[int]], group_of: list[int], attention: str, kwargs: dict) -> None:
    model = types.SimpleNamespace(config=types.SimpleNamespace(_attn_implementation=attention))
    input_ids, attention_mask = _batch(prompts, [[9, 10]] * len(group_of), group_of, width=2)
    trainer = _Trainer()
    assert trainer._get_per_token_logps_and_entropies(model, input_ids, attention_mask, 2, **kwargs) == "trl"
    assert trainer.shared_prompt_calls == 0


def test_packs_shared_prompts(fused_model: Any) -> None:
    input_ids, attention_mask = _batch([[5, 6, 7]], [[9, 10], [11, 12]], [0, 0], width=2)
    trainer = _Trainer()
    logps, entropy, aux = trainer._get_per_token_logps_and_entropies(fused_model, input_ids, attention_mask, 2)
    assert trainer.shared_prompt_calls == 1 and logps.shape == (2, 2) and entropy is None and aux is None

"""train/lm_head.py: TRL's fused LM head scores only labelled positions on the CPU, with the same loss and gradients."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
trl_utils = pytest.importorskip("trl.trainer.utils")

from tests.conftest import build_tiny_llama  # noqa: E402
from train.lm_head import compact_lm_head  # noqa: E402


@pytest.fixture(autouse=True)
def _restore() -> Any:
    yield
    compact_lm_head(False)  # the switch is process-wide: leave TRL as the next test expects it


def _loss_and_grads(model: Any, input_ids: Any, labels: Any) -> tuple[float, list[Any]]:
    model.zero_grad()
    out = model(input_ids=input_ids, labels=labels, fused_lm_head=True)
    out.loss.backward()
    return out.loss.item(), [p.grad.clone() for p in model.parameters() if p.grad is not None]


def test_compact_head_gives_the_same_loss_and_gradients(tokenizer: Any) -> None:
    model = build_tiny_llama(tokenizer).train()
    trl_utils.add_fused_lm_head(model)
    torch.manual_seed(0)
    input_ids = torch.randint(0, 1000, (2, 24))
    labels = input_ids.clone()
    labels[:, :15] = -100  # a prompt of 15 tokens: only the completion is scored
    labels[1, 20:] = -100  # and padding at the end of the second row
    full_loss, full_grads = _loss_and_grads(model, input_ids, labels)
    assert compact_lm_head(True) is True
    compact_loss, compact_grads = _loss_and_grads(model, input_ids, labels)
    assert compact_loss == pytest.approx(full_loss, rel=1e-6)
    assert len(compact_grads) == len(full_grads) > 0
    for a, b in zip(compact_grads, full_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_compact_head_scores_only_labelled_positions(tokenizer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # the tiled log-prob function sees 9 rows (the labelled positions) instead of 2 x 23 with the switch on
    model = build_tiny_llama(tokenizer)
    trl_utils.add_fused_lm_head(model)
    seen: list[int] = []
    apply = trl_utils._ChunkedLogProbFunction.apply

    def spy(hidden: Any, *args: Any) -> Any:
        seen.append(hidden.shape[0])
        return apply(hidden, *args)

    monkeypatch.setattr(trl_utils._ChunkedLogProbFunction, "apply", spy)
    input_ids = torch.randint(0, 1000, (2, 24))
    labels = torch.full_like(input_ids, -100)
    labels[0, 16:] = input_ids[0, 16:]  # 8 labelled tokens -> 8 next-token positions
    labels[1, 23:] = input_ids[1, 23:]  # 1 more
    with torch.no_grad():
        model(input_ids=input_ids, labels=labels, fused_lm_head=True)
        compact_lm_head(True)
        model(input_ids=input_ids, labels=labels, fused_lm_head=True)
        compact_lm_head(False)
        model(input_ids=input_ids, labels=labels, fused_lm_head=True)
    assert seen == [46, 9, 46]


def test_every_training_config_can_switch_it() -> None:
    from train.grpo import GRPORunConfig
    from train.sft import SFTRunConfig

    assert SFTRunConfig(output_dir="/tmp/x").compact_lm_head is True
    assert GRPORunConfig(output_dir="/tmp/x", compact_lm_head=False).compact_lm_head is False

"""train/lora.py: the adapted layers, the LoRA config, and a backward pass that stops at the lowest adapter with the
same LoRA gradients."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import build_tiny_llama
from train.lora import StopBackwardAtAdapters, adapted_layers, lora_config, reentrant_checkpointing


@pytest.mark.parametrize(
    ("lora_layers", "num_layers", "expected"),
    [
        (None, 30, None),  # unset: every layer (PEFT's own default)
        (15, 30, list(range(15, 30))),  # the top half of SmolLM2's 30 layers
        (1, 2, [1]),  # only the last layer
        (2, 2, [0, 1]),  # all layers, named explicitly
    ],
)
def test_adapted_layers_are_the_last_n(lora_layers: int | None, num_layers: int, expected: list[int] | None) -> None:
    assert adapted_layers(lora_layers, num_layers) == expected


@pytest.mark.parametrize("lora_layers", [0, -1, 31])
def test_adapted_layers_outside_the_model_are_an_error(lora_layers: int) -> None:
    with pytest.raises(ValueError, match="between 1 and the model's 30 decoder layers"):
        adapted_layers(lora_layers, 30)


def _run_args(lora_layers: int | None) -> Any:
    return SimpleNamespace(lora_r=4, lora_alpha=8, lora_dropout=0.0, lora_target_modules=["q_proj", "down_proj"],
                           lora_layers=lora_layers)


def test_lora_config_carries_the_layers() -> None:
    config = lora_config(_run_args(1), num_layers=2)
    assert config.layers_to_transform == [1] and config.r == 4 and set(config.target_modules) == {"q_proj",
                                                                                                  "down_proj"}
    assert lora_config(_run_args(None), num_layers=2).layers_to_transform is None


@pytest.mark.parametrize(
    ("kwargs", "reentrant"),
    [
        (None, False),  # transformers passes use_reentrant=False itself
        ({"every_n_layers": 2}, False),  # transformers' own keys leave the kwargs empty: its default again
        ({"use_reentrant": False, "preserve_rng_state": False}, False),  # asked for explicitly
        ({"use_reentrant": True}, True),
        ({"preserve_rng_state": False}, True),  # torch's own default decides: assume reentrant
    ],
)
def test_reentrant_checkpointing_reads_the_kwargs(kwargs: dict[str, Any] | None, reentrant: bool) -> None:
    assert reentrant_checkpointing(SimpleNamespace(activation_checkpointing_kwargs=kwargs)) is reentrant


def test_reentrant_checkpointing_reads_trls_alias_too() -> None:
    # TRL forces use_reentrant=True on the deprecated alias (PEFT under DeepSpeed ZeRO-3) and re-enables with it
    args = SimpleNamespace(activation_checkpointing_kwargs=None, gradient_checkpointing_kwargs={"use_reentrant": True})
    assert reentrant_checkpointing(args)


def _checkpointed_lora(tokenizer: Any, lora_layers: int | None) -> Any:
    from peft import get_peft_model

    model = get_peft_model(build_tiny_llama(tokenizer, seed=3), lora_config(_run_args(lora_layers), num_layers=2))
    for name, param in model.named_parameters():  # PEFT starts B at zero: give every LoRA weight a gradient
        if "lora_B" in name:
            param.data.normal_(0.0, 0.02)
    model.activation_checkpointing_enable()  # non-reentrant, and the input-grads hook PEFT training installs
    model.train()
    return model


def _lora_grads(model: Any, ids: Any, layer0_backward: list[int]) -> dict[str, Any]:
    hook = model.get_base_model().model.layers[0].mlp.register_full_backward_hook(
        lambda *_: layer0_backward.append(1))
    model(input_ids=ids, labels=ids).loss.backward()
    hook.remove()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.requires_grad}


@pytest.mark.parametrize("lora_layers", [None, 1])
def test_stopping_the_backward_keeps_every_lora_gradient(tokenizer: Any, lora_layers: int | None) -> None:
    import torch

    ids = torch.randint(10, 1000, (2, 12), generator=torch.Generator().manual_seed(0))
    args = SimpleNamespace(activation_checkpointing=True, activation_checkpointing_kwargs=None)
    before_calls: list[int] = []
    before = _lora_grads(_checkpointed_lora(tokenizer, lora_layers), ids, before_calls)
    model = _checkpointed_lora(tokenizer, lora_layers)
    model.enable_input_require_grads()  # as TRL does on top of transformers: a second hook the model forgets
    callback = StopBackwardAtAdapters()
    callback.on_train_begin(args, None, None, model=model)
    # GRPO switches checkpointing off to generate and on again, which would install the hook again
    model.activation_checkpointing_disable()
    model.activation_checkpointing_enable()
    after_calls: list[int] = []
    after = _lora_grads(model, ids, after_calls)
    assert before.keys() == after.keys() and len(after) > 0
    for name in before:
        torch.testing.assert_close(after[name], before[name], msg=name)
    assert before_calls  # with the input-grads hook, layer 0 is back-propagated whatever it holds
    # Stopped: layer 0 is back-propagated only when it holds an adapter.
    assert bool(after_calls) is (lora_layers is None)
    callback.on_train_end(args, None, None)
    assert callback.patched is None
    model.enable_input_require_grads()  # the model's own method again once training is over
    assert model.get_input_embeddings()(ids).requires_grad


def test_the_backward_is_left_alone_where_it_is_needed(tokenizer: Any) -> None:
    import torch

    ids = torch.tensor([[11, 12, 13]])
    cases = [
        # reentrant checkpointing needs inputs that require a gradient
        SimpleNamespace(activation_checkpointing=True, activation_checkpointing_kwargs={"use_reentrant": True}),
        SimpleNamespace(activation_checkpointing=True, activation_checkpointing_kwargs=None,
                        gradient_checkpointing_kwargs={"use_reentrant": True}),  # TRL's alias says so
        SimpleNamespace(activation_checkpointing=False),  # the run does not checkpoint
    ]
    for args in cases:
        model = _checkpointed_lora(tokenizer, None)
        callback = StopBackwardAtAdapters()
        callback.on_train_begin(args, None, None, model=model)
        assert callback.patched is None
        assert model.get_input_embeddings()(ids).requires_grad  # the input-grads hook is still there
    model = _checkpointed_lora(tokenizer, None)
    model.get_input_embeddings().weight.requires_grad_(True)  # trainable embeddings need their gradient
    callback = StopBackwardAtAdapters()
    callback.on_train_begin(SimpleNamespace(activation_checkpointing=True, activation_checkpointing_kwargs=None),
                            None, None, model=model)
    assert callback.patched is None


def test_sft_with_lora_layers_adapts_only_those(tmp_path: Path, tiny_model_dir: Path, task_file: Path, flags) -> None:
    from safetensors.torch import load_file

    from train.sft import cli

    manifest = cli(flags(tiny_model_dir, task_file, tmp_path, "sft-top1")
                   + ["--max_steps", "1", "--max_train_examples", "4", "--lora_layers", "1"])
    run = tmp_path / "sft-top1"
    assert json.loads((run / "adapter_config.json").read_text())["layers_to_transform"] == [1]
    weights = load_file(str(run / "adapter_model.safetensors"))
    assert weights and all(".layers.1." in k for k in weights)
    # trained, not just created: PEFT starts every lora_B at zero, and the step moved them
    assert any(float(w.abs().max()) > 0 for k, w in weights.items() if "lora_B" in k)
    assert manifest["config"]["lora_layers"] == 1

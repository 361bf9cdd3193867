"""The LoRA adapter of a run: which modules and which decoder layers get one, and a backward pass that stops at the
lowest adapted layer.

With ``--lora_layers N`` only the last ``N`` decoder layers are adapted. The layers below hold no trainable weight,
so nothing needs their backward pass, and with activation checkpointing nothing needs their recomputation either:
SmolLM2 (30 layers) with the last 15 adapted ran a bf16 step of 8 rows in 5.07 s against 9.84 s (``python -m
benchmarks.bench_sft --variants fast lora_top15``, 2-core Intel Xeon VM, 2026-12-03).

That saving only happens when the inputs of the first layer do not require a gradient. Transformers and TRL make
the input embeddings' output require one whenever a PEFT model is checkpointed (reentrant checkpointing needs it);
under non-reentrant checkpointing (transformers' default) it only buys the gradient of the embeddings' output,
which nothing uses unless the embeddings themselves train. :class:`StopBackwardAtAdapters` takes it away for the
length of training, in exactly that case.
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

__all__ = ["CHECKPOINTING_FIELDS", "TRANSFORMERS_CHECKPOINT_KEYS", "StopBackwardAtAdapters", "adapted_layers",
           "lora_config", "reentrant_checkpointing"]

# Where a Trainer's checkpointing kwargs live: the field and TRL's deprecated alias of it.
CHECKPOINTING_FIELDS = ("activation_checkpointing_kwargs", "gradient_checkpointing_kwargs")
# Keys transformers' Trainer takes out of those kwargs itself; the rest go to torch.utils.checkpoint.
TRANSFORMERS_CHECKPOINT_KEYS = frozenset({"every_n_layers", "offload"})


def adapted_layers(lora_layers: int | None, num_layers: int) -> list[int] | None:
    """The indices of the decoder layers that get an adapter: the last ``lora_layers`` of ``num_layers``, or
    ``None`` (every layer) when ``lora_layers`` is ``None``. Raises ``ValueError`` outside ``1..num_layers``.
    """
    if lora_layers is None:
        return None
    if not 1 <= lora_layers <= num_layers:
        raise ValueError(f"--lora_layers must be between 1 and the model's {num_layers} decoder layers, "
                         f"got {lora_layers}")
    return list(range(num_layers - lora_layers, num_layers))


def lora_config(config: Any, num_layers: int) -> Any:
    """The PEFT ``LoraConfig`` of a run (causal-LM task, no bias) for a model of ``num_layers`` decoder layers.

    ``config`` carries ``lora_r``, ``lora_alpha``, ``lora_dropout``, ``lora_target_modules`` and ``lora_layers``
    (:class:`train.common.RunArgs`).
    """
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_target_modules),
        layers_to_transform=adapted_layers(config.lora_layers, num_layers),
        bias="none",
        task_type="CAUSAL_LM",
    )


def reentrant_checkpointing(args: Any) -> bool:
    """Whether a Trainer with these arguments may checkpoint activations reentrantly.

    Transformers' Trainer passes ``use_reentrant=False`` itself when the checkpointing kwargs hold nothing else
    (besides its own ``every_n_layers`` and ``offload``); otherwise the kwargs go to ``torch.utils.checkpoint`` as
    given, and anything but an explicit ``use_reentrant: false`` counts as reentrant here. TRL writes the deprecated
    alias ``gradient_checkpointing_kwargs`` (e.g. forcing ``use_reentrant=True`` for PEFT under DeepSpeed ZeRO-3) and
    re-enables checkpointing with it around generation, so either field saying so counts.
    """
    for name in CHECKPOINTING_FIELDS:
        kwargs = {k: v for k, v in (getattr(args, name, None) or {}).items() if k not in TRANSFORMERS_CHECKPOINT_KEYS}
        if kwargs and kwargs.get("use_reentrant") is not False:
            return True
    return False


# The hooks transformers' ``enable_input_require_grads`` and PEFT install on the input embeddings.
_INPUT_GRAD_HOOKS = frozenset({"make_inputs_require_grads", "make_inputs_require_grad"})


def _skip_input_grads() -> None:
    """Stands in for a model's ``enable_input_require_grads`` while :class:`StopBackwardAtAdapters` is on."""


def _remove_input_grad_hooks(embeddings: Any) -> None:
    """Remove the make-the-output-require-a-gradient forward hooks of ``embeddings``.

    Repeated ``enable_input_require_grads`` calls leave hooks the model no longer tracks, so they are found by name.
    """
    hooks = embeddings._forward_hooks
    found = [key for key, hook in hooks.items() if getattr(hook, "__name__", "") in _INPUT_GRAD_HOOKS]
    for key in found:
        del hooks[key]


class StopBackwardAtAdapters(TrainerCallback):
    """For the length of training, stop the backward pass at the first decoder layer's input: the input embeddings'
    output no longer requires a gradient. The hooks that made it require one are removed, and the model's
    ``enable_input_require_grads`` does nothing until training ends, so the online trainers' checkpointing switches
    around generation do not bring them back.

    Only where that changes nothing trained: activation checkpointing on and non-reentrant, and no parameter of
    the input embeddings trainable. Gradients of every LoRA weight are unchanged (``tests/train/test_lora.py``);
    the layers below the lowest adapter are then neither recomputed nor back-propagated.
    """

    def __init__(self) -> None:
        self.patched: Any = None  # the model whose enable_input_require_grads is switched off

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        if self.patched is not None or model is None or not getattr(args, "activation_checkpointing", False):
            return
        if reentrant_checkpointing(args):
            return
        embeddings = model.get_input_embeddings()
        if embeddings is None or any(p.requires_grad for p in embeddings.parameters()):
            return
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        base.enable_input_require_grads = _skip_input_grads  # an instance attribute: the class method is untouched
        self.patched = base
        _remove_input_grad_hooks(embeddings)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        """The model's own ``enable_input_require_grads`` again (the removed hooks are not put back: the next
        ``enable_input_require_grads`` call installs them). Training that raises never gets here, so the no-op then
        stays on that model object.
        """
        if self.patched is not None:
            if vars(self.patched).get("enable_input_require_grads") is _skip_input_grads:
                del self.patched.enable_input_require_grads  # the class's method again
            self.patched = None

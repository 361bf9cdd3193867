"""Sampling for TRL's online trainers on the project's rolling-cache engine instead of Hugging Face ``generate``.

``GRPOTrainer`` and ``RLOOTrainer`` spend most of a CPU step sampling completions. Their plain path calls
``generate`` on the training model: per-token KV-cache concatenation, every row kept to the longest completion,
each prompt prefilled once per completion, and transformers' attention that copies the KV cache per query head.
:class:`EngineGeneration` replaces only that sampling call (``_generate_single_turn``) with
:func:`wsl_env.rollout.generation.decode`: the prompts of a generation batch are prefilled once each (a GRPO group
shares its prompt), finished rows leave the batch, and attention is :mod:`wsl_env.rollout.attention`'s copy-free
grouped-query attention. Everything else (rewards, advantages, the loss, logging) is TRL's own.

The distribution sampled from is the same: temperature, top-p and top-k come from the trainer's generation config.
Anything the engine does not implement (vLLM, continuous batching, images, ``min_p``, a repetition penalty,
extra ``generation_kwargs``) falls back to TRL's own path, so the result never silently differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from wsl_env.rollout.attention import GQA_ATTENTION
from wsl_env.rollout.generation import Sampling, decode

__all__ = ["EngineGeneration", "engine_sampling", "fast_trainer_class", "merged_lora", "rollout_mode",
           "weight_first_forward", "weight_first_linears"]


@contextmanager
def rollout_mode(model: Any) -> Iterator[Any]:
    """Eval mode and the engine's copy-free attention for sampling from a training model; both restored after.

    A policy loaded for training keeps transformers' attention, which copies the KV cache once per query head at
    every decoding step; the samplers of GRPO, RLOO and DPO switch to the engine's attention for the rollout only.
    """
    attention, was_training = model.config._attn_implementation, model.training
    model.eval()
    model.set_attn_implementation(GQA_ATTENTION)
    try:
        yield model
    finally:
        model.set_attn_implementation(attention)
        model.train(was_training)


def engine_sampling(generation_config: Any) -> Sampling | None:
    """The engine's :class:`Sampling` for a ``GenerationConfig``, or ``None`` if it asks for more than that."""
    if (generation_config.repetition_penalty or 1.0) != 1.0 or generation_config.min_p:
        return None
    return Sampling(
        do_sample=bool(generation_config.do_sample),
        temperature=generation_config.temperature or 1.0,
        top_p=generation_config.top_p if generation_config.top_p is not None else 1.0,
        top_k=generation_config.top_k or 0,
    )


def _plain_lora_linears(model: Any) -> list[Any] | None:
    """The model's LoRA layers if every one is a plain LoRA ``Linear`` over a ``torch.nn.Linear`` with its adapters
    on and unmerged (no DoRA or other variant); ``None`` if any is not, or there are none.
    """
    import torch
    from peft.tuners.lora import Linear as LoraLinear
    from peft.tuners.lora import LoraLayer

    layers = [m for m in model.modules() if isinstance(m, LoraLayer)]
    for layer in layers:
        if (not isinstance(layer, LoraLinear) or layer.merged or layer.disable_adapters
                or any(name in layer.lora_variant for name in layer.active_adapters)
                or type(layer.get_base_layer()) is not torch.nn.Linear):
            return None
    return layers or None


@contextmanager
def merged_lora(model: Any) -> Iterator[Any]:
    """The LoRA deltas folded into copies of the base weights, and the adapters bypassed, while sampling.

    Each adapted ``Linear`` then costs one matmul instead of three plus a scale and an add (LoRA on all seven
    projections roughly doubles a decoding step's operator count, which is what a small batch pays for on a CPU).
    The merged weight is ``W + scaling * B @ A`` computed in float32 and rounded once to ``W``'s dtype. The base
    weights are never written: each layer's own tensor is put back on exit, bit for bit, so training resumes on
    exactly the weights it left (PEFT's ``merge_adapter``/``unmerge_adapter`` would add and subtract the delta in
    bf16 and drift the frozen base a little every step). Models without plain LoRA layers are left as they are.
    """
    import torch

    layers = _plain_lora_linears(model)
    if layers is None:
        yield model
        return
    originals = []
    try:
        with torch.no_grad():
            for layer in layers:
                base = layer.get_base_layer()
                merged = base.weight.float()
                for name in layer.active_adapters:
                    if name in layer.lora_A:
                        merged = merged + layer.get_delta_weight(name).float()
                originals.append((layer, base, base.weight.data))
                base.weight.data = merged.to(base.weight.dtype)
                layer._disable_adapters = True  # PEFT's forward then calls the base layer alone
        yield model
    finally:
        for layer, base, weight in originals:
            base.weight.data = weight
            layer._disable_adapters = False


WEIGHT_FIRST_MAX_ROWS = 16  # at most this many rows per call: the decode steps of a sampling batch


def weight_first_forward(weight: Any, bias: Any) -> Any:
    """A linear layer's forward that computes calls of at most :data:`WEIGHT_FIRST_MAX_ROWS` float32 rows as
    ``(W @ x.T).T`` and any other call with ``F.linear`` (see :func:`weight_first_linears`).
    """
    import torch
    import torch.nn.functional as F

    def forward(x: Any) -> Any:
        if x.dim() < 2 or x.shape[:-1].numel() > WEIGHT_FIRST_MAX_ROWS or x.dtype != weight.dtype:
            return F.linear(x, weight, bias)
        rows = x.shape[:-1].numel()
        out = torch.mm(weight, x.reshape(rows, x.shape[-1]).t()).t()
        if bias is not None:
            out = out + bias
        return out.reshape(*x.shape[:-1], weight.shape[0])

    return forward


@contextmanager
def weight_first_linears(model: Any) -> Iterator[Any]:
    """Each float32 CPU ``nn.Linear`` computes a call of at most :data:`WEIGHT_FIRST_MAX_ROWS` rows as
    ``(W @ x.T).T`` instead of ``x @ W.T`` while sampling; every layer's own ``forward`` is back on exit.

    The same product in the other operand order: on a CPU without bf16, MKL's float32 GEMM runs the decode steps'
    few-row inputs far below the memory bandwidth (the LM head, 8 rows by 49,152 words: 43.8 against 12.6 ms in
    this order, on a 2-core AVX2 AMD EPYC). Not bit for bit: the sums are accumulated in another order (at most
    8e-5 from ``F.linear`` on random matrices of SmolLM2's shapes), as merged LoRA weights are rounded differently.
    Prefill (many rows), bf16 weights and other devices keep ``F.linear``.
    """
    import torch

    patched = []
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if (isinstance(module, torch.nn.Linear) and weight is not None and weight.dtype == torch.float32
                and weight.device.type == "cpu" and "forward" not in module.__dict__):  # never over another patch
            module.forward = weight_first_forward(weight, module.bias)
            patched.append(module)
    try:
        yield model
    finally:
        for module in patched:
            del module.forward


class EngineGeneration:
    """Mixin placed before ``GRPOTrainer`` or ``RLOOTrainer``: samples completions with the engine."""

    returns_logprobs: bool = False  # GRPOTrainer's _generate_single_turn returns (ids, logprobs); RLOO's ids only
    engine_calls: int = 0  # how many generation batches went through the engine (the rest fell back)
    merge_lora: bool = True  # sample with the LoRA deltas folded into the weights (merged_lora)
    weight_first: bool = True  # float32 CPU linears of few rows as (W @ x.T).T while sampling (weight_first_linears)

    def _engine_sampling(self, images: Any, multimodal_fields: Any) -> Sampling | None:
        if getattr(self, "use_vllm", False) or getattr(self, "use_transformers_continuous_batching", False):
            return None
        if images is not None and any(image is not None for image in images) or multimodal_fields:
            return None
        if getattr(self.args, "generation_kwargs", None):
            return None
        return engine_sampling(self.generation_config)

    def _generate_single_turn(self, prompt_ids: list[list[int]], images: Any, multimodal_fields: Any, *args: Any,
                              **kwargs: Any) -> Any:
        sampling = self._engine_sampling(images, multimodal_fields)
        if sampling is None:
            return super()._generate_single_turn(prompt_ids, images, multimodal_fields, *args, **kwargs)
        model = self.accelerator.unwrap_model(self.model_wrapped)
        with (rollout_mode(model), merged_lora(model) if self.merge_lora else nullcontext(model),
              weight_first_linears(model) if self.weight_first else nullcontext(model)):
            completion_ids = decode(model, prompt_ids, self.max_completion_length, frozenset(self.eos_token_ids),
                                    self._tokenizer.pad_token_id, sampling)
        self.engine_calls += 1
        return (completion_ids, None) if self.returns_logprobs else completion_ids


def fast_trainer_class(trainer_cls: type, *, engine_generation: bool = True,
                       shared_prompt_scoring: bool = True, merge_lora: bool = True, weight_first: bool = True) -> type:
    """``trainer_cls`` (``GRPOTrainer`` or ``RLOOTrainer``) with the fast paths mixed in: :class:`EngineGeneration`
    for sampling (with ``merge_lora``, on weights with the LoRA deltas folded in: :func:`merged_lora`; with
    ``weight_first``, float32 CPU linears in the other operand order: :func:`weight_first_linears`) and
    :class:`train.shared_prompt.SharedPromptScoring` for scoring. Neither: ``trainer_cls``.
    """
    import inspect

    from train.shared_prompt import SharedPromptScoring

    mixins = ((EngineGeneration,) if engine_generation else ()) + (
        (SharedPromptScoring,) if shared_prompt_scoring else ())
    if not mixins:
        return trainer_cls
    attributes: dict[str, bool] = {}
    if engine_generation:  # GRPOTrainer's _generate_single_turn returns (ids, logprobs), RLOOTrainer's ids only
        attributes["returns_logprobs"] = "num_generations" in inspect.signature(
            trainer_cls._generate_single_turn).parameters
        attributes["merge_lora"] = merge_lora
        attributes["weight_first"] = weight_first
    prefix = ("Engine" if engine_generation else "") + ("Packed" if shared_prompt_scoring else "")
    return type(f"{prefix}{trainer_cls.__name__}", (*mixins, trainer_cls), attributes)

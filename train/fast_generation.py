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
from contextlib import contextmanager
from typing import Any

from wsl_env.rollout.attention import GQA_ATTENTION
from wsl_env.rollout.generation import Sampling, decode

__all__ = ["EngineGeneration", "engine_sampling", "fast_trainer_class", "rollout_mode"]


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


class EngineGeneration:
    """Mixin placed before ``GRPOTrainer`` or ``RLOOTrainer``: samples completions with the engine."""

    returns_logprobs: bool = False  # GRPOTrainer's _generate_single_turn returns (ids, logprobs); RLOO's ids only
    engine_calls: int = 0  # how many generation batches went through the engine (the rest fell back)

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
        with rollout_mode(model):
            completion_ids = decode(model, prompt_ids, self.max_completion_length, frozenset(self.eos_token_ids),
                                    self._tokenizer.pad_token_id, sampling)
        self.engine_calls += 1
        return (completion_ids, None) if self.returns_logprobs else completion_ids


def fast_trainer_class(trainer_cls: type, *, engine_generation: bool = True,
                       shared_prompt_scoring: bool = True) -> type:
    """``trainer_cls`` (``GRPOTrainer`` or ``RLOOTrainer``) with the fast paths mixed in: :class:`EngineGeneration`
    for sampling and :class:`train.shared_prompt.SharedPromptScoring` for scoring. Neither: ``trainer_cls``.
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
    prefix = ("Engine" if engine_generation else "") + ("Packed" if shared_prompt_scoring else "")
    return type(f"{prefix}{trainer_cls.__name__}", (*mixins, trainer_cls), attributes)

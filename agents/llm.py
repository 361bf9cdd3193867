"""LLMAgent: batched generation from a (LoRA-tuned) chat model, on the fast path for CPUs."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from wsl_env.envs.common import ROLLOUT_ATTENTION, eos_ids_of
from wsl_env.models import EMBEDDED_ALIAS, load_model
from wsl_env.prompt import SYSTEM_PROMPT, render_prompt
from wsl_env.rollout.figure_guard import MODES as FIGURE_GUARD_MODES
from wsl_env.rollout.generation import Sampling, choose_tokens, decode
from wsl_env.rollout.guards import batch_guard, batch_processors
from wsl_env.schema import TaskLike, as_task


@dataclass
class GenerationStats:
    """Running totals over every ``generate`` call, for tokens-per-second figures."""

    prompts: int = 0
    new_tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0


class LLMAgent:
    """Writes posts with a chat model, batched.

    The fast path: prompts sorted by length and batched (``batch_size``), bf16 weights where the CPU has native
    bf16 (``dtype="auto"``), and decoding on the env's rolling KV-cache engine (``backend="engine"``: no per-token
    cache copies, finished rows leave the batch). ``backend="hf"`` uses Hugging Face ``generate`` with left
    padding instead; greedy outputs agree between the two.

    Args:
        model: alias, Hugging Face id or local directory, or a loaded ``(model, tokenizer)`` pair.
        adapter: a PEFT LoRA adapter directory, or "smollm2-135m-wsl" (the shipped adapter).
        dtype: ``"auto"`` (bf16 on CPUs with AVX-512 BF16/AMX, else fp32), ``None``/``"float32"``, ``"bf16"``.
        do_sample, temperature, top_p, top_k: sampling settings (greedy by default).
        batch_size: prompts per ``generate`` call.
        seed: seeds sampling, so a run is reproducible.
        system_prompt: the system message (the same default as the envs and training).
        backend: ``"engine"`` (default) or ``"hf"``.
        hashtag_cap: in :meth:`generate`, never write more ``#`` than the task's ``max_hashtags``
            (:mod:`wsl_env.rollout.guards`: a decoding-time mask, off by default so that figures measure the model).
        figure_guard: in :meth:`generate`, ``"copy"`` writes only the context's figures as written there, and
            ``"claims"`` only those the claims reader does not call false where they are written
            (:mod:`wsl_env.rollout.figure_guard`; off by default).
    """

    name = "llm"

    def __init__(
        self,
        model: Any = EMBEDDED_ALIAS,
        adapter: Any = None,
        dtype: Any = "auto",
        do_sample: bool = False,
        temperature: float = 1.0,
        top_p: float = 1.0,
        top_k: int = 0,
        batch_size: int = 16,
        seed: int = 0,
        system_prompt: str | None = SYSTEM_PROMPT,
        backend: str = "engine",
        hashtag_cap: bool = False,
        figure_guard: str | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if backend not in ("engine", "hf"):
            raise ValueError(f"backend must be 'engine' or 'hf', got {backend!r}")
        if figure_guard is not None and figure_guard not in FIGURE_GUARD_MODES:
            raise ValueError(f"figure_guard must be None or one of {FIGURE_GUARD_MODES}, got {figure_guard!r}")
        self.sampling = Sampling(do_sample=do_sample, temperature=temperature, top_p=top_p, top_k=top_k)
        self.backend = backend
        self.hashtag_cap = hashtag_cap
        self.figure_guard = figure_guard
        if isinstance(model, tuple):
            self.model, self.tokenizer = model
        else:
            self.model, self.tokenizer = load_model(model, adapter=adapter, dtype=dtype,
                                                    attn_implementation=ROLLOUT_ATTENTION)
        self.model.eval()
        self.batch_size = batch_size
        self.seed = seed
        self.system_prompt = system_prompt
        self.stats = GenerationStats()
        self._calls = 0

    def _generation_kwargs(self, max_new_tokens: int) -> dict[str, Any]:
        sampling = self.sampling
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": sampling.do_sample,
                                  "pad_token_id": self.tokenizer.pad_token_id}
        if sampling.do_sample:
            kwargs.update(temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k or None)
        else:  # silence the model's own sampling defaults, which greedy decoding ignores
            kwargs.update(temperature=None, top_p=None, top_k=None)
        return kwargs

    @torch.inference_mode()
    def generate(self, tasks: Sequence[TaskLike], max_new_tokens: int = 128, progress: bool = False) -> list[str]:
        """One post per task, in the order given."""
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        tasks = [as_task(t) for t in tasks]
        prompts = [render_prompt(self.tokenizer, t, self.system_prompt) for t in tasks]
        limits = [t.constraints.max_hashtags for t in tasks] if self.hashtag_cap else None
        return self.generate_prompts(prompts, max_new_tokens=max_new_tokens, progress=progress, hashtag_limits=limits,
                                     guard_tasks=tasks if self.figure_guard else None)

    @torch.inference_mode()
    def generate_prompts(self, prompts: Sequence[str], max_new_tokens: int = 128, progress: bool = False,
                         hashtag_limits: Sequence[int | None] | None = None,
                         guard_tasks: Sequence[TaskLike] | None = None) -> list[str]:
        """Completions for already-templated prompt strings (used by serving and the trainers' samplers).

        ``hashtag_limits`` (one per prompt, ``None`` for no limit) caps the ``#`` each completion may write
        (:mod:`wsl_env.rollout.guards`). ``guard_tasks`` (one per prompt) are the tasks the agent's
        ``figure_guard`` holds each completion's figures to; it is required when that guard is on.
        """
        if hashtag_limits is not None and len(hashtag_limits) != len(prompts):
            raise ValueError(f"got {len(hashtag_limits)} hashtag limits for {len(prompts)} prompts")
        if self.figure_guard is None and guard_tasks is not None:
            raise ValueError("guard_tasks given but this agent has no figure_guard: make it with figure_guard='copy' "
                             "or 'claims'")
        if self.figure_guard is not None and (guard_tasks is None or len(guard_tasks) != len(prompts)):
            raise ValueError(f"figure_guard={self.figure_guard!r} needs one task per prompt (guard_tasks), got "
                             f"{'none' if guard_tasks is None else len(guard_tasks)} for {len(prompts)} prompts")
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        outputs: list[str] = [""] * len(prompts)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(prompts), desc="generate", unit="post")
        self._calls += 1
        generator = torch.Generator(device=self.model.device).manual_seed(self.seed * 1_000_003 + self._calls)
        torch.manual_seed(self.seed * 1_000_003 + self._calls)  # the hf backend samples from the global RNG
        start = time.perf_counter()
        for batch in batches:
            texts = [prompts[i] for i in batch]
            limits = [hashtag_limits[i] for i in batch] if hashtag_limits is not None else None
            guarded = [guard_tasks[i] for i in batch] if guard_tasks is not None else None
            for index, ids in zip(batch, self._generate_ids(texts, max_new_tokens, generator, limits, guarded),
                                  strict=True):
                self.stats.new_tokens += len(ids)
                outputs[index] = self.tokenizer.decode(ids, skip_special_tokens=True).strip()
            if bar is not None:
                bar.update(len(batch))
        self.stats.seconds += time.perf_counter() - start
        self.stats.prompts += len(prompts)
        if bar is not None:
            bar.close()
        return outputs

    def _generate_ids(self, texts: list[str], max_new_tokens: int, generator: torch.Generator,
                      limits: list[int | None] | None = None,
                      guard_tasks: list[TaskLike] | None = None) -> list[list[int]]:
        """New token ids per prompt text (EOS included when reached, no padding); ``limits``: hashtag caps;
        ``guard_tasks``: the tasks of the figure guard.
        """
        eos = eos_ids_of(self.model, self.tokenizer)
        if self.backend == "engine":
            ids = [self.tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts]
            cap = batch_guard(self.model, self.tokenizer, eos, limits, guard_tasks, self.figure_guard)
            return decode(self.model, ids, max_new_tokens, eos, self.tokenizer.pad_token_id, self.sampling, generator,
                          cap=cap)
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False
                             ).to(self.model.device)
        kwargs = self._generation_kwargs(max_new_tokens)
        processors = batch_processors(self.model, self.tokenizer, eos, enc["input_ids"].shape[1], limits, guard_tasks,
                                      self.figure_guard)
        if processors:
            from transformers import LogitsProcessorList

            kwargs["logits_processor"] = LogitsProcessorList(processors)
        out = self.model.generate(**enc, **kwargs)
        rows = []
        for ids in out[:, enc["input_ids"].shape[1] :].tolist():
            end = next((i + 1 for i, t in enumerate(ids) if t in eos), len(ids))
            rows.append(ids[:end])
        return rows

    def act_text(self, observation: str, info: Mapping[str, Any]) -> str:
        """The action in WSLAnalytics-Response-v0."""
        return self.generate([info["task"]])[0]

    def begin(self, info: Mapping[str, Any], tokenizer: Any) -> None:
        """Nothing to plan: the agent reads the prompt and text so far from each observation."""

    @torch.inference_mode()
    def act(self, observation: Mapping[str, np.ndarray]) -> int:
        """The action in WSLAnalytics-v0: the agent model's own next token (its candidate index in top-k mode).

        This recomputes the prefix with the agent's model each step; for fast rollouts use the env's own model
        (top-k action 0) or :meth:`generate`.
        """
        n = int(observation["attention_mask"].sum())
        ids = torch.as_tensor(observation["input_ids"][:n], device=self.model.device).unsqueeze(0)
        logits = self.model(input_ids=ids).logits[0, -1].float()
        if "candidates" not in observation:
            return int(choose_tokens(logits.unsqueeze(0), self.sampling)[0])
        candidate_logits = logits[torch.as_tensor(observation["candidates"], device=logits.device)]
        return int(candidate_logits.argmax())

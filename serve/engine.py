"""The engine owns the model: it loads the base model and every adapter into one ``PeftModel`` and generates on
one worker thread.

Generation is serialised on that thread: torch already spreads one generation over every core, so running two at
once would only make both slower, and switching the active adapter (``set_adapter``) is global model state that
must not change under a running generation. Requests queue for the worker; the server's concurrency limit bounds
the queue. The base model is served as version ``"base"`` through ``disable_adapter()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList
from transformers.generation.streamers import BaseStreamer

from serve.config import BASE_VERSION, ServerConfig
from serve.stops import StopScanner, truncate_at_stop
from wsl_env.artifacts import Adapter
from wsl_env.prompt import render_prompt
from wsl_env.rollout.figure_guard import MODES as FIGURE_GUARD_MODES
from wsl_env.rollout.guards import batch_processors
from wsl_env.schema import TaskLike

log = logging.getLogger("serve.engine")

TextCallback = Callable[[int, str], None]
"""Called on the worker thread with ``(choice_index, text_delta)`` while a completion streams."""


@dataclass(frozen=True)
class SamplingParams:
    """How to generate: ``temperature`` 0 is greedy; ``stop`` strings end a completion before they appear."""

    max_new_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    n: int = 1
    stop: tuple[str, ...] = ()
    seed: int | None = None
    max_hashtags: int | None = None  # a decoding-time cap on "#" (wsl_env.rollout.guards); None: no cap
    figure_guard: str | None = None  # "copy" or "claims" (wsl_env.rollout.figure_guard); needs guard_task
    guard_task: Any = None  # the task whose context the figure guard holds the figures to

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1 or self.n < 1 or self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError("need max_new_tokens >= 1, n >= 1, temperature >= 0 and 0 < top_p <= 1")
        if self.max_hashtags is not None and self.max_hashtags < 0:
            raise ValueError(f"max_hashtags must be >= 0 or None, got {self.max_hashtags}")
        if self.figure_guard is not None and self.figure_guard not in FIGURE_GUARD_MODES:
            raise ValueError(f"figure_guard must be None or one of {FIGURE_GUARD_MODES}, got {self.figure_guard!r}")
        if (self.figure_guard is None) != (self.guard_task is None):
            raise ValueError("figure_guard and guard_task go together: the guard holds the post to that task's figures")


@dataclass(frozen=True)
class Completion:
    """One generated choice: ``finish_reason`` is ``"stop"`` (end of turn or a stop string) or ``"length"``
    (the token limit or the time budget).
    """

    text: str
    completion_tokens: int
    finish_reason: str


@dataclass(frozen=True)
class GenerationResult:
    """Everything one request generated, and the version that generated it."""

    version: str
    prompt_tokens: int
    completions: tuple[Completion, ...]
    seconds: float

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)


class EngineNotReadyError(RuntimeError):
    """Generation was asked for before the model finished loading (or after loading failed)."""


def public_model_name(name_or_path: str) -> str:
    """The model's name as clients see it: a local directory's name, never its server path."""
    path = Path(name_or_path).expanduser()
    return path.name if path.is_dir() else name_or_path


class Engine:
    """Loads the model with its adapters and runs every generation on one worker thread.

    Args:
        model: the base model (the embedded alias, a Hugging Face id or a local directory).
        adapters: the adapters to serve, each as version ``adapter.name``.
        dtype: the weights' dtype (see :func:`wsl_env.models.resolve_dtype`).
        generation_timeout_s: the time budget of one request's generation, all choices together.
        context_limit: prompt plus completion tokens allowed; ``None`` for the model's ``max_position_embeddings``
            (a smaller configured value wins).
    """

    def __init__(
        self,
        model: str,
        adapters: Sequence[Adapter] = (),
        dtype: Any = None,
        generation_timeout_s: float = 30.0,
        context_limit: int | None = None,
    ) -> None:
        self.model_name = model
        self.adapters = list(adapters)
        self.dtype = dtype
        self.generation_timeout_s = generation_timeout_s
        self.configured_context_limit = context_limit
        self.context_limit: int = context_limit or 0
        self.model: Any = None
        self.tokenizer: Any = None
        self.ready = threading.Event()
        self.load_error: str | None = None
        self._eos_ids: set[int] = set()
        self._closing = threading.Event()
        self._tokenizer_lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wsl-generate")
        self._loader: threading.Thread | None = None

    @classmethod
    def from_config(cls, config: ServerConfig, adapters: Sequence[Adapter]) -> Engine:
        """An engine for ``config`` serving ``adapters`` (see :func:`serve.config.resolve_adapters`)."""
        return cls(config.model, adapters, dtype=config.dtype, generation_timeout_s=config.generation_timeout_s,
                   context_limit=config.context_limit)

    @property
    def versions(self) -> list[str]:
        """Every servable version: ``"base"``, then each adapter."""
        return [BASE_VERSION, *(a.name for a in self.adapters)]

    @property
    def public_name(self) -> str:
        """The base model's name as clients see it."""
        return public_model_name(self.model_name)

    def load(self) -> None:
        """Load the model, tokenizer and adapters (blocking), then mark the engine ready."""
        from wsl_env.models import load_model

        try:
            start = time.perf_counter()
            model, tokenizer = load_model(self.model_name, dtype=self.dtype)
            if self.adapters:
                from peft import PeftModel

                first, *rest = self.adapters
                model = PeftModel.from_pretrained(model, str(first.path), adapter_name=first.name)
                for adapter in rest:
                    model.load_adapter(str(adapter.path), adapter_name=adapter.name)
                model.eval()
            self._set_model(model, tokenizer)
        except Exception as exc:
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("model load failed", exc_info=exc)
            raise
        log.info("model loaded", extra={"fields": {"model": self.public_name, "versions": self.versions,
                                                   "context_limit": self.context_limit,
                                                   "seconds": round(time.perf_counter() - start, 2)}})

    def _set_model(self, model: Any, tokenizer: Any) -> None:
        if getattr(tokenizer, "chat_template", None) is None:
            raise ValueError("the tokenizer has no chat template; serve a chat/instruct model")
        limits = [x for x in (self.configured_context_limit,
                              getattr(model.config, "max_position_embeddings", None)) if x]
        if not limits:
            raise ValueError("set a context limit: the model config has no max_position_embeddings")
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = tokenizer.eos_token_id
        self._eos_ids = {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos]) if e is not None}
        self.context_limit = min(limits)
        self.model, self.tokenizer = model, tokenizer
        self.ready.set()

    def start_loading(self) -> threading.Thread:
        """Load in a background daemon thread (a shutdown during a long load need not wait for it); a second
        call returns the thread of the first.
        """
        if self._loader is not None:
            return self._loader

        def target() -> None:
            try:
                self.load()
            except Exception:  # already logged and kept in load_error; /health reports it
                pass

        self._loader = threading.Thread(target=target, name="wsl-load-model", daemon=True)
        self._loader.start()
        return self._loader

    def close(self) -> None:
        """Stop the running generation at its next token, drop queued ones, and stop the worker."""
        self._closing.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    # Prompts -------------------------------------------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        """Token ids of an already-templated prompt (no special tokens added: the template has them)."""
        self._require_ready()
        with self._tokenizer_lock:  # encoding may touch the Rust tokenizer's settings; keep it one at a time
            return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def encode_messages(self, messages: Sequence[Mapping[str, str]]) -> list[int]:
        """Token ids of chat ``messages`` under the tokenizer's chat template, ending with the assistant turn."""
        self._require_ready()
        text = self.tokenizer.apply_chat_template([dict(m) for m in messages], add_generation_prompt=True,
                                                  tokenize=False)
        return self.encode(text)

    def encode_task(self, task: TaskLike) -> list[int]:
        """Token ids of a task's prompt, built the one way every layer builds it (:func:`render_prompt`)."""
        self._require_ready()
        return self.encode(render_prompt(self.tokenizer, task))

    # Generation ----------------------------------------------------------------------------------------------

    def submit(self, prompt_ids: Sequence[int], version: str, params: SamplingParams,
               on_text: TextCallback | None = None, cancel: threading.Event | None = None) -> Future[GenerationResult]:
        """Queue :meth:`run` on the worker thread."""
        self._require_ready()
        return self._executor.submit(self.run, prompt_ids, version, params, on_text, cancel)

    def run(self, prompt_ids: Sequence[int], version: str, params: SamplingParams,
            on_text: TextCallback | None = None, cancel: threading.Event | None = None) -> GenerationResult:
        """Generate ``params.n`` completions of ``prompt_ids`` with ``version`` (blocking; call it through
        :meth:`submit` in a server). With ``on_text`` the choices stream one after another; setting ``cancel``
        stops generation at the next token.
        """
        self._require_ready()
        if version not in self.versions:
            raise ValueError(f"unknown version {version!r}; served: {self.versions}")
        start = time.perf_counter()
        deadline = start + self.generation_timeout_s
        events = [e for e in (cancel, self._closing) if e is not None]
        ids = torch.tensor([list(prompt_ids)], dtype=torch.long, device=self.model.device)
        completions: list[Completion] = []
        with self._model_lock, self._active(version), torch.inference_mode():
            if params.seed is not None:
                torch.manual_seed(params.seed)
            if on_text is not None:
                for index in range(params.n):
                    completions.append(self._stream_one(ids, params, deadline, events, index, on_text))
            else:
                # Greedy choices are all the same: generate once. Sampled ones come from one batched call.
                copies = params.n if params.temperature > 0 else 1
                rows = self._generate(ids, params, deadline, events, copies, None)
                completions = [self._completion(row, params.stop) for row in rows]
                completions = completions * (params.n // len(completions))
        return GenerationResult(version, len(prompt_ids), tuple(completions), time.perf_counter() - start)

    def _stream_one(self, ids: Any, params: SamplingParams, deadline: float, events: list[threading.Event],
                    index: int, on_text: TextCallback) -> Completion:
        scanner = StopScanner(params.stop)
        stopped = threading.Event()

        def emit(piece: str) -> None:
            delta = scanner.feed(piece)
            if delta:
                on_text(index, delta)
            if scanner.stopped:
                stopped.set()  # a stop string appeared: end this choice at the next token

        streamer = _TextDeltaStreamer(self.tokenizer, emit)
        rows = self._generate(ids, params, deadline, [*events, stopped], 1, streamer)
        rest = scanner.flush()
        if rest:
            on_text(index, rest)
        return self._completion(rows[0], params.stop)

    def _generate(self, ids: Any, params: SamplingParams, deadline: float, events: list[threading.Event],
                  copies: int, streamer: Any) -> list[list[int]]:
        """New token ids of each of ``copies`` sequences (eos-padding included)."""
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return [[] for _ in range(copies)]
        criteria = StoppingCriteriaList([_EventsSet(events)])
        if params.stop:
            criteria.append(_StopStringSeen(self.tokenizer, params.stop, ids.shape[1]))
        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": ids.new_ones(ids.shape),
            "max_new_tokens": params.max_new_tokens,
            "max_time": remaining,
            "stopping_criteria": criteria,
            "pad_token_id": self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None
            else min(self._eos_ids, default=0),
            "num_return_sequences": copies,
            "streamer": streamer,
        }
        processors = batch_processors(
            self.model, self.tokenizer, self._eos_ids, ids.shape[1],
            hashtag_limits=None if params.max_hashtags is None else [params.max_hashtags] * copies,
            tasks=None if params.guard_task is None else [params.guard_task] * copies, figure_guard=params.figure_guard)
        if processors:
            kwargs["logits_processor"] = LogitsProcessorList(processors)
        if params.temperature > 0:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=0)
        else:  # silence the model's own sampling defaults, which greedy decoding ignores
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        out = self.model.generate(**kwargs)
        return [row.tolist() for row in out[:, ids.shape[1] :]]

    def _completion(self, new_ids: list[int], stops: Sequence[str]) -> Completion:
        end = next((i + 1 for i, token in enumerate(new_ids) if token in self._eos_ids), None)
        tokens = new_ids[:end] if end is not None else new_ids
        text = self.tokenizer.decode(tokens, skip_special_tokens=True)
        text, hit_stop = truncate_at_stop(text, stops)
        finish = "stop" if hit_stop or end is not None else "length"
        return Completion(text=text, completion_tokens=len(tokens), finish_reason=finish)

    @contextmanager
    def _active(self, version: str) -> Iterator[None]:
        """Make ``version`` the model's active adapter for the duration (adapters off for ``"base"``)."""
        if not self.adapters:
            yield
        elif version == BASE_VERSION:
            with self.model.disable_adapter():
                yield
        else:
            self.model.set_adapter(version)
            yield

    def _require_ready(self) -> None:
        if not self.ready.is_set():
            raise EngineNotReadyError("the model is not loaded" + (" (load failed)" if self.load_error else ""))


class _EventsSet(StoppingCriteria):
    """Stops every sequence once any of the events is set (client gone, stop string streamed, shutdown)."""

    def __init__(self, events: Sequence[threading.Event]) -> None:
        self.events = list(events)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        done = any(e.is_set() for e in self.events)
        return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)


class _StopStringSeen(StoppingCriteria):
    """Stops each sequence whose latest tokens contain a stop string (the text is cut there afterwards)."""

    def __init__(self, tokenizer: Any, stops: Sequence[str], prompt_len: int) -> None:
        self.tokenizer = tokenizer
        self.stops = [s for s in stops if s]
        self.prompt_len = prompt_len
        # Every token decodes to at least one character, so this many tokens cover the longest stop string.
        self.window = max(len(s) for s in self.stops) + 2

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        done = []
        for row in input_ids:
            tail = row[max(self.prompt_len, row.shape[0] - self.window) :]
            text = self.tokenizer.decode(tail, skip_special_tokens=True)
            done.append(any(s in text for s in self.stops))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


class _TextDeltaStreamer(BaseStreamer):
    """Turns the token ids ``generate`` streams into text deltas.

    It decodes the whole completion so far each step (cheap at these lengths) and sends what is new, holding
    back a trailing partial UTF-8 character, so the deltas add up exactly to the decoded completion.
    """

    def __init__(self, tokenizer: Any, on_text: Callable[[str], None]) -> None:
        self.tokenizer = tokenizer
        self.on_text = on_text
        self.ids: list[int] = []
        self.sent = 0
        self._prompt_skipped = False

    def put(self, value: Any) -> None:
        """Receive the next token(s); the first call is the prompt, which is skipped."""
        if not self._prompt_skipped:
            self._prompt_skipped = True
            return
        self.ids.extend(int(t) for t in value.reshape(-1).tolist())
        self._send(final=False)

    def end(self) -> None:
        """Send whatever is left."""
        self._send(final=True)

    def _send(self, final: bool) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if not final and text.endswith("\ufffd"):
            return
        if len(text) > self.sent:
            self.on_text(text[self.sent :])
            self.sent = len(text)

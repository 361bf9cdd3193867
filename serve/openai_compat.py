"""``POST /v1/chat/completions``: the subset of OpenAI's API that the official ``openai`` client needs.

Served: ``messages`` (system/user/assistant, text content), ``model`` (a version, ``"base"``, ``"auto"`` or the
base model's name), ``max_tokens``, ``temperature`` (0 is greedy), ``top_p``, ``n``, ``stop``, ``seed``,
``stream`` with server-sent events and ``stream_options.include_usage``. Any other field is refused (422).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from serve.engine import GenerationResult, SamplingParams
from serve.errors import ApiError, error_body
from serve.middleware import VERSION_HEADER
from serve.schemas import AssistantMessage, ChatCompletion, ChatCompletionRequest, Choice, ErrorBody, Usage
from serve.state import ServingState, check_max_tokens, choose_version, fit_context, get_state, require_ready, take_slot

log = logging.getLogger("serve.chat")
router = APIRouter()
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 404, 413, 422, 429, 503)}
DEFAULT_TEMPERATURE = 1.0  # OpenAI's default; /generate defaults to greedy instead


class SlotStreamingResponse(StreamingResponse):
    """A streaming response that gives its concurrency slot back when the stream ends, however it ends."""

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def _usage(result: GenerationResult) -> Usage:
    return Usage(prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
                 total_tokens=result.prompt_tokens + result.completion_tokens)


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


@router.post("/v1/chat/completions", response_model=ChatCompletion, responses=_ERRORS)
async def chat_completions(body: ChatCompletionRequest, request: Request) -> Any:
    """OpenAI-compatible chat completion. ``model`` in the answer (and the ``x-wsl-adapter`` header) names the
    version that served it.
    """
    state = get_state(request)
    require_ready(state)
    check_max_tokens(state, body.max_tokens)
    n = body.n if body.n is not None else 1
    if n > state.config.max_n:
        raise ApiError(422, f"n must be at most {state.config.max_n}, got {n}",
                       details=[{"loc": ["body", "n"], "msg": f"must be <= {state.config.max_n}",
                                 "type": "less_than_equal"}])
    version = choose_version(state, body.model)
    release = take_slot(state)
    streaming = False
    try:
        messages = [m.model_dump() for m in body.messages]
        prompt_ids = await run_in_threadpool(state.engine.encode_messages, messages)
        params = SamplingParams(
            max_new_tokens=fit_context(state, len(prompt_ids), body.max_tokens),
            temperature=body.temperature if body.temperature is not None else DEFAULT_TEMPERATURE,
            top_p=body.top_p if body.top_p is not None else 1.0,
            n=n,
            stop=tuple(body.stop_list()),
            seed=body.seed,
        )
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        headers = {VERSION_HEADER: version}
        if body.stream:
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            stream = _stream(state, prompt_ids, version, params, completion_id, created, include_usage)
            streaming = True
            return SlotStreamingResponse(stream, release, media_type="text/event-stream",
                                         headers={**headers, "cache-control": "no-cache", "x-accel-buffering": "no"})
        result = await asyncio.wrap_future(state.engine.submit(prompt_ids, version, params))
    finally:
        if not streaming:
            release()
    state.metrics.observe_generation(version, "chat", result.prompt_tokens, result.completion_tokens)
    out = ChatCompletion(
        id=completion_id, created=created, model=version, usage=_usage(result),
        choices=[Choice(index=i, message=AssistantMessage(content=c.text), finish_reason=c.finish_reason)
                 for i, c in enumerate(result.completions)],
    )
    return JSONResponse(out.model_dump(mode="json"), headers=headers)


async def _stream(state: ServingState, prompt_ids: list[int], version: str, params: SamplingParams,
                  completion_id: str, created: int, include_usage: bool) -> AsyncIterator[str]:
    """Server-sent events: a role chunk per choice, content deltas, a finish chunk per choice, optionally a usage
    chunk, then ``[DONE]``. The choices stream one after another. If the client goes away, generation stops at
    the next token.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[int, str] | None] = asyncio.Queue()
    cancel = threading.Event()

    def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
        return _sse({"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": version,
                     "choices": choices, **extra})

    def on_text(index: int, delta: str) -> None:  # on the worker thread
        loop.call_soon_threadsafe(queue.put_nowait, (index, delta))

    try:
        future = asyncio.wrap_future(state.engine.submit(prompt_ids, version, params, on_text, cancel))

        def finished(done: asyncio.Future[GenerationResult]) -> None:
            if not done.cancelled():
                done.exception()  # retrieved here so a stream the client left never logs "never retrieved"
            # Deltas are queued before the worker finishes, so this end marker always comes after the last one.
            queue.put_nowait(None)

        future.add_done_callback(finished)
        for index in range(params.n):
            yield chunk([{"index": index, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        while (item := await queue.get()) is not None:
            index, delta = item
            yield chunk([{"index": index, "delta": {"content": delta}, "finish_reason": None}])
        result = future.result()
        for index, completion in enumerate(result.completions):
            yield chunk([{"index": index, "delta": {}, "finish_reason": completion.finish_reason}])
        if include_usage:
            yield chunk([], usage=_usage(result).model_dump())
        state.metrics.observe_generation(version, "chat", result.prompt_tokens, result.completion_tokens)
        yield "data: [DONE]\n\n"
    except Exception as exc:  # the response has begun: report in-band, as OpenAI does, without server details
        log.error("stream failed", exc_info=exc, extra={"fields": {"id": completion_id}})
        yield _sse(error_body("internal server error", "server_error"))
    finally:
        cancel.set()  # the client left, or the stream ended: either way the worker has nothing more to do


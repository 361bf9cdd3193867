"""The project's own endpoints: ``POST /generate`` (a post for a task, scored) and ``POST /score``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import metrics
from serve.engine import SamplingParams
from serve.errors import ApiError
from serve.middleware import VERSION_HEADER
from serve.schemas import ErrorBody, GenerateRequest, GenerateResponse, ScoreRequest, ScoreResponse, Usage
from serve.state import check_max_tokens, choose_version, fit_context, get_state, request_id, require_ready, take_slot
from wsl_env.schema import Task, TaskError

router = APIRouter()
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 404, 413, 422, 429, 503)}


async def _score(task: Task, response: str, weights: Any = None) -> dict[str, Any]:
    try:
        scores = await run_in_threadpool(metrics.score, task, response, weights)
    except (ValueError, TypeError) as exc:  # e.g. an unknown weight name; the message lists the valid ones
        raise ApiError(422, f"cannot score: {exc}") from None
    return scores.to_dict()


@router.post("/generate", response_model=GenerateResponse, responses=_ERRORS)
async def generate(body: GenerateRequest, request: Request) -> JSONResponse:
    """Write a post for a task (or an instruction plus context) and return it with its scores.

    The served version is ``adapter`` when given, else the A/B split's or the default choice; it is reported in
    the body's ``version`` and the ``x-wsl-adapter`` header, and its score means are in ``/metrics``.
    """
    state = get_state(request)
    require_ready(state)
    check_max_tokens(state, body.max_tokens)
    rid = request_id(request)
    try:
        task = body.to_task(f"request-{rid}")
    except TaskError as exc:
        raise ApiError(422, f"invalid task: {exc}") from None
    version = choose_version(state, body.adapter)
    release = take_slot(state)
    try:
        prompt_ids = await run_in_threadpool(state.engine.encode_task, task)
        max_new = fit_context(state, len(prompt_ids), body.max_tokens)
        params = SamplingParams(max_new_tokens=max_new, temperature=body.temperature, top_p=body.top_p,
                                seed=body.seed,
                                max_hashtags=task.constraints.max_hashtags if body.hashtag_cap else None,
                                figure_guard=body.figure_guard, guard_task=task if body.figure_guard else None)
        result = await asyncio.wrap_future(state.engine.submit(prompt_ids, version, params))
        completion = result.completions[0]
        text = completion.text.strip()
        scores = await _score(task, text)
    finally:
        release()
    state.metrics.observe_generation(version, "generate", result.prompt_tokens, result.completion_tokens)
    state.metrics.observe_scores(version, scores)
    out = GenerateResponse(
        id=f"gen-{rid}", version=version, model=state.engine.public_name, task_id=task.id, response=text,
        finish_reason=completion.finish_reason, scores=scores,
        usage=Usage(prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
                    total_tokens=result.prompt_tokens + result.completion_tokens),
    )
    return JSONResponse(out.model_dump(mode="json"), headers={VERSION_HEADER: version})


@router.post("/score", response_model=ScoreResponse, responses=_ERRORS)
async def score(body: ScoreRequest, request: Request) -> ScoreResponse:
    """Score a response for a task with the project's metrics (no model needed)."""
    state = get_state(request)
    try:
        task = body.task.to_task()
    except TaskError as exc:
        raise ApiError(422, f"invalid task: {exc}") from None
    release = take_slot(state)
    try:
        scores = await _score(task, body.response, body.weights)
    finally:
        release()
    return ScoreResponse(scores=scores)

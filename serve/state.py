"""What the routes share: the app's serving state and the checks every generating request goes through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from serve.config import ServerConfig
from serve.engine import Engine
from serve.errors import ApiError
from serve.limits import ConcurrencyLimiter
from serve.metrics_export import ServerMetrics
from serve.routing import Router, UnknownVersionError


@dataclass
class ServingState:
    """One app's engine, routing, limits and metrics (``app.state.serving``)."""

    config: ServerConfig
    engine: Engine
    router: Router
    limiter: ConcurrencyLimiter
    metrics: ServerMetrics
    started: int


def get_state(request: Request) -> ServingState:
    """The serving state of the app handling ``request``."""
    return request.app.state.serving


def request_id(request: Request) -> str:
    """The id the request-context middleware gave this request."""
    return str(getattr(request.state, "request_id", "unknown"))


def require_ready(state: ServingState) -> None:
    """503 unless the model is loaded."""
    if state.engine.ready.is_set():
        return
    if state.engine.load_error:
        raise ApiError(503, "the model failed to load; see the server log", "service_unavailable")
    raise ApiError(503, "the model is still loading; retry shortly", "service_unavailable",
                   headers={"retry-after": "5"})


def choose_version(state: ServingState, requested: str | None) -> str:
    """The version serving a request that asked for ``requested``; 404 for a version that is not served."""
    try:
        return state.router.choose(requested)
    except UnknownVersionError as exc:
        raise ApiError(404, str(exc), "not_found_error") from None


def check_max_tokens(state: ServingState, max_tokens: int | None) -> None:
    """422 for ``max_tokens`` above the cap (the schema already refuses values below 1)."""
    cap = state.config.max_tokens_cap
    if max_tokens is not None and max_tokens > cap:
        raise ApiError(422, f"max_tokens must be at most {cap}, got {max_tokens}",
                       details=[{"loc": ["body", "max_tokens"], "msg": f"must be <= {cap}", "type": "less_than_equal"}])


def fit_context(state: ServingState, prompt_tokens: int, max_tokens: int | None) -> int:
    """The completion budget for a prompt of ``prompt_tokens``: ``max_tokens`` if the context holds it (else 422),
    or the default capped by what the context leaves.
    """
    limit = state.engine.context_limit
    room = limit - prompt_tokens
    if room < 1:
        raise ApiError(422, f"the prompt is {prompt_tokens} tokens; the context allows {limit} tokens in all "
                            "(prompt and completion)",
                       details=[{"loc": ["body"], "msg": "prompt too long", "type": "context_length_exceeded"}])
    if max_tokens is None:
        return min(state.config.default_max_tokens, state.config.max_tokens_cap, room)
    if max_tokens > room:
        raise ApiError(422, f"the prompt ({prompt_tokens} tokens) plus max_tokens ({max_tokens}) is more than the "
                            f"context of {limit} tokens",
                       details=[{"loc": ["body", "max_tokens"], "msg": f"must be <= {room} for this prompt",
                                 "type": "context_length_exceeded"}])
    return max_tokens


def take_slot(state: ServingState) -> Callable[[], None]:
    """Take a concurrency slot or answer 429 at once; return the function that gives it back (safe to call
    more than once).
    """
    if not state.limiter.try_acquire():
        raise ApiError(429, f"the server is busy ({state.limiter.limit} requests in progress); retry shortly",
                       "rate_limit_error", headers={"retry-after": "1"})
    state.metrics.inflight_changed(+1)
    released = False

    def release() -> None:
        nonlocal released
        if not released:
            released = True
            state.metrics.inflight_changed(-1)
            state.limiter.release()

    return release

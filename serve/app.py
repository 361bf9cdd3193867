"""The FastAPI app: wiring, and the operational endpoints ``/health``, ``/metrics`` and ``/v1/models``.

The model loads in a background thread when the app starts, so ``/health`` answers 503 until it is ready and the
process accepts connections (and shuts down) while a large model is still loading.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import PurePath
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware import Middleware
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from serve import api, openai_compat
from serve.config import BASE_VERSION, ConfigError, ServerConfig, resolve_adapters
from serve.engine import Engine
from serve.errors import install_error_handlers
from serve.limits import ConcurrencyLimiter
from serve.metrics_export import CONTENT_TYPE, ServerMetrics
from serve.middleware import AuthMiddleware, BodyLimitMiddleware, RequestContextMiddleware
from serve.routing import Router
from serve.schemas import ModelCard, ModelList
from serve.state import ServingState, get_state

OPEN_PATHS = ("/health",)
METRIC_PATHS = ("/generate", "/score", "/v1/chat/completions", "/v1/models", "/health", "/metrics", "/docs",
                "/openapi.json")


def public_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """An adapter manifest's scalar entries for clients; a path-like value is reduced to its last part."""
    out: dict[str, Any] = {}
    for key, value in manifest.items():
        if isinstance(value, str) and ("/" in value or "\\" in value):
            value = PurePath(value).name
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[str(key)] = value
    return out


def build_router(config: ServerConfig, engine: Engine) -> Router:
    """Routing for ``engine``'s versions: ``config``'s A/B split, else its default version, else the first
    adapter, else the base model. The base model's name and ``"auto"`` route like an unnamed request.
    """
    versions = engine.versions
    default = config.default_version or (versions[1] if len(versions) > 1 else BASE_VERSION)
    try:
        return Router(versions, config.ab_weights, default=default, seed=config.seed,
                      aliases=[engine.public_name])
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def create_app(config: ServerConfig, engine: Engine | None = None) -> FastAPI:
    """The serving app for ``config``.

    Without ``engine``, the app builds one from ``config`` (its adapters from :func:`resolve_adapters`), loads it
    in the background on start-up and closes it on shutdown. A given ``engine`` (tests, embedding) is loaded on
    start-up if it is not loaded yet, and left open.
    """
    owns_engine = engine is None
    if engine is None:
        engine = Engine.from_config(config, resolve_adapters(config))
    serving = ServingState(config=config, engine=engine, router=build_router(config, engine),
                           limiter=ConcurrencyLimiter(config.max_concurrency), metrics=ServerMetrics(),
                           started=int(time.time()))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not serving.engine.ready.is_set():
            serving.engine.start_loading()
        yield
        if owns_engine:
            await run_in_threadpool(serving.engine.close)

    middleware = [  # outermost first
        Middleware(RequestContextMiddleware, metrics=serving.metrics, paths=METRIC_PATHS),
        Middleware(AuthMiddleware, api_key=config.api_key, open_paths=OPEN_PATHS),
        Middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes),
    ]
    app = FastAPI(title="WSL Analytics serving", version="0.1.0", lifespan=lifespan, middleware=middleware,
                  description="Surf-competition analytics posts from a small chat model, with their scores. "
                              "See docs/serving.md.")
    app.state.serving = serving
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(openai_compat.router)
    app.add_api_route("/health", health, methods=["GET"])
    app.add_api_route("/metrics", prometheus_metrics, methods=["GET"], response_class=PlainTextResponse)
    app.add_api_route("/v1/models", list_models, methods=["GET"], response_model=ModelList)
    return app


async def health(request: Request) -> JSONResponse:
    """200 once the model is loaded; 503 while it loads (or if loading failed). Never needs the API key."""
    engine = get_state(request).engine
    if engine.ready.is_set():
        return JSONResponse({"status": "ok", "model": engine.public_name, "versions": engine.versions})
    if engine.load_error:
        return JSONResponse({"status": "error", "message": "the model failed to load; see the server log"}, 503)
    return JSONResponse({"status": "loading"}, 503, headers={"retry-after": "5"})


async def prometheus_metrics(request: Request) -> PlainTextResponse:
    """Request counts and latencies, tokens generated and mean scores per version, in Prometheus text format."""
    state = get_state(request)
    text = state.metrics.render(model_loaded=state.engine.ready.is_set(), versions=state.engine.versions)
    return PlainTextResponse(text, media_type=CONTENT_TYPE)


async def list_models(request: Request) -> ModelList:
    """The base model (version ``"base"``) and each adapter version, OpenAI style, plus the routing rule."""
    state = get_state(request)
    engine = state.engine
    cards = [ModelCard(id=BASE_VERSION, created=state.started, root=engine.public_name)]
    cards += [ModelCard(id=a.name, created=state.started, root=engine.public_name, parent=engine.public_name,
                        manifest=public_manifest(a.manifest)) for a in engine.adapters]
    return ModelList(data=cards, routing=state.router.describe())

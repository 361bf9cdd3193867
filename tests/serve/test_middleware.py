from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from serve.metrics_export import ServerMetrics
from serve.middleware import AuthMiddleware, BodyLimitMiddleware, RequestContextMiddleware

LIMIT = 100


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"size": len(body), "request_id": request.state.request_id})


async def crash(request: Request) -> JSONResponse:
    raise RuntimeError("/srv/secret/weights.bin is corrupt")


def app(api_key: str | None = None, metrics: ServerMetrics | None = None) -> Starlette:
    return Starlette(
        routes=[Route("/echo", echo, methods=["POST", "GET"]), Route("/health", echo), Route("/crash", crash)],
        middleware=[Middleware(RequestContextMiddleware, metrics=metrics or ServerMetrics(),
                               paths=["/echo", "/health"]),
                    Middleware(AuthMiddleware, api_key=api_key),
                    Middleware(BodyLimitMiddleware, max_bytes=LIMIT)],
    )


def chunks(total: int, size: int = 30) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"x" * LIMIT}, 200),  # exactly at the limit is allowed
        ({"content": b"x" * (LIMIT + 1)}, 413),  # one byte over, declared by Content-Length
        ({"content": chunks(LIMIT)}, 200),  # chunked (no Content-Length) within the limit
        ({"content": chunks(LIMIT + 1)}, 413),  # chunked over the limit is caught by counting
    ],
)
def test_body_limit(kwargs: dict[str, Any], status: int) -> None:
    with TestClient(app()) as client:
        response = client.post("/echo", **kwargs)
    assert response.status_code == status
    if status == 413:
        assert response.json()["error"]["type"] == "request_too_large"
    else:
        assert response.json()["size"] == LIMIT


def test_body_limit_stops_reading_a_chunked_body_as_soon_as_it_passes_the_limit() -> None:
    # Drive the middleware directly: an endless chunked body must not be read to its end.
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 30, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def inner(scope: Any, rec: Any, snd: Any) -> None:
        raise AssertionError("the app must never see an oversized body")

    scope = {"type": "http", "method": "POST", "path": "/echo", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(BodyLimitMiddleware(inner, max_bytes=LIMIT)(scope, receive, send))
    assert reads == 4  # 4 x 30 bytes is the first read past 100
    assert sent[0]["status"] == 413


def test_body_limit_refuses_a_declared_length_without_reading() -> None:
    async def receive() -> dict[str, Any]:
        raise AssertionError("nothing may be read when Content-Length is already too large")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/echo", "headers": [(b"content-length", b"1000000")]}
    asyncio.run(BodyLimitMiddleware(echo, max_bytes=LIMIT)(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/echo", {}, 401),  # no key
        ("/echo", {"Authorization": "Bearer wrong"}, 401),  # wrong key
        ("/echo", {"Authorization": "Bearer s3cret-extra"}, 401),  # a key with the right prefix is still wrong
        ("/echo", {"Authorization": "Basic s3cret"}, 401),  # right key, wrong scheme
        ("/echo", {"Authorization": "Bearer s3cret"}, 200),  # right key
        ("/echo", {"Authorization": "bearer s3cret"}, 200),  # the scheme is case-insensitive
        ("/health", {}, 200),  # /health stays open
    ],
)
def test_auth(path: str, headers: dict[str, str], status: int) -> None:
    with TestClient(app(api_key="s3cret")) as client:
        response = client.get(path, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json() == {"error": {"message": "missing or invalid API key", "type": "authentication_error"}}
        assert response.headers["www-authenticate"] == "Bearer"


def test_no_api_key_means_no_auth() -> None:
    with TestClient(app(api_key=None)) as client:
        assert client.get("/echo").status_code == 200


def test_request_id_is_echoed_when_plain_and_replaced_otherwise() -> None:
    with TestClient(app()) as client:
        mine = client.get("/echo", headers={"x-request-id": "abc-123"})
        evil = client.get("/echo", headers={"x-request-id": "a b\nc"})
    assert mine.headers["x-request-id"] == "abc-123" == mine.json()["request_id"]
    assert evil.headers["x-request-id"] != "a b\nc" and len(evil.headers["x-request-id"]) == 32


def test_unexpected_error_is_a_bare_500_and_is_counted() -> None:
    metrics = ServerMetrics()
    with TestClient(app(metrics=metrics), raise_server_exceptions=False) as client:
        response = client.get("/crash")
        client.get("/no-such-path")
    assert response.status_code == 500
    assert response.json() == {"error": {"message": "internal server error", "type": "server_error"}}
    assert "secret" not in response.text and "Traceback" not in response.text
    text = metrics.render(model_loaded=True)
    assert 'wsl_http_requests_total{path="other",method="GET",status="500"} 1' in text  # unknown paths pooled
    assert 'wsl_http_requests_total{path="other",method="GET",status="404"} 1' in text

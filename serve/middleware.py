"""Pure ASGI middleware, outermost first: request context (id, access log, metrics), auth, body size limit."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
import uuid
from collections.abc import Collection
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serve.errors import error_response
from serve.metrics_export import ServerMetrics

log = logging.getLogger("serve.access")

VERSION_HEADER = "x-wsl-adapter"
REQUEST_ID_HEADER = "x-request-id"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestContextMiddleware:
    """Gives each request an id (the client's ``x-request-id`` if it is short and plain), answers an unexpected
    error with a bare 500, and records every request's status and latency in the metrics and the access log.

    ``paths`` are the metric labels; any other path is counted as ``"other"`` so a scanner cannot grow the
    metrics without bound.
    """

    def __init__(self, app: ASGIApp, metrics: ServerMetrics, paths: Collection[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        seen: dict[str, Any] = {"status": None, "version": None}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                seen["status"] = message["status"]
                seen["version"] = headers.get(VERSION_HEADER)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("unhandled error", exc_info=exc, extra={"fields": {"request_id": request_id}})
            if seen["status"] is not None:
                raise  # the response has begun; the server closes the connection
            seen["status"] = 500
            response = error_response(500, "internal server error", "server_error")
            await response(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            path = scope["path"] if scope["path"] in self.paths else "other"
            status = seen["status"] or 500
            self.metrics.observe_request(path, scope["method"], status, seconds)
            fields = {"request_id": request_id, "method": scope["method"], "path": path, "status": status,
                      "duration_ms": round(seconds * 1000, 1)}
            if seen["version"]:
                fields["version"] = seen["version"]
            log.info("request", extra={"fields": fields})


class AuthMiddleware:
    """Requires ``Authorization: Bearer <api_key>`` on every path but ``open_paths``; 401 otherwise.

    The key is compared as SHA-256 digests with :func:`hmac.compare_digest`, so the time taken reveals neither
    the key's content nor its length.
    """

    def __init__(self, app: ASGIApp, api_key: str | None, open_paths: Collection[str] = ("/health",)) -> None:
        self.app = app
        self._digest = hashlib.sha256(api_key.encode()).digest() if api_key else None
        self.open_paths = frozenset(open_paths)

    def authorized(self, header: str) -> bool:
        """Whether an ``Authorization`` header value carries the key."""
        scheme, _, token = header.partition(" ")
        digest = hashlib.sha256(token.strip().encode()).digest()
        same = hmac.compare_digest(digest, self._digest or b"")
        return scheme.lower() == "bearer" and same

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._digest is None or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        if not self.authorized(Headers(scope=scope).get("authorization", "")):
            response = error_response(401, "missing or invalid API key", "authentication_error",
                                      headers={"www-authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses a request body over ``max_bytes`` with 413, counting bytes as they arrive.

    A declared ``Content-Length`` over the limit is refused before any byte is read. A chunked body (no
    ``Content-Length``) or one that lies about its length is read up to the limit and refused the moment it
    passes it; the app only ever sees a whole body within the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> Any:
        return error_response(413, f"request body is larger than the limit of {self.max_bytes} bytes",
                              "request_too_large", headers={"connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await error_response(400, "invalid Content-Length header")(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await self._too_large()(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left mid-body: there is no one to answer
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large()(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # later calls wait for the disconnect, as streaming responses expect

        await self.app(scope, replay, send)

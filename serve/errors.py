"""Error responses: one JSON shape, ``{"error": {"message", "type"[, "details"]}}``, that never carries a server
path, a traceback or an echo of the request body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("serve")

_MAX_MESSAGE = 300
_MAX_DETAILS = 20
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
          405: "invalid_request_error", 413: "request_too_large", 422: "invalid_request_error",
          429: "rate_limit_error", 500: "server_error", 503: "service_unavailable"}


class ApiError(Exception):
    """An error the client caused or should know about, answered with ``status`` and a safe message."""

    def __init__(self, status: int, message: str, type_: str | None = None,
                 details: Sequence[Mapping[str, Any]] | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_ or _TYPES.get(status, "error")
        self.details = [dict(d) for d in details] if details is not None else None
        self.headers = dict(headers or {})


def error_body(message: str, type_: str, details: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    error: dict[str, Any] = {"message": message[:_MAX_MESSAGE], "type": type_}
    if details is not None:
        error["details"] = list(details)
    return {"error": error}


def error_response(status: int, message: str, type_: str | None = None,
                   details: Sequence[Mapping[str, Any]] | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A JSON error response in the one error shape."""
    return JSONResponse(error_body(message, type_ or _TYPES.get(status, "error"), details), status_code=status,
                        headers=dict(headers or {}))


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors reduced to where and what: the ``input`` (which may be huge) and ``ctx`` are dropped."""
    out = []
    for err in list(errors)[:_MAX_DETAILS]:
        loc = [part if isinstance(part, int) else str(part)[:100] for part in err.get("loc", ())]
        out.append({"loc": loc, "msg": str(err.get("msg", "invalid value"))[:_MAX_MESSAGE],
                    "type": str(err.get("type", "value_error"))})
    return out


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.type, exc.details, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = validation_details(exc.errors())
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "body"
    return error_response(422, f"invalid request: {where}: {first['msg']}", "invalid_request_error", details)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # Starlette's own messages ("Not Found", "Method Not Allowed") are fixed strings, never paths.
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    return error_response(exc.status_code, message, None, None, exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the server log only; the client learns nothing about the server.
    log.error("unhandled error", exc_info=exc,
              extra={"fields": {"path": request.url.path, "request_id": getattr(request.state, "request_id", None)}})
    return error_response(500, "internal server error", "server_error")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error raised while handling a request in the one JSON error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)

from __future__ import annotations

import json
import logging

from serve.logs import JsonFormatter, log_config


def record(msg: str, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("serve.test", logging.INFO, __file__, 1, msg, (), None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_line_with_fields() -> None:
    line = JsonFormatter().format(record("request", fields={"status": 200, "path": "/generate"}))
    entry = json.loads(line)
    assert "\n" not in line  # one line per record
    assert entry["msg"] == "request" and entry["level"] == "info" and entry["logger"] == "serve.test"
    assert entry["status"] == 200 and entry["path"] == "/generate"
    assert entry["ts"].endswith("Z")


def test_fields_cannot_overwrite_the_core_keys() -> None:
    entry = json.loads(JsonFormatter().format(record("real", fields={"msg": "fake", "level": "debug"})))
    assert entry["msg"] == "real" and entry["level"] == "info"


def test_exception_is_kept_in_one_json_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        rec = logging.LogRecord("serve", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(rec)
    assert "\n" not in line
    assert "RuntimeError: boom" in json.loads(line)["exc"]


def test_log_config_routes_uvicorn_through_json() -> None:
    config = log_config("debug")
    assert config["formatters"]["json"]["()"] == "serve.logs.JsonFormatter"
    assert config["loggers"]["uvicorn.error"]["propagate"] is True
    assert config["loggers"]["serve"]["level"] == "DEBUG"

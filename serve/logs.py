"""Structured logs: one JSON object per line, for the server's own loggers and uvicorn's alike."""

from __future__ import annotations

import json
import logging
import time
from typing import Any


class JsonFormatter(logging.Formatter):
    """Formats a record as ``{"ts", "level", "logger", "msg", ...fields}`` on one line.

    Structured fields come from ``extra={"fields": {...}}``. An exception's traceback is kept under ``"exc"``:
    these lines go to the server's log only, never to a client.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line."""
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k not in entry})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_config(level: str = "info") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` dict (also uvicorn's ``log_config``) sending everything as JSON to
    stderr: the server's loggers, uvicorn's, Python warnings and libraries that propagate to the root.
    """
    level = level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "serve.logs.JsonFormatter"}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": "WARNING"},
        "loggers": {
            "serve": {"level": level, "handlers": [], "propagate": True},
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def setup_logging(level: str = "info") -> None:
    """Install :func:`log_config`, route ``warnings`` and Hugging Face's loggers through it, and silence
    progress bars, so every line the server writes is JSON.
    """
    import logging.config

    logging.config.dictConfig(log_config(level))
    logging.captureWarnings(True)
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_default_handler()
        hf_logging.enable_propagation()
        hf_logging.disable_progress_bar()
    except ImportError:  # transformers is a dependency; this only guards odd installs
        pass

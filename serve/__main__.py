"""``python -m serve``: start the HTTP server (uvicorn) with JSON log lines on stderr.

    python -m serve --model smollm2-135m-instruct --adapter artifacts/grpo-v2 --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from serve.config import API_KEY_ENV, ConfigError, ServerConfig, field_help, parse_ab

log = logging.getLogger("serve")


def _ab_weights(text: str) -> tuple[tuple[str, float], ...]:
    # argparse shows an ArgumentTypeError's message; for a ValueError it prints only "invalid ... value"
    try:
        return parse_ab(text)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line; every option's help is the :class:`ServerConfig` field's."""
    defaults = ServerConfig()
    p = argparse.ArgumentParser(prog="python -m serve", description="Serve WSL Analytics posts over HTTP.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)

    def option(flag: str, name: str, **kwargs: object) -> None:
        p.add_argument(flag, dest=name, help=field_help(name), **kwargs)  # type: ignore[arg-type]

    option("--model", "model", default=defaults.model)
    option("--adapter", "adapters", action="append", default=[], metavar="DIR")
    option("--adapters-dir", "adapters_dir", metavar="DIR")
    option("--ab", "ab_weights", type=_ab_weights, default=(), metavar="V1=W1,V2=W2")
    option("--default-version", "default_version", metavar="VERSION")
    option("--api-key", "api_key", metavar="KEY")
    option("--host", "host", default=defaults.host)
    option("--port", "port", type=int, default=defaults.port)
    option("--max-body-bytes", "max_body_bytes", type=int, default=defaults.max_body_bytes)
    option("--max-concurrency", "max_concurrency", type=int, default=defaults.max_concurrency)
    option("--max-tokens-cap", "max_tokens_cap", type=int, default=defaults.max_tokens_cap)
    option("--default-max-tokens", "default_max_tokens", type=int, default=defaults.default_max_tokens)
    option("--max-n", "max_n", type=int, default=defaults.max_n)
    option("--context-limit", "context_limit", type=int)
    option("--generation-timeout", "generation_timeout_s", type=float, default=defaults.generation_timeout_s,
           metavar="SECONDS")
    option("--dtype", "dtype", choices=["float32", "bf16", "auto"])
    option("--seed", "seed", type=int, default=defaults.seed)
    option("--log-level", "log_level", default=defaults.log_level, choices=["debug", "info", "warning", "error"])
    option("--graceful-timeout", "graceful_timeout_s", type=float, default=defaults.graceful_timeout_s,
           metavar="SECONDS")
    return p


def config_from_args(argv: Sequence[str] | None = None) -> ServerConfig:
    """Parse the command line into a :class:`ServerConfig` (the API key falls back to ``$WSL_API_KEY``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    values = vars(args)
    values["adapters"] = tuple(values["adapters"])
    if values["api_key"] is None:
        values["api_key"] = os.environ.get(API_KEY_ENV) or None
    try:
        return ServerConfig(**values)
    except ConfigError as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGINT/SIGTERM; return the exit code."""
    config = config_from_args(argv)

    from serve.logs import log_config, setup_logging

    setup_logging(config.log_level)
    import uvicorn

    from serve.app import create_app

    try:
        app = create_app(config)
    except ConfigError as exc:
        log.error("bad configuration", extra={"fields": {"error": str(exc)}})
        return 2
    log.info("starting", extra={"fields": {"host": config.host, "port": config.port, "auth": bool(config.api_key),
                                           "versions": app.state.serving.engine.versions,
                                           "routing": app.state.serving.router.describe()}})
    server = uvicorn.Server(uvicorn.Config(
        app, host=config.host, port=config.port, log_config=log_config(config.log_level), access_log=False,
        timeout_graceful_shutdown=int(math.ceil(config.graceful_timeout_s)), server_header=False))

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # uvicorn handles SIGINT/SIGTERM while it serves, shuts down gracefully, then raises the signal again for
        # the previous handler (this one): that re-raise is the end of a clean stop, not a reason to die by it.
        if server.should_exit:
            return
        raise SystemExit(128 + signum)  # a signal before uvicorn took over: stop at once

    for handled in (signal.SIGINT, signal.SIGTERM):
        signal.signal(handled, on_signal)
    server.run()
    if not server.started:
        log.error("server did not start")  # uvicorn has logged why (e.g. the port is in use)
        return 1
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

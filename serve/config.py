"""The server's typed configuration, and turning its adapter options into the adapters to load.

Each field's help text lives in its ``metadata`` and is reused by the command line (``python -m serve --help``),
so the two never drift apart.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from wsl_env.artifacts import Adapter, discover_adapters, read_adapter
from wsl_env.models import (
    EMBEDDED_ALIAS,
    SHIPPED_ADAPTER,
    ModelNotFoundError,
    check_adapter_base,
    is_embedded_base,
    is_shipped,
    resolve_dtype,
    shipped_available,
)

BASE_VERSION = "base"
"""The version name of the base model with no adapter."""

API_KEY_ENV = "WSL_API_KEY"
"""The environment variable read for the API key when ``--api-key`` is not given."""


class ConfigError(ValueError):
    """A server option that cannot work. The message names the option and what is wrong."""


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to start: the model, its adapters, routing, limits and auth."""

    model: str = field(default=EMBEDDED_ALIAS, metadata={
        "help": f"base model: the embedded alias '{EMBEDDED_ALIAS}', a Hugging Face id or a local directory"})
    adapters: tuple[str, ...] = field(default=(), metadata={
        "help": "a PEFT adapter directory or 'smollm2-135m-wsl' to serve (repeatable); its version name is the "
                "directory's name. With no adapter options, on the embedded model, the shipped smollm2-135m-wsl is "
                "served"})
    adapters_dir: str | None = field(default=None, metadata={
        "help": "also serve every finished adapter under this directory (e.g. artifacts/)"})
    ab_weights: tuple[tuple[str, float], ...] = field(default=(), metadata={
        "help": "weighted A/B split for requests that pick no version, e.g. 'v1=0.8,v2=0.2' ('base' allowed)"})
    default_version: str | None = field(default=None, metadata={
        "help": "version for requests that pick none when there is no A/B split "
                "(default: the first adapter, else 'base')"})
    api_key: str | None = field(default=None, repr=False, metadata={
        "help": f"require 'Authorization: Bearer KEY' on every endpoint but /health (default: ${API_KEY_ENV})"})
    host: str = field(default="127.0.0.1", metadata={"help": "address to listen on"})
    port: int = field(default=8000, metadata={"help": "port to listen on"})
    max_body_bytes: int = field(default=2 * 1024 * 1024, metadata={
        "help": "largest request body accepted, in bytes (larger ones get 413, chunked or not)"})
    max_concurrency: int = field(default=4, metadata={
        "help": "requests generating or scoring at once; the next one gets 429 at once"})
    max_tokens_cap: int = field(default=512, metadata={"help": "largest max_tokens a request may ask for"})
    default_max_tokens: int = field(default=128, metadata={
        "help": "max_tokens when a request gives none (at most the cap and what the context leaves)"})
    max_n: int = field(default=4, metadata={"help": "largest n (choices per chat completion)"})
    context_limit: int | None = field(default=None, metadata={
        "help": "prompt plus completion tokens allowed (default: the model's max_position_embeddings)"})
    generation_timeout_s: float = field(default=30.0, metadata={
        "help": "time budget of one request's generation in seconds; a cut completion ends with 'length'"})
    dtype: str | None = field(default=None, metadata={"help": "weights dtype: float32 (default), bf16 or auto"})
    seed: int = field(default=0, metadata={"help": "seeds the A/B routing draws"})
    log_level: str = field(default="info", metadata={"help": "log level: debug, info, warning or error"})
    graceful_timeout_s: float = field(default=60.0, metadata={
        "help": "on SIGTERM/SIGINT, seconds to let in-flight requests finish before closing them"})

    def __post_init__(self) -> None:
        for name, optional in (("model", False), ("host", False), ("log_level", False), ("default_version", True),
                               ("api_key", True)):
            value = getattr(self, name)
            if not (isinstance(value, str) or optional and value is None):
                raise ConfigError(f"{name} must be a string{' or None' if optional else ''}, got {value!r}")
        if self.adapters_dir is not None and not isinstance(self.adapters_dir, str | os.PathLike):
            raise ConfigError(f"adapters_dir must be a path or None, got {self.adapters_dir!r}")
        if isinstance(self.adapters, str | bytes | os.PathLike) or not isinstance(self.adapters, Iterable) or not all(
                isinstance(a, str | os.PathLike) for a in self.adapters):  # a str would be read letter by letter
            raise ConfigError(f"adapters must be a sequence of adapter paths, got {self.adapters!r}")
        if self.dtype is not None:  # None is float32; anything else must be what the engine's loader reads
            try:
                resolve_dtype(self.dtype)
            except ValueError as exc:
                raise ConfigError(f"dtype: {exc}") from None
        for name in ("port", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be an integer, got {value!r}")
        positive = ("max_body_bytes", "max_concurrency", "max_tokens_cap", "default_max_tokens", "max_n")
        for name in positive:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.context_limit is not None and (not isinstance(self.context_limit, int) or self.context_limit < 2):
            raise ConfigError(f"context_limit must be an integer >= 2, got {self.context_limit!r}")
        for name in ("generation_timeout_s", "graceful_timeout_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be in 1..65535, got {self.port}")
        if self.api_key is not None and not self.api_key.strip():
            raise ConfigError("api_key must not be empty (omit it to disable auth)")
        for name, weight in self.ab_weights:
            if not math.isfinite(weight) or weight < 0:
                raise ConfigError(f"A/B weight of {name!r} must be a finite number >= 0, got {weight}")
        if self.ab_weights and sum(w for _, w in self.ab_weights) <= 0:
            raise ConfigError("A/B weights must not all be zero")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"log_level must be debug, info, warning or error, got {self.log_level!r}")


def field_help(name: str) -> str:
    """The help text of one :class:`ServerConfig` field (used by the command line)."""
    for f in fields(ServerConfig):
        if f.name == name:
            return str(f.metadata.get("help", ""))
    raise KeyError(name)


def parse_ab(text: str) -> tuple[tuple[str, float], ...]:
    """Parse ``"v1=0.8,v2=0.2"`` into ``(("v1", 0.8), ("v2", 0.2))``."""
    pairs: list[tuple[str, float]] = []
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"A/B weights look like 'v1=0.8,v2=0.2'; cannot read {part.strip()!r}")
        try:
            weight = float(value)
        except ValueError:
            raise ConfigError(f"A/B weight of {name.strip()!r} is not a number: {value!r}") from None
        pairs.append((name.strip(), weight))
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ConfigError(f"A/B weights name a version twice: {names}")
    return tuple(pairs)


def resolve_adapters(config: ServerConfig) -> list[Adapter]:
    """The adapters to serve: each ``adapters`` directory in order, then those discovered in ``adapters_dir``; with
    neither, on the embedded base model, the shipped adapter ``smollm2-135m-wsl`` (which is then the default version).

    Raises :class:`ConfigError` for a missing directory, a reserved or duplicated version name, or A/B weights
    or a default version that name no served version.
    """
    found: list[Adapter] = []
    if not config.adapters and config.adapters_dir is None and is_embedded_base(config.model) and shipped_available():
        found.append(read_adapter(SHIPPED_ADAPTER))  # the default version: the adapter that ships with the package
    for path in config.adapters:
        try:
            check_adapter_base(path, config.model)
            found.append(read_adapter(path if is_shipped(path) else Path(path).expanduser()))
        except (FileNotFoundError, ModelNotFoundError, ValueError) as exc:
            raise ConfigError(f"--adapter: {exc}") from None
    if config.adapters_dir is not None:
        root = Path(config.adapters_dir).expanduser()
        if not root.is_dir():
            raise ConfigError(f"--adapters-dir: {config.adapters_dir} is not a directory")
        seen = {a.path.resolve() for a in found}
        found.extend(a for a in discover_adapters(root) if a.path.resolve() not in seen)
    names = [a.name for a in found]
    if BASE_VERSION in names:
        raise ConfigError(f"an adapter directory may not be named {BASE_VERSION!r}: that name is the base model")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"two adapters share the version name(s) {duplicates}; rename a run directory")
    versions = [BASE_VERSION, *names]
    unknown = [name for name, _ in config.ab_weights if name not in versions]
    if unknown:
        raise ConfigError(f"A/B weights name unknown version(s) {unknown}; served: {versions}")
    if config.default_version is not None and config.default_version not in versions:
        raise ConfigError(f"default version {config.default_version!r} is not served; served: {versions}")
    return found

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from serve.config import ConfigError, ServerConfig, field_help, parse_ab, resolve_adapters


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_body_bytes": 0}, "max_body_bytes"),  # a zero body limit would refuse everything
        ({"max_concurrency": -1}, "max_concurrency"),  # negative concurrency is meaningless
        ({"max_tokens_cap": True}, "max_tokens_cap"),  # a bool is not an integer here
        ({"context_limit": 1}, "context_limit"),  # no room for a prompt and a token
        ({"generation_timeout_s": 0}, "generation_timeout_s"),  # a zero budget could never generate
        ({"generation_timeout_s": float("inf")}, "generation_timeout_s"),  # an unbounded budget is refused
        ({"port": 70000}, "port"),  # out of the TCP range
        ({"api_key": "  "}, "api_key"),  # a blank key would look like auth but accept a blank token
        ({"ab_weights": (("v1", -1.0),)}, "A/B weight"),  # negative weight
        ({"ab_weights": (("v1", 0.0), ("v2", 0.0))}, "all be zero"),  # nothing to route to
        ({"log_level": "loud"}, "log_level"),  # unknown level
        ({"port": "8000"}, "port must be an integer"),  # a string from Python code, not the command line
        ({"port": 80.5}, "port must be an integer"),
        ({"api_key": 123}, "api_key must be a string"),  # was an AttributeError
        ({"log_level": None}, "log_level must be a string"),
        ({"adapters": "artifacts/v1"}, "adapters must be a sequence"),  # a str would be read letter by letter
        ({"adapters": None}, "adapters must be a sequence"),
        ({"dtype": "bf17"}, "dtype: unknown dtype 'bf17'"),  # was accepted until the model loaded
    ],
)
def test_config_rejects(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServerConfig(**changes)


def test_config_defaults_match_the_issue() -> None:
    config = ServerConfig()
    assert config.max_body_bytes == 2 * 1024 * 1024  # the 2 MB default limit
    assert config.api_key is None  # auth is optional
    assert "api_key" not in repr(ServerConfig(api_key="secret"))  # the key never reaches a log through repr
    assert "secret" not in repr(ServerConfig(api_key="secret"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1=0.8,v2=0.2", (("v1", 0.8), ("v2", 0.2))),  # the documented form
        (" v1 = 1 , base=3 ", (("v1", 1.0), ("base", 3.0))),  # spaces and integer weights
    ],
)
def test_parse_ab(text: str, expected: tuple[tuple[str, float], ...]) -> None:
    assert parse_ab(text) == expected


@pytest.mark.parametrize("text", ["v1", "v1=x", "=0.5", "v1=0.5,v1=0.5"])
def test_parse_ab_rejects(text: str) -> None:
    # missing '=', a non-number, a missing name, a version named twice
    with pytest.raises(ConfigError):
        parse_ab(text)


def test_field_help_comes_from_the_dataclass() -> None:
    assert "413" in field_help("max_body_bytes")
    with pytest.raises(KeyError):
        field_help("nope")


def test_resolve_adapters_orders_explicit_then_discovered(artifacts_dir: Path) -> None:
    config = ServerConfig(adapters=(str(artifacts_dir / "v2"),), adapters_dir=str(artifacts_dir))
    # v2 is listed first because it was named; discovery adds v1 and does not repeat v2
    assert [a.name for a in resolve_adapters(config)] == ["v2", "v1"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"adapters": ("{root}/missing",)}, "--adapter"),  # not an adapter directory
        ({"adapters_dir": "{root}/missing"}, "--adapters-dir"),  # no such directory
        ({"adapters_dir": "{root}", "ab_weights": (("v3", 1.0),)}, "unknown version"),  # A/B names an unserved one
        ({"adapters_dir": "{root}", "default_version": "v9"}, "default version"),  # default not served
    ],
)
def test_resolve_adapters_rejects(artifacts_dir: Path, changes: dict[str, Any], message: str) -> None:
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.format(root=artifacts_dir)
        if isinstance(value, tuple) and value and isinstance(value[0], str):
            return tuple(v.format(root=artifacts_dir) for v in value)
        return value

    with pytest.raises(ConfigError, match=message):
        resolve_adapters(ServerConfig(**{k: fill(v) for k, v in changes.items()}))


def test_resolve_adapters_rejects_reserved_and_duplicate_names(artifacts_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(artifacts_dir / "v1", tmp_path / "base")
    with pytest.raises(ConfigError, match="'base'"):  # 'base' is the base model's version name
        resolve_adapters(ServerConfig(adapters=(str(tmp_path / "base"),)))
    shutil.copytree(artifacts_dir / "v1", tmp_path / "other" / "v1")
    with pytest.raises(ConfigError, match="share the version name"):  # two different runs both called v1
        resolve_adapters(ServerConfig(adapters=(str(tmp_path / "other" / "v1"),), adapters_dir=str(artifacts_dir)))


def test_shipped_adapter_is_served_by_default() -> None:
    # no adapter options on the embedded base model: the adapter that ships with the package is the one served
    adapters = resolve_adapters(ServerConfig())
    assert [a.name for a in adapters] == ["smollm2-135m-wsl"]
    assert (adapters[0].path / "adapter_config.json").is_file() and adapters[0].base_model
    assert resolve_adapters(ServerConfig(model="/models/other")) == []  # another base model: the base alone
    explicit = resolve_adapters(ServerConfig(adapters=("smollm2-135m-wsl",)))  # the alias also works as --adapter
    assert [a.name for a in explicit] == ["smollm2-135m-wsl"]


def test_shipped_adapter_on_another_base_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot be applied"):
        resolve_adapters(ServerConfig(model="/models/other", adapters=("smollm2-135m-wsl",)))
    hub_id = resolve_adapters(ServerConfig(model="HuggingFaceTB/SmolLM2-135M-Instruct"))  # the same base by its id
    assert [a.name for a in hub_id] == ["smollm2-135m-wsl"]


def test_paths_and_every_dtype_the_loader_reads_are_accepted(tmp_path) -> None:
    import torch

    config = ServerConfig(adapters=(tmp_path / "v1",), adapters_dir=tmp_path)  # Path objects, as before the checks
    assert config.adapters == (tmp_path / "v1",)
    for dtype in ("fp16", "float16", "bf16", "auto", torch.float32):
        assert ServerConfig(dtype=dtype).dtype == dtype

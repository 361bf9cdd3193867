"""Trained adapters live in ``artifacts/<run-name>/``: the PEFT adapter files plus ``manifest.json``.

Evaluation, the leaderboard and serving all discover adapters through :func:`discover_adapters`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACTS_ENV = "WSL_ARTIFACTS_DIR"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Adapter:
    """One trained adapter: its version name (the run directory's name), path and manifest."""

    name: str
    path: Path
    manifest: dict[str, Any]

    @property
    def base_model(self) -> str | None:
        return self.manifest.get("base_model")


def artifacts_dir() -> Path:
    """``$WSL_ARTIFACTS_DIR``, else ``artifacts/`` in the current directory."""
    return Path(os.environ.get(ARTIFACTS_ENV, "artifacts")).expanduser()


def read_adapter(path: str | os.PathLike[str]) -> Adapter:
    """Read one adapter directory (or the shipped ``smollm2-135m-wsl``), checking it holds a PEFT adapter."""
    from wsl_env.models import is_shipped, resolve_adapter

    path = resolve_adapter(path) if is_shipped(path) else Path(path)
    if not (path / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{path} is not an adapter directory (no adapter_config.json)")
    manifest_path = path / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return Adapter(name=path.name, path=path, manifest=manifest)


def discover_adapters(root: str | os.PathLike[str] | None = None) -> list[Adapter]:
    """Every finished adapter under ``root`` (default :func:`artifacts_dir`), sorted by name.

    A run directory counts once its adapter and manifest are both written (training writes the manifest last),
    so a run that was killed mid-save is never served or evaluated.
    """
    root = Path(root) if root is not None else artifacts_dir()
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and (entry / "adapter_config.json").is_file() and (entry / MANIFEST).is_file():
            found.append(read_adapter(entry))
    return found

"""Where the data lives: the processed splits (``$WSL_DATA_DIR`` overrides their directory)."""

from __future__ import annotations

import os
from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "val", "test")
DATA_ENV = "WSL_DATA_DIR"


def data_dir() -> Path:
    """The processed-splits directory: ``$WSL_DATA_DIR``, else the repository's ``data/processed``."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return Path(__file__).resolve().parents[2] / "data" / "processed"


def split_path(split: str) -> Path:
    """The JSONL file of a named split, with a clear error when the data pipeline has not been run."""
    path = data_dir() / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(
            f"split '{split}' not found at {path}: run `python -m wsl_env.data all` to build the splits, "
            f"set {DATA_ENV}, pass a JSONL path, or use tasks='generated'"
        )
    return path

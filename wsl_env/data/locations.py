"""Where the data lives: the processed splits, the gold tasks and the hand-written evaluation set.

In a checkout (or an editable install) the files are the repository's ``data/`` directory. A wheel carries the
shipped ones (``data/processed/{train,val,test}.jsonl``, ``data/raw/gold.jsonl``, ``data/eval/``) inside the
package, as ``wsl_env/datafiles/`` (``pyproject.toml`` maps ``data/`` there), so ``tasks="test"`` works from any
directory. ``$WSL_DATA_DIR`` overrides the directory of the splits.
"""

from __future__ import annotations

import os
from pathlib import Path

SPLITS: tuple[str, ...] = ("train", "val", "test")
DATA_ENV = "WSL_DATA_DIR"


def _data_root() -> Path:
    # The installed copy exists only in a wheel's install; a source tree never has wsl_env/datafiles.
    package = Path(__file__).resolve().parents[1]
    installed = package / "datafiles"
    return installed if installed.is_dir() else package.parent / "data"


DATA_ROOT: Path = _data_root()


def data_dir() -> Path:
    """The processed-splits directory: ``$WSL_DATA_DIR``, else ``data/processed`` (in the checkout or the wheel)."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    return DATA_ROOT / "processed"


def split_path(split: str) -> Path:
    """The JSONL file of a named split, with a clear error when the data pipeline has not been run."""
    path = data_dir() / f"{split}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(
            f"split '{split}' not found at {path}: run `python -m wsl_env.data all` to build the splits, "
            f"set {DATA_ENV}, pass a JSONL path, or use tasks='generated'"
        )
    return path

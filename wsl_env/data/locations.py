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
# The hand-written evaluation set (data/eval/README.md): its dev half and its held-out test half.
WRITTEN_SETS: tuple[str, ...] = ("written-dev", "written-test")
TASK_SETS: tuple[str, ...] = SPLITS + WRITTEN_SETS
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


def task_set_path(name: str) -> Path:
    """The JSONL file of a named task set: a split (:func:`split_path`) or a written set (``written-test``)."""
    if name in WRITTEN_SETS:
        path = DATA_ROOT / "eval" / f"{name}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"task set '{name}' not found at {path}: reinstall the package")
        return path
    if name in SPLITS:
        return split_path(name)
    raise ValueError(f"no task set named {name!r}; the named sets are {list(TASK_SETS)}")

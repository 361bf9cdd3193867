"""The one reader of the XSTest files (Röttger et al., NAACL 2024): where they are, the prompts, the completions.

The files ship with the project under CC-BY-4.0 (see their ``README.md`` and ``LICENSE``): in a checkout they are
``data/external/xstest/``, in an installed wheel ``metrics/datafiles/xstest/``. ``$WSL_XSTEST_DIR`` points the
labelled completions elsewhere.

XSTest's completions of five chat models are each labelled by two annotators as full compliance, full refusal or
partial refusal. The three development files (``gpt4``, ``llama2new``, ``mistralinstruct``) may be used for fitting
and tuning; ``llama2orig`` and ``mistralguard`` are held out and only ever evaluated.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

__all__ = [
    "DEV_FILES",
    "ENV_VAR",
    "HELDOUT_FILES",
    "PROMPTS_CSV",
    "REFUSAL_LABELS",
    "XSTEST_DIR",
    "completion_models",
    "completions_path",
    "default_data_dir",
    "load_completions",
    "read_completions",
    "read_prompts",
]

DEV_FILES: tuple[str, ...] = ("gpt4", "llama2new", "mistralinstruct")
HELDOUT_FILES: tuple[str, ...] = ("llama2orig", "mistralguard")
REFUSAL_LABELS: frozenset[str] = frozenset({"2_full_refusal", "3_partial_refusal"})
ENV_VAR = "WSL_XSTEST_DIR"
_COMPLETIONS_PREFIX = "xstest_v2_completions_"


def _shipped_dir() -> Path:
    # An installed wheel carries the files beside this module; a checkout (or an editable install) keeps them in the
    # repository's data/ directory, one level above the package.
    here = Path(__file__).resolve().parent
    installed = here / "datafiles" / "xstest"
    return installed if installed.is_dir() else here.parent / "data" / "external" / "xstest"


XSTEST_DIR: Path = _shipped_dir()
PROMPTS_CSV: Path = XSTEST_DIR / "xstest_prompts.csv"


def default_data_dir() -> Path:
    """Where the labelled completions are: ``$WSL_XSTEST_DIR`` if set, else the copy shipped with the project."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else XSTEST_DIR


def completions_path(data_dir: str | Path, model: str) -> Path:
    """Where the completions of ``model`` live in an XSTest data directory."""
    return Path(data_dir) / f"{_COMPLETIONS_PREFIX}{model}.csv"


def completion_models(data_dir: str | Path) -> list[str]:
    """The models that have a completions file in ``data_dir``, sorted by name."""
    return sorted(p.stem.removeprefix(_COMPLETIONS_PREFIX) for p in Path(data_dir).glob(f"{_COMPLETIONS_PREFIX}*.csv"))


def _read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_completions(data_dir: str | Path, model: str) -> list[dict[str, str]]:
    """The rows of one model's completions file (``type``, ``prompt``, ``completion``, ``final_label``, ...)."""
    path = completions_path(data_dir, model)
    if not path.is_file():
        raise FileNotFoundError(f"no XSTest completions for {model!r} at {path}")
    return _read_rows(path)


def load_completions(data_dir: str | Path, model: str) -> list[tuple[str, bool]]:
    """``(completion, human says refusal)`` pairs for one model's XSTest file."""
    return [(row["completion"], row["final_label"] in REFUSAL_LABELS) for row in read_completions(data_dir, model)]


def read_prompts(path: str | Path = PROMPTS_CSV) -> list[dict[str, str]]:
    """The rows of the prompts file (``id``, ``prompt``, ``type``, ``label``: ``safe`` or ``unsafe``, ...)."""
    return _read_rows(Path(path))

"""pyproject.toml's package list and package data: every subpackage ships, and every data pattern matches files."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("wsl_env", "metrics", "agents", "baselines", "train", "serve")
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _package_dir(package: str) -> Path:
    mapped = SETUPTOOLS.get("package-dir", {})
    return ROOT / mapped[package] if package in mapped else ROOT / package.replace(".", "/")


def test_every_code_package_is_listed() -> None:
    # packages are listed by hand (two are mapped data directories), so a new subpackage must be added there
    found = {
        ".".join(init.parent.relative_to(ROOT).parts) for top in TOP_LEVEL for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= set(SETUPTOOLS["packages"]), sorted(found - set(SETUPTOOLS["packages"]))
    assert {p.split(".")[0] for p in SETUPTOOLS["packages"]} == set(TOP_LEVEL)  # no new top-level package


@pytest.mark.parametrize("package", ["wsl_env.datafiles", "metrics.datafiles", "metrics", "train", "wsl_env"])
def test_every_data_pattern_matches_a_file(package: str) -> None:
    # a renamed or moved data file must not silently drop out of the wheel
    base = _package_dir(package)
    for pattern in SETUPTOOLS["package-data"][package]:
        assert list(base.glob(pattern)), f"{package}: {pattern} matches nothing under {base}"


def test_the_shipped_data_is_what_the_code_reads() -> None:
    from metrics.xstest_data import XSTEST_DIR
    from wsl_env.data.locations import DATA_ROOT

    assert DATA_ROOT == _package_dir("wsl_env.datafiles")
    assert XSTEST_DIR == _package_dir("metrics.datafiles") / "xstest"

"""Atomic writes: the file appears whole, replaces the old one, and leaves no temporary file behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wsl_env.io import atomic_write_bytes, atomic_write_text


def test_writes_and_replaces_without_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "out.txt"
    atomic_write_text(path, "old")  # creates the missing parent directory
    atomic_write_text(path, "new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]  # no .out.txt.*.tmp left


def test_mode_follows_the_umask_not_mkstemp(tmp_path: Path) -> None:
    # mkstemp makes a private 0600 file; the result must be an ordinary file (0666 minus the umask)
    mask = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    finally:
        os.umask(mask)
    assert (tmp_path / "b.bin").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "keep.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        atomic_write_bytes(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]

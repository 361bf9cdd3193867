"""Rows read from JSONL files with their ``file:line``, and the strict-or-skip policy for bad rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsl_env.io import atomic_write_text
from wsl_env.schema import iter_jsonl


class DataError(Exception):
    """A problem that stops the pipeline; the message is one line, ``file:line: problem`` for a bad row."""


@dataclass
class Record:
    """One JSON object and where it came from (``data/raw/gold.jsonl:12``)."""

    where: str
    data: dict[str, Any]


@dataclass
class Rejects:
    """Collects rejected rows. Strict (the default) raises :class:`DataError` on the first one instead."""

    skip_invalid: bool = False
    rows: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, where: str, reason: str, row: Any) -> None:
        """Record (or, when strict, raise) that the row at ``where`` is invalid because of ``reason``."""
        if not self.skip_invalid:
            raise DataError(f"{where}: {reason}")
        self.rows.append({"where": where, "reason": reason, "row": row})

    def write(self, path: str | Path) -> None:
        """Write the rejected rows (possibly none) as JSONL, atomically."""
        atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.rows))


def read_records(paths: Iterable[str | Path], rejects: Rejects) -> list[Record]:
    """Every non-blank line of the files as a :class:`Record`; bad JSON or a non-object is rejected."""
    records: list[Record] = []
    for path in paths:
        if not Path(path).is_file():
            raise DataError(f"{path}: no such file")
        for number, line in iter_jsonl(path):
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                rejects.reject(where, f"bad JSON ({exc.msg} at column {exc.colno})", line.rstrip("\n"))
                continue
            if not isinstance(data, dict):
                rejects.reject(where, f"a task must be a JSON object, got {type(data).__name__}", data)
                continue
            records.append(Record(where, data))
    return records


def rejects_path(out: str | Path) -> Path:
    """Where rejects of an output file go: ``x/train.jsonl -> x/train.rejected.jsonl``."""
    out = Path(out)
    return out.with_name(f"{out.stem}.rejected.jsonl")

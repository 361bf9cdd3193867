"""Text normalisation: Unicode NFC, straight quotes, collapsed whitespace (newlines kept in references)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from wsl_env.data.records import Record, Rejects
from wsl_env.schema import Task, TaskError

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
})
_SPACES = re.compile(r"[^\S\n]+")  # whitespace other than newlines
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_text(text: str, *, keep_newlines: bool = False) -> str:
    """NFC, curly to straight quotes, runs of whitespace to one space, stripped.

    With ``keep_newlines`` (references), each line is cleaned on its own, line breaks stay, and more than one
    blank line in a row becomes one.
    """
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).replace("\r\n", "\n").replace("\r", "\n")
    if not keep_newlines:
        return " ".join(text.split())
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _normalize_value(value: Any) -> Any:
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, list):
        return [_normalize_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalize_value(v) for k, v in value.items()}
    return value


def normalize_record(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a task dict with its text normalised; values of the wrong type are left for validation."""
    out = dict(data)
    for key in ("id", "category", "instruction", "context", "expected_behavior"):
        if isinstance(out.get(key), str):
            out[key] = normalize_text(out[key])
    if isinstance(out.get("reference"), str):
        out["reference"] = normalize_text(out["reference"], keep_newlines=True)
    if isinstance(out.get("facts"), dict):
        out["facts"] = _normalize_value(out["facts"])
    return out


def normalize_records(records: list[Record], rejects: Rejects) -> list[Record]:
    """Normalised records that follow the task schema; the others are rejected with the schema problem."""
    out: list[Record] = []
    for record in records:
        data = normalize_record(record.data)
        try:
            Task.from_dict(data)
        except TaskError as exc:
            rejects.reject(record.where, str(exc), record.data)
            continue
        out.append(Record(record.where, data))
    return out

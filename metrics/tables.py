"""Small tables in a text: which statistic and which athlete each cell's number belongs to.

A table is a run of two or more lines split into the same number of cells, by ``|`` (Markdown or plain), by
tabs or runs of two or more spaces (aligned columns), or by commas (a CSV export, three or more short cells), under
a header line of labels (cells without digits, or with a letter, no leading digit and no decimal or ``key: value``:
"Wave 1" and "8+ scores" are labels, "2nd" a value). Two layouts:

- athletes down the rows (``Surfer | Total | Best two waves`` / ``Hana Kowalczyk | 15.47 | 8.10 + 7.37``): a cell's
  statistic is read from its column header, its athlete is the one its row names;
- athletes across the columns (``Stat | Odette Rautenbach | Winona Kettle`` / ``Rank | 2 | 1``): a cell's statistic
  is read from its row label, its athlete is its column's.

:func:`table_cells` returns those hints; :mod:`metrics.attribution` uses them for numbers whose own words name no
statistic or athlete.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from metrics.entities import ATHLETE, Entities
from metrics.groups import GROUP, group_key
from metrics.statistics import before_statistic, statistic_before

__all__ = ["Cell", "table_cells"]

_PIPE = re.compile(r"\|")
_ALIGNED = re.compile(r"\t+|[ ]{2,}")
_COMMA = re.compile(r"[ \t]*,[ \t]*")  # a CSV export: "surfer,wave1,wave2,total"
_RULE = re.compile(r"^[\s|:+\-=]*$")  # a Markdown separator row such as |---|:--|


class Cell(NamedTuple):
    """A table cell: its span in the text, the statistic its header or row label names (``None`` if none; may be
    ``"wave_or_count"`` or ``"record"``, resolved per number), and the athlete (or the round or division,
    :mod:`metrics.groups`) it belongs to.
    """

    start: int
    end: int
    statistic: str | None
    subject: str | None
    kind: str = ATHLETE  # the subject's kind: an athlete, or a group


def _split(line: str, offset: int, separator: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """The cells of a line as ``(start, end, text)`` with offsets in the whole text. Empty cells made by a leading
    or trailing separator ("| a | b |") are dropped; an empty cell inside the row is kept.
    """
    spans = []
    last = 0
    for match in separator.finditer(line):
        spans.append((last, match.start()))
        last = match.end()
    spans.append((last, len(line)))
    if spans and not line[spans[0][0] : spans[0][1]].strip():
        spans = spans[1:]
    if spans and not line[spans[-1][0] : spans[-1][1]].strip():
        spans = spans[:-1]
    out = []
    for start, end in spans:
        raw = line[start:end]
        text = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        out.append((offset + start + lead, offset + start + lead + len(text), text))
    return out


def _athlete(text: str, entities: Entities) -> str | None:
    found = {entities.aliases[alias][1] for _, _, alias in entities.names.find(text)} if entities.names else set()
    athletes = [name for name in found if name in entities.athletes]
    return athletes[0] if len(athletes) == 1 else None


_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)")  # "wave1": "wave 1"
_EXCELLENT_LABEL = re.compile(r"exc\b|exc\.|excellent")  # "Exc", "Exc. scores": a column of excellent scores


def _label(text: str) -> str | None:
    """The statistic a header or row label names: a phrase ("Avg heat") before a cue that would touch a number
    ("heat", as in "Heat 3"), which a label's end never does. Export headers read as words: "heats_surfed" as
    "heats surfed", "wave1" as "wave 1".
    """
    lower = _LETTER_DIGIT.sub(" ", text.lower().replace("_", " ")) + " "
    stat = before_statistic(lower, 0, len(lower), None) or statistic_before(lower)
    return stat or ("excellent" if _EXCELLENT_LABEL.match(lower) else None)


def _block_cells(rows: list[list[tuple[int, int, str]]], entities: Entities) -> list[Cell]:
    header, body = rows[0], rows[1:]
    column_athletes = [_athlete(text, entities) for _, _, text in header]
    out: list[Cell] = []
    if any(column_athletes[1:]):  # athletes across the columns: the row label names the statistic
        for row in body:
            statistic = _label(row[0][2])
            for j, (start, end, _) in enumerate(row[1:], start=1):
                out.append(Cell(start, end, statistic, column_athletes[j]))
        return out
    labels = [_label(text) for _, _, text in header]
    for row in body:
        athlete = _athlete(" | ".join(text for _, _, text in row), entities)
        group = group_key(row[0][2]) if athlete is None and entities.groups else None
        subject, kind = (group, GROUP) if group in entities.groups else (athlete, ATHLETE)
        row_label = _label(row[0][2])  # a key-value table ("Stat | Value" / "Points | 14,880")
        for j, (start, end, _) in enumerate(row):
            out.append(Cell(start, end, labels[j] or (row_label if j else None), subject, kind))
    return out


_THRESHOLD_LABEL = re.compile(r"\d+\+[ \t]*[A-Za-z]")  # "8+ scores": a column of excellent scores, not a value
_VALUE_IN_LABEL = re.compile(r":[ \t]*\d|\d[.,]\d")  # "Rank: 10th", "16.93", "14,880": a value, not a label


def _is_header(cells: list[tuple[int, int, str]]) -> bool:
    """Whether a row's cells are column labels: digit-free ("#", "Surfer"), or with a letter, not starting with a
    digit and holding no ``key: value`` or decimal, so "Wave 1", "R32" and "Excellent (8+)" label columns while
    "2nd", "14,880", "8.10 + 7.37" and "Rank: 10th" are values.
    """
    labels = [text for _, _, text in cells if text]  # an empty corner cell is kept ("| | Farida Okwu |")
    return bool(labels) and all(
        not any(c.isdigit() for c in text)  # "#", "Surfer", "Pts": digit-free, as before
        or ((not text[0].isdigit() or _THRESHOLD_LABEL.match(text) is not None) and any(c.isalpha() for c in text)
            and not _VALUE_IN_LABEL.search(text))
        for text in labels
    )


def _separators(line: str, csv: bool) -> tuple[re.Pattern[str], ...]:
    """The separators worth splitting ``line`` by: a line without one is a single cell, never a table row. Commas
    split only a line with neither pipes nor tabs that is a CSV header or follows one (``csv``).
    """
    pipe = (_PIPE,) if "|" in line else ()
    if "\t" in line or "  " in line:
        return (*pipe, _ALIGNED)
    return pipe or ((_COMMA,) if csv and line.count(",") >= 2 else ())


_CSV_CELL = 40  # a comma-separated line with a longer cell is prose, not a CSV row
# A CSV header: three or more comma-separated labels of letters, digits, spaces, "_" or "." and nothing else.
_CSV_LABELS = r"[ \t]*[A-Za-z][\w. ]{0,39}(?:,[ \t]*[A-Za-z][\w. ]{0,39}){2,}[ \t]*"
_CSV_HEADER = re.compile(rf"(?m)^{_CSV_LABELS}$")
_CSV_HEADER_LINE = re.compile(_CSV_LABELS)


def table_cells(text: str, entities: Entities) -> list[Cell]:
    """The cells of every table in ``text``, in order (offsets in ``text``); ``[]`` for a text without tables."""
    csv = "," in text and _CSV_HEADER.search(text) is not None
    if "|" not in text and "\t" not in text and "   " not in text and not csv:
        return []
    out: list[Cell] = []
    block: list[list[tuple[int, int, str]]] = []
    block_kind = None
    offset = 0
    for line in text.split("\n"):
        kind = None
        cells: list[tuple[int, int, str]] = []
        if not _RULE.match(line):
            comma = csv and (block_kind is _COMMA or _CSV_HEADER_LINE.fullmatch(line) is not None)
            for separator in _separators(line, comma):
                cells = _split(line, offset, separator)
                if len(cells) >= 2 and (separator is _PIPE or len(cells) >= 3) and (
                        separator is not _COMMA or all(len(text) <= _CSV_CELL for _, _, text in cells)):
                    kind = separator
                    break
        elif block and "|" in line:
            offset += len(line) + 1
            continue  # a Markdown rule row inside a table
        if kind is not None and block and kind is block_kind and len(cells) == len(block[0]):
            block.append(cells)
        else:
            if len(block) >= 2:
                out += _block_cells(block, entities)
            block, block_kind = [], None
            if kind is not None and _is_header(cells):
                block, block_kind = [cells], kind
        offset += len(line) + 1
    if len(block) >= 2:
        out += _block_cells(block, entities)
    return out

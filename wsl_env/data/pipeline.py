"""The pipeline steps as functions over files: normalize, validate, split, report, and ``build`` (all four).

Each returns a short summary; bad rows raise :class:`~wsl_env.data.records.DataError` (``file:line: problem``)
unless ``skip_invalid`` is set, in which case they are written, with their reasons, to a ``.rejected.jsonl``
file next to the output. All outputs are written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wsl_env.data.factcheck import FactCheck, check_facts
from wsl_env.data.normalize import normalize_records
from wsl_env.data.records import DataError, Record, Rejects, read_records, rejects_path
from wsl_env.data.report import write_report
from wsl_env.data.split import DEFAULT_FRACTIONS, SPLITS, split_tasks
from wsl_env.data.validate import dedupe_key, validate_records
from wsl_env.schema import Task, TaskError, dump_tasks, load_tasks

DEFAULT_RAW_DIR = Path("data/raw")
DEFAULT_OUT_DIR = Path("data/processed")
DEFAULT_GENERATED = 600


@dataclass
class Summary:
    """What a step did, for the command line: one line per message."""

    messages: list[str] = field(default_factory=list)
    rejected: int = 0

    def __str__(self) -> str:
        return "\n".join(self.messages)


def raw_inputs(raw_dir: str | Path = DEFAULT_RAW_DIR) -> list[Path]:
    """The ``*.jsonl`` files of a raw-data directory, sorted."""
    paths = sorted(Path(raw_dir).glob("*.jsonl"))
    if not paths:
        raise DataError(f"{raw_dir}: no *.jsonl files")
    return paths


def _finish(summary: Summary, rejects: Rejects, path: Path) -> None:
    if rejects.skip_invalid:
        rejects.write(path)
        summary.rejected = len(rejects.rows)
        summary.messages.append(f"rejected {len(rejects.rows)} rows (with reasons) -> {path}")


def normalize(inputs: Sequence[str | Path], out: str | Path, *, skip_invalid: bool = False) -> Summary:
    """Normalise the text of task files into one JSONL file (rows that break the schema are not written)."""
    rejects = Rejects(skip_invalid)
    records = normalize_records(read_records(inputs, rejects), rejects)
    dump_tasks([Task.from_dict(r.data) for r in records], out)
    summary = Summary([f"normalize: wrote {len(records)} tasks to {out}"])
    _finish(summary, rejects, rejects_path(out))
    return summary


def validate(inputs: Sequence[str | Path], out: str | Path | None = None, *, skip_invalid: bool = False) -> Summary:
    """Check task files; with ``out``, write the valid tasks there."""
    rejects = Rejects(skip_invalid)
    valid = validate_records(read_records(inputs, rejects), rejects)
    summary = Summary([f"validate: {len(valid)} valid tasks in {', '.join(map(str, inputs))}"])
    if out is not None:
        dump_tasks([c.task for c in valid], out)
        summary.messages.append(f"wrote {len(valid)} tasks to {out}")
    _finish(summary, rejects, rejects_path(out if out is not None else inputs[0]))
    return summary


def generated_records(n: int, seed: int) -> list[Record]:
    """``n`` tasks from ``TaskGenerator(seed)`` as records named ``<TaskGenerator seed=S>:index``."""
    from wsl_env.generator import TaskGenerator

    return [Record(f"<TaskGenerator seed={seed}>:{t.id.rsplit('-', 1)[1]}", t.to_dict())
            for t in TaskGenerator(seed).sample(n)]


def generate(n: int, seed: int, out: str | Path, *, exclude_dir: str | Path | None = DEFAULT_OUT_DIR) -> Summary:
    """Write ``n`` fresh tasks from ``TaskGenerator(seed)`` to ``out``: a new held-out set, e.g. to check a model
    on tasks no training or selection choice has seen.

    Tasks are validated like the splits, and any whose context (normalised as for near-duplicates) appears in the
    splits under ``exclude_dir`` is dropped, so the file never overlaps train, val or test.
    """
    if n < 1:
        raise DataError(f"-n must be at least 1, got {n}")
    seen: set[str] = set()
    if exclude_dir is not None:
        if not all((Path(exclude_dir) / f"{name}.jsonl").is_file() for name in SPLITS):
            raise DataError(f"no {'/'.join(SPLITS)}.jsonl in {exclude_dir} to exclude: build the splits first "
                            "(python -m wsl_env.data all) or point --exclude-dir at them")
        seen = {dedupe_key(t.context) for split in load_splits(exclude_dir).values() for t in split}
    tasks = [c.task for c in validate_records(generated_records(n, seed), Rejects(skip_invalid=False))]
    fresh = [t for t in tasks if dedupe_key(t.context) not in seen]
    dump_tasks(fresh, out)
    where = f"not in {exclude_dir}" if exclude_dir is not None else "nothing excluded"
    return Summary([f"generate: {len(fresh)} tasks from TaskGenerator(seed={seed}) ({len(tasks) - len(fresh)} dropped, "
                    f"{where}) -> {out}"])


def _write_splits(tasks: list[Task], out_dir: Path, fractions: tuple[float, float, float], seed: int,
                  summary: Summary) -> dict[str, list[Task]]:
    splits = split_tasks(tasks, fractions=fractions, seed=seed)
    for name in SPLITS:
        dump_tasks(splits[name], out_dir / f"{name}.jsonl")
    counts = ", ".join(f"{name} {len(splits[name])}" for name in SPLITS)
    summary.messages.append(f"split: {counts} -> {out_dir}/{{{','.join(SPLITS)}}}.jsonl")
    return splits


def split(
    inputs: Sequence[str | Path] | None = None,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    *,
    generated: int = DEFAULT_GENERATED,
    seed: int = 0,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    skip_invalid: bool = False,
) -> Summary:
    """Normalise and validate ``inputs`` (default ``data/raw/*.jsonl``) plus ``generated`` tasks from
    ``TaskGenerator(seed)``, then write leak-free stratified ``train/val/test.jsonl`` into ``out_dir``.
    """
    out_dir = Path(out_dir)
    rejects = Rejects(skip_invalid)
    records = normalize_records(read_records(inputs or raw_inputs(), rejects), rejects)
    valid = validate_records(records + generated_records(generated, seed), rejects)
    summary = Summary([f"validate: {len(valid)} valid tasks ({len(records)} from files, {generated} generated)"])
    _write_splits([c.task for c in valid], out_dir, fractions, seed, summary)
    _finish(summary, rejects, out_dir / "rejected.jsonl")
    return summary


def load_splits(in_dir: str | Path = DEFAULT_OUT_DIR) -> dict[str, list[Task]]:
    """``train/val/test.jsonl`` of a directory; a malformed file raises ``DataError``."""
    try:
        return {name: load_tasks(Path(in_dir) / f"{name}.jsonl") for name in SPLITS}
    except (TaskError, FileNotFoundError) as exc:
        raise DataError(str(exc)) from None


def report(in_dir: str | Path = DEFAULT_OUT_DIR, out_dir: str | Path | None = None) -> Summary:
    """Write ``report.md`` and ``report.png`` for the splits in ``in_dir`` (into ``out_dir``, default the same)."""
    markdown, png = write_report(load_splits(in_dir), out_dir if out_dir is not None else in_dir)
    return Summary([f"report: wrote {markdown} and {png}"])


def build(
    raw_dir: str | Path = DEFAULT_RAW_DIR,
    out_dir: str | Path = DEFAULT_OUT_DIR,
    *,
    generated: int = DEFAULT_GENERATED,
    seed: int = 0,
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    skip_invalid: bool = False,
) -> Summary:
    """Normalize -> validate -> split -> report, in memory, so every error names the raw ``file:line``.

    Writes ``normalized.jsonl`` (the raw files, normalised), ``train/val/test.jsonl``, ``report.md`` and
    ``report.png`` into ``out_dir``; with ``skip_invalid``, also ``rejected.jsonl``.
    """
    out_dir = Path(out_dir)
    rejects = Rejects(skip_invalid)
    records = normalize_records(read_records(raw_inputs(raw_dir), rejects), rejects)
    dump_tasks([Task.from_dict(r.data) for r in records], out_dir / "normalized.jsonl")
    summary = Summary([f"normalize: {len(records)} tasks from {raw_dir} -> {out_dir / 'normalized.jsonl'}"])
    valid = validate_records(records + generated_records(generated, seed), rejects)
    summary.messages.append(f"validate: {len(valid)} valid tasks ({len(records)} from files, {generated} generated)")
    splits = _write_splits([c.task for c in valid], out_dir, fractions, seed, summary)
    markdown, png = write_report(splits, out_dir)
    summary.messages.append(f"report: wrote {markdown} and {png}")
    _finish(summary, rejects, out_dir / "rejected.jsonl")
    return summary


def factcheck(inputs: Sequence[str | Path] | None = None) -> FactCheck:
    """Check the claims reader against the generator's facts on task files (default: the three splits)."""
    if inputs:
        try:
            tasks = [t for path in inputs for t in load_tasks(path)]
        except (TaskError, FileNotFoundError) as exc:
            raise DataError(str(exc)) from None
    else:
        tasks = [t for split_tasks in load_splits().values() for t in split_tasks]
    return check_facts(tasks)

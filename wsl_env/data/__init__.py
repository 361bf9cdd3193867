"""The data pipeline: ``python -m wsl_env.data normalize|validate|split|report|all``.

Raw task files (``data/raw/*.jsonl``, hand-written gold) are normalised, validated (schema, references that
earn full marks, duplicate ids, near-duplicates), joined with :class:`~wsl_env.generator.TaskGenerator` tasks and
split into leak-free, stratified ``data/processed/{train,val,test}.jsonl``, with a Markdown + PNG report.
"""

from wsl_env.data.normalize import normalize_record, normalize_text
from wsl_env.data.pipeline import build, normalize, report, split, validate
from wsl_env.data.records import DataError
from wsl_env.data.split import split_tasks
from wsl_env.data.validate import validate_records

__all__ = [
    "DataError",
    "build",
    "normalize",
    "normalize_record",
    "normalize_text",
    "report",
    "split",
    "split_tasks",
    "validate",
    "validate_records",
]

"""The data pipeline's normalize and validate steps, and the CLI's handling of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wsl_env.data.__main__ import main
from wsl_env.data.normalize import normalize_record, normalize_text
from wsl_env.data.records import Rejects
from wsl_env.data.validate import NearDuplicateIndex, jaccard, shingles, validate_records
from wsl_env.generator import TaskGenerator
from wsl_env.schema import load_tasks

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "id": "t1",
    "category": "recap",
    "instruction": "Recap Heat 3.",
    "context": "Heat 3 at the Gannet Bay Pro: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat Leo Santos "
               "on 13.65.",
    "expected_behavior": "answer",
    "constraints": {"bullets": 2, "min_hashtags": 1, "max_hashtags": 2, "max_words": 60},
    "reference": "Kai Moana wins Heat 3!\n1. Kai posted 17.10 from a 9.10 and an 8.00.\n"
                 "2. Leo Santos finished on 13.65, 3.45 back.\n#WSL",
}


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def generated_rows(n: int, seed: int = 0) -> list[dict]:
    return [t.to_dict() for t in TaskGenerator(seed).sample(n)]


@pytest.mark.parametrize(
    ("text", "keep_newlines", "expected"),
    [
        ("Cafe\u0301 Reef", False, "Caf\u00e9 Reef"),  # NFC: e + combining accent becomes one character
        ("\u201cKai\u2019s 9.10\u201d", False, "\"Kai's 9.10\""),  # curly quotes and apostrophes straightened
        ("  Kai \t scored\u00a0 17.10 \n\n next ", False, "Kai scored 17.10 next"),  # all whitespace collapsed
        (" Title  here \r\n1.  Kai   17.10 \n\n\n\n#WSL ", True, "Title here\n1. Kai 17.10\n\n#WSL"),  # lines kept
    ],
)
def test_normalize_text(text: str, keep_newlines: bool, expected: str) -> None:
    assert normalize_text(text, keep_newlines=keep_newlines) == expected


def test_normalize_record_keeps_reference_lines_and_fixes_facts() -> None:
    out = normalize_record({**GOOD, "instruction": "Recap  \u201cHeat 3\u201d.", "facts": {"names": ["Kai\u2019s"]}})
    assert out["instruction"] == 'Recap "Heat 3".'
    assert out["reference"].count("\n") == GOOD["reference"].count("\n")  # newlines survive
    assert out["facts"] == {"names": ["Kai's"]}
    assert normalize_record({**GOOD, "instruction": 7})["instruction"] == 7  # wrong types are left for validation


def test_normalize_cli(tmp_path: Path) -> None:
    raw = write_jsonl(tmp_path / "raw.jsonl", [{**GOOD, "context": "  " + GOOD["context"].replace("'", "\u2019")}])
    out = tmp_path / "out" / "norm.jsonl"
    assert main(["normalize", str(raw), "-o", str(out)]) == 0
    assert load_tasks(out)[0].context == GOOD["context"]


BAD_ROWS = [
    ('{"id": "x", ', "bad JSON"),  # truncated JSON
    (json.dumps({k: v for k, v in GOOD.items() if k != "context"} | {"id": "x"}), "missing field"),  # no context
    (json.dumps(GOOD | {"id": "x", "context": ["not", "text"]}), "context must be a string"),  # wrong type
    (json.dumps(GOOD | {"id": "x", "constraints": {"bullets": "2"}}), "constraints.bullets"),  # wrong nested type
    (json.dumps(GOOD | {"context": GOOD["context"] + " Kai caught 9 waves."}), "duplicate id 't1'"),  # id reused
    (json.dumps(GOOD | {"id": "x", "category": "gossip"}), "category must be one of"),  # unknown category
    (json.dumps(GOOD | {"id": "x", "category": "harmful", "context": "Other."}), "needs expected_behavior"),
    (json.dumps(GOOD | {"id": "x", "context": GOOD["context"] + " Fine.",
                        "reference": GOOD["reference"].replace("3.45", "4.45")}), "not supported"),  # invented number
    (json.dumps(GOOD | {"id": "x", "context": GOOD["context"] + " Fine.",
                        "reference": GOOD["reference"].replace("2. ", "")}), "bullets"),  # 1 bullet, 2 asked
    (json.dumps(GOOD | {"id": "x"}), "same instruction and context as"),  # exact duplicate text, new id
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_validate_bad_row_gives_file_line_error(tmp_path: Path, capsys: pytest.CaptureFixture, row: str,
                                                message: str) -> None:
    path = write_jsonl(tmp_path / "tasks.jsonl", [GOOD, row])
    out = tmp_path / "valid.jsonl"
    assert main(["validate", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:2: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err  # exactly one line
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize(("row", "message"), BAD_ROWS[:4])
def test_normalize_rejects_malformed_rows_too(tmp_path: Path, capsys: pytest.CaptureFixture, row: str,
                                              message: str) -> None:
    path = write_jsonl(tmp_path / "raw.jsonl", [GOOD, row])
    assert main(["normalize", str(path), "-o", str(tmp_path / "n.jsonl")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {path}:2: ")


def test_skip_invalid_writes_every_reject_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = [GOOD] + [row for row, _ in BAD_ROWS] + generated_rows(3)
    path = write_jsonl(tmp_path / "tasks.jsonl", rows)
    out = tmp_path / "valid.jsonl"
    assert main(["validate", str(path), "-o", str(out), "--skip-invalid"]) == 0
    rejected = [json.loads(line) for line in (tmp_path / "valid.rejected.jsonl").read_text().splitlines()]
    assert [r["where"] for r in rejected] == [f"{path}:{i}" for i in range(2, 2 + len(BAD_ROWS))]
    for record, (_, message) in zip(rejected, BAD_ROWS, strict=True):
        assert message in record["reason"]
    assert rejected[0]["row"] == '{"id": "x", '  # unparseable rows are kept verbatim
    assert len(load_tasks(out)) == 4  # GOOD and the generated rows survive
    assert f"rejected {len(BAD_ROWS)} rows" in capsys.readouterr().out


def test_cli_exit_code_and_stderr_in_a_real_process(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "tasks.jsonl", [GOOD, '{"broken'])
    result = subprocess.run([sys.executable, "-m", "wsl_env.data", "validate", str(path)], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}:2: bad JSON") and result.stderr.count("\n") == 1


def test_missing_input_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "normalize"])
def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                    command: str) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + '{"id": "caf\u00e9"}\n'.encode("latin-1"))
    assert main([command, str(path), "-o", str(tmp_path / "out.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: not UTF-8 text") and err.count("\n") == 1


def test_an_output_that_is_a_directory_and_a_negative_count_are_usage_errors(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture) -> None:
    assert main(["generate", "-n", "2", "--seed", "1", "-o", str(tmp_path)]) == 2  # -o names a directory
    assert "Is a directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["split", "--generated", "-5", "--out-dir", str(tmp_path / "s")])
    assert exc.value.code == 2 and "expected a number >= 0" in capsys.readouterr().err


def test_near_duplicate_index() -> None:
    index = NearDuplicateIndex()
    base = "Recap Heat 3.\n" + GOOD["context"]
    assert index.check_and_add(base, "a:1") is None
    assert "same instruction and context as a:1" in index.check_and_add(base.upper() + "  ", "a:2")  # case/space
    near = index.check_and_add(base.replace("Gannet Bay Pro", "Gannet Bay Pros"), "a:3")  # one letter more
    assert near is not None and "near-duplicate of a:1" in near
    assert index.check_and_add("Compare Ava and Leo.\n" + GOOD["context"].replace("17.10", "11.70"), "a:4") is None


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [("abcdefgh", "abcdefgh", 1.0, 1.0), ("abcdefgh", "zyxwvuts", 0.0, 0.0), ("abcdefgh", "abcdefgx", 0.5, 0.9)],
)
def test_jaccard(a: str, b: str, low: float, high: float) -> None:
    assert low <= jaccard(shingles(a), shingles(b)) <= high


def test_generated_tasks_are_not_near_duplicates_of_each_other() -> None:
    from wsl_env.data.records import Record

    records = [Record(f"g:{i}", row) for i, row in enumerate(generated_rows(400, seed=4))]
    rejects = Rejects(skip_invalid=True)
    assert len(validate_records(records, rejects)) == 400 and rejects.rows == []


def test_factcheck_reads_every_split_task_back_to_its_facts() -> None:
    # the claims reader reproduces the generator's structured facts on every generated task of the splits
    from wsl_env.data.pipeline import factcheck

    result = factcheck()
    assert result.checked == 600 and result.matched == result.checked, str(result)


def test_factcheck_reports_a_mismatch() -> None:
    # a context that says less than its facts is a mismatch, listed with what is missing
    from wsl_env.data.factcheck import check_facts
    from wsl_env.generator import TaskGenerator

    task = TaskGenerator(0).task(0)
    broken = type(task).from_dict({**task.to_dict(), "context": "Nothing to read here."})
    result = check_facts([task, broken])
    assert (result.matched, result.checked) == (1, 2) and result.mismatches[0]["missing"]

"""Splits (leak-free, stratified, deterministic), the report, the `all` build, and the hand-written gold data."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from wsl_env.data.__main__ import main
from wsl_env.data.checks import reference_problems
from wsl_env.data.split import SPLITS, source_of, split_tasks
from wsl_env.data.validate import dedupe_key
from wsl_env.generator import TaskGenerator
from wsl_env.schema import ANSWER_CATEGORIES, CATEGORIES, Task, load_tasks

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "data" / "raw" / "gold.jsonl"


@pytest.fixture(scope="module")
def gold() -> list[Task]:
    return load_tasks(GOLD)


@pytest.fixture(scope="module")
def pool(gold: list[Task]) -> list[Task]:
    """Gold plus generated tasks, plus a few generated tasks that share a context with another task."""
    generated = TaskGenerator(seed=8).sample(300)
    twins = [Task.from_dict({**t.to_dict(), "id": f"twin-{i}", "instruction": "Another angle on this: " +
                             t.instruction}) for i, t in enumerate(generated[:12])]
    return gold + generated + twins


def contexts(tasks: list[Task]) -> set[str]:
    return {dedupe_key(t.context) for t in tasks}


def test_no_context_is_shared_across_splits(pool: list[Task]) -> None:
    splits = split_tasks(pool, seed=0)
    train, val, test = (contexts(splits[name]) for name in SPLITS)
    assert not train & val and not train & test and not val & test
    assert sum(len(v) for v in splits.values()) == len(pool)  # nothing dropped or duplicated


def test_twins_stay_together(pool: list[Task]) -> None:
    where = {t.id: name for name, tasks in split_tasks(pool, seed=1).items() for t in tasks}
    for i in range(12):
        assert where[f"twin-{i}"] == where[f"gen-8-{i}"]


def test_split_is_deterministic_for_a_seed(pool: list[Task]) -> None:
    assert split_tasks(pool, seed=3) == split_tasks(list(pool), seed=3)
    assert split_tasks(pool, seed=3)["test"] != split_tasks(pool, seed=4)["test"]


def test_split_is_stratified_and_test_has_gold(pool: list[Task]) -> None:
    splits = split_tasks(pool, fractions=(0.8, 0.1, 0.1), seed=0)
    for name in SPLITS:
        assert set(Counter(t.category for t in splits[name])) == set(CATEGORIES)  # every category everywhere
    gold_in_test = Counter(t.category for t in splits["test"] if source_of(t) == "gold")
    assert set(gold_in_test) == set(CATEGORIES)  # gold of each category is held out for testing
    total = Counter(t.category for t in pool)
    for category in CATEGORIES:
        share = sum(t.category == category for t in splits["test"]) / total[category]
        assert 0.05 <= share <= 0.2  # about 10% of each category, not of the whole


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.9, 0.2, 0.1), (1.2, -0.1, -0.1)])
def test_bad_fractions_rejected(pool: list[Task], fractions: tuple) -> None:
    with pytest.raises(ValueError):
        split_tasks(pool, fractions=fractions)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    (raw / "gold.jsonl").write_text(GOLD.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path_factory.mktemp("processed")
    assert main(["all", "--raw-dir", str(raw), "--out-dir", str(out), "--generated", "120", "--seed", "5"]) == 0
    return out


def test_all_writes_every_output(built: Path) -> None:
    for name in ("normalized.jsonl", "train.jsonl", "val.jsonl", "test.jsonl", "report.md", "report.png"):
        assert (built / name).stat().st_size > 0
    assert (built / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sum(len(load_tasks(built / f"{name}.jsonl")) for name in SPLITS) == len(load_tasks(GOLD)) + 120


def test_report_counts_match_the_splits(built: Path) -> None:
    text = (built / "report.md").read_text(encoding="utf-8")
    test = load_tasks(built / "test.jsonl")
    counts = Counter(t.category for t in test)
    assert f"| test | {' | '.join(str(counts[c]) for c in CATEGORIES)} | {len(test)} |" in text
    for heading in ("## Tasks per category", "## Behaviour and source", "## Lengths", "## Numbers per context"):
        assert heading in text


def test_report_command_rewrites_the_report(built: Path, tmp_path: Path) -> None:
    assert main(["report", "--in-dir", str(built), "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "report.md").read_text() == (built / "report.md").read_text()


def test_split_command_reads_data_raw_by_default_and_is_reproducible(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "gold.jsonl").write_text(GOLD.read_text(encoding="utf-8"), encoding="utf-8")
    outputs = []
    for run in ("a", "b"):
        assert main(["split", "--out-dir", run, "--generated", "60", "--seed", "2"]) == 0
        outputs.append([(tmp_path / run / f"{name}.jsonl").read_text() for name in SPLITS])
    assert outputs[0] == outputs[1]
    assert sum(len(load_tasks(tmp_path / "a" / f"{name}.jsonl")) for name in SPLITS) == len(load_tasks(GOLD)) + 60


def test_generate_writes_fresh_tasks_that_share_no_context_with_the_splits(built: Path, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    split_contexts = contexts([t for name in SPLITS for t in load_tasks(built / f"{name}.jsonl")])
    # the splits were built from TaskGenerator(seed=5): all 120 of its first tasks are in them, so they are dropped
    out = tmp_path / "fresh.jsonl"
    assert main(["generate", "-n", "150", "--seed", "5", "-o", str(out), "--exclude-dir", str(built)]) == 0
    fresh = load_tasks(out)
    assert [t.id for t in fresh] == [f"gen-5-{i}" for i in range(120, 150)]
    assert not contexts(fresh) & split_contexts
    assert "30 tasks from TaskGenerator(seed=5) (120 dropped" in capsys.readouterr().out
    # another seed: nothing to drop, the same tasks on every run
    other = tmp_path / "other.jsonl"
    assert main(["generate", "-n", "12", "--seed", "9", "-o", str(other), "--exclude-dir", str(built)]) == 0
    assert [t.to_dict() for t in load_tasks(other)] == [t.to_dict() for t in TaskGenerator(seed=9).sample(12)]
    assert "(0 dropped" in capsys.readouterr().out


def test_generate_needs_a_positive_count(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["generate", "-n", "0", "--seed", "1", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "-n must be at least 1" in capsys.readouterr().err


def test_generate_without_the_splits_to_exclude_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "x.jsonl"
    assert main(["generate", "-n", "3", "--seed", "1", "-o", str(out), "--exclude-dir", str(tmp_path)]) == 2
    assert "build the splits first" in capsys.readouterr().err and not out.exists()


def test_split_skip_invalid_reports_rejects(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    raw = tmp_path / "raw.jsonl"
    raw.write_text(GOLD.read_text(encoding="utf-8") + '{"id": oops}\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["split", str(raw), "--out-dir", str(out), "--generated", "12"]) == 2  # strict by default
    assert not (out / "train.jsonl").exists()
    assert main(["split", str(raw), "--out-dir", str(out), "--generated", "12", "--skip-invalid"]) == 0
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [r["where"] for r in rejected] == [f"{raw}:{len(load_tasks(GOLD)) + 1}"]
    assert "rejected 1 rows" in capsys.readouterr().out


def test_all_without_raw_files_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["all", "--raw-dir", str(tmp_path), "--out-dir", str(tmp_path / "out")]) == 2
    assert "no *.jsonl files" in capsys.readouterr().err


# --- the hand-written gold data ---------------------------------------------------------------------------------


def test_gold_size_and_mix(gold: list[Task]) -> None:
    counts = Counter(t.category for t in gold)
    assert len(gold) >= 60 and set(counts) == set(CATEGORIES)
    refuse = [t for t in gold if t.expected_behavior == "refuse"]
    assert len(refuse) >= 0.25 * len(gold)
    assert counts["harmful"] >= 10 and counts["unanswerable"] >= 10  # both kinds of refusal
    assert all(t.id.startswith("gold-") and t.reference for t in gold)


@pytest.mark.parametrize(
    "phrase",
    ["killed it", "destroyed the field", "shot to the top of the rankings", "murdered that barrel",
     "brutal conditions", "savage air reverse"],
)
def test_alarming_but_benign_prompts_are_answered(gold: list[Task], phrase: str) -> None:
    matches = [t for t in gold if phrase in t.instruction.lower()]
    assert any(t.category in ANSWER_CATEGORIES and t.expected_behavior == "answer" for t in matches)


def test_gold_references_get_full_marks_from_metrics(gold: list[Task]) -> None:
    assert {t.id: reference_problems(t) for t in gold if reference_problems(t)} == {}


def test_gold_is_normalized_and_valid(tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    assert main(["validate", str(GOLD), "-o", str(out)]) == 0
    assert load_tasks(out) == load_tasks(GOLD)
    assert main(["normalize", str(GOLD), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == GOLD.read_text(encoding="utf-8")  # already normal form

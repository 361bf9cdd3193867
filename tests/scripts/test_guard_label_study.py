"""``scripts/guard_label_study.py``: blind items from two runs, and the labels' figures per run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import metrics
from wsl_env.generator import TaskGenerator

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "guard_label_study.py"
_SPEC = importlib.util.spec_from_file_location("guard_label_study", _SCRIPT)
assert _SPEC is not None and _SPEC.loader is not None
study = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(study)


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture
def study_dir(tmp_path: Path) -> tuple[Path, list[Any]]:
    tasks = [t for t in TaskGenerator(3).sample(12) if t.expected_behavior == "answer"][:3]
    _write(tmp_path / "tasks.jsonl", [t.to_dict() for t in tasks])
    posts = {"plain": ["Score 17.10 and 4.", "Nothing here.", "It was 9."],
             "guard": ["Score 17.10 and 4.", "A 3 at last.", "No figure."]}  # task 0 alike: one item
    for name, texts in posts.items():
        _write(tmp_path / "runs" / name / "results.jsonl",
               [{"id": t.id, "response": r} for t, r in zip(tasks, texts, strict=True)])
    out = tmp_path / "study"
    summary = study.build(str(tmp_path / "tasks.jsonl"), {n: tmp_path / "runs" / n for n in posts}, out, parts=2)
    assert summary == {"items": 3, "numbers": 4}  # 17.10 and 4 (both runs), 9 (plain), 3 (guard)
    return out, tasks


def _label(out: Path, which: str, labels: dict[str, str]) -> None:
    for k in (1, 2):
        rows = [json.loads(line) for line in (out / f"part-{k}.jsonl").read_text().splitlines()]
        _write(out / f"labels-{k}-{which}.jsonl", [
            {"id": r["id"], "labels": [{"start": c["start"], "text": c["text"], "label": labels[c["text"]]}
                                       for c in r["claims"]]} for r in rows])


def test_build_pools_identical_posts_and_hides_the_runs(study_dir: tuple[Path, list[Any]]) -> None:
    out, tasks = study_dir
    items = [json.loads(line) for line in (out / "unlabelled.jsonl").read_text().splitlines()]
    key = json.loads((out / "key.json").read_text())
    assert all(set(i) == {"id", "task", "response", "claims"} for i in items)  # nothing says which run wrote it
    assert sorted(sorted(v["runs"]) for v in key["items"].values()) == [["guard"], ["guard", "plain"], ["plain"]]
    assert sum(len((out / f"part-{k}.jsonl").read_text().splitlines()) for k in (1, 2)) == 3


def test_score_counts_labels_per_run(study_dir: tuple[Path, list[Any]]) -> None:
    out, _ = study_dir
    labels = {"17.10": "true", "4": "misattributed", "9": "unsupported", "3": "true"}
    _label(out, "a", labels)
    _label(out, "b", labels | {"3": "unclear"})  # one disagreement
    with pytest.raises(SystemExit, match="1 disagreements"):
        study.score(out)
    item = next(i for i, v in json.loads((out / "key.json").read_text())["items"].items() if v["runs"] == ["guard"])
    _write(out / "adjudication.jsonl", [{"id": item, "start": 2, "label": "true", "note": "a 3 it posted"}])
    result = study.score(out)
    plain, guard = result["runs"]["plain"], result["runs"]["guard"]
    assert (plain["true"], plain["misattributed"], plain["unsupported"]) == (1, 1, 1)
    assert (guard["true"], guard["misattributed"], guard["unsupported"]) == (2, 1, 0)
    assert plain["false_per_task"] == pytest.approx(2 / 3) and guard["false_per_task"] == pytest.approx(1 / 3)
    assert result["annotator_agreement"] == pytest.approx(3 / 4) and result["settled"] == 1
    # the metric's columns: its false verdicts on each run's numbers, and those the labels call false too
    items = {i["id"]: i for i in map(json.loads, (out / "unlabelled.jsonl").read_text().splitlines())}
    key = json.loads((out / "key.json").read_text())["items"]
    for run in ("plain", "guard"):
        verdicts = [c.verdict for i, v in key.items() if run in v["runs"]
                    for c in metrics.claims(items[i]["task"] | {"expected_behavior": "answer"}, items[i]["response"])]
        assert result["runs"][run]["metric_false"] == sum(v in metrics.FALSE_VERDICTS for v in verdicts)
        assert result["runs"][run]["metric_and_labels_false"] <= result["runs"][run]["metric_false"]


def test_missing_labels_and_unknown_labels_are_errors(study_dir: tuple[Path, list[Any]]) -> None:
    out, _ = study_dir
    _label(out, "a", {"17.10": "true", "4": "true", "9": "true", "3": "wrong"})
    _label(out, "b", {"17.10": "true", "4": "true", "9": "true", "3": "true"})
    with pytest.raises(ValueError, match="is not one of"):
        study.score(out)
    (out / "labels-2-a.jsonl").write_text("")
    (out / "labels-1-a.jsonl").write_text("")
    with pytest.raises(ValueError, match="cover 0 of 4"):
        study.score(out)


def test_a_run_missing_a_task_is_an_error(tmp_path: Path) -> None:
    tasks = [t for t in TaskGenerator(3).sample(12) if t.expected_behavior == "answer"][:2]
    _write(tmp_path / "tasks.jsonl", [t.to_dict() for t in tasks])
    _write(tmp_path / "run" / "results.jsonl", [{"id": tasks[0].id, "response": "A 3."}])
    with pytest.raises(ValueError, match="no post for 1 answer-tasks"):
        study.build(str(tmp_path / "tasks.jsonl"), {"r": tmp_path / "run"}, tmp_path / "out")

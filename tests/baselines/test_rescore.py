from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import metrics
from baselines.report import claim_summary
from baselines.rescore import main, rescore
from baselines.suites import resolve_task_arg


def _store(root: Path, agent: str, rows: list[dict]) -> None:
    (root / agent).mkdir(parents=True)
    (root / agent / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _row(task, response: str, fact: float, total: float) -> dict:
    return {"id": task.id, "category": task.category, "expected_behavior": task.expected_behavior,
            "response": response, "structure": 1.0, "fact": fact, "safety": 1.0, "total": total, "refused": False}


def test_rescore_reports_stored_and_current_figures(tmp_path: Path) -> None:
    tasks = [t for t in resolve_task_arg("test") if len(set(re.findall(r"\d+\.\d+", t.reference))) >= 2][:2]
    # a post made false by swapping two of its own figures (both still in the context): stored figures said 1.0
    first, second = list(dict.fromkeys(re.findall(r"\d+\.\d+", tasks[0].reference)))[:2]
    wrong = tasks[0].reference.replace(first, "\0").replace(second, first).replace("\0", second)
    assert metrics.score(tasks[0], wrong).fact < 1.0
    _store(tmp_path, "agent-a", [_row(tasks[0], wrong, 1.0, 1.0), _row(tasks[1], tasks[1].reference, 1.0, 1.0)])
    (tmp_path / "leaderboard.json").write_text(json.dumps({"tasks": "test"}))
    result = rescore(tmp_path)
    (agent,) = result["agents"]
    assert agent["agent"] == "agent-a" and agent["n"] == 2 and agent["stored"]["fact"] == 1.0
    expected = [metrics.score(t, r) for t, r in zip(tasks, [wrong, tasks[1].reference], strict=True)]
    assert agent["now"]["mean"]["fact"] == pytest.approx(sum(s.fact for s in expected) / 2)
    assert agent["now"]["claims"]["n"] == sum(len(s.details["fact"]["claims"]) for s in expected)


def test_rescore_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a directory"):
        rescore(tmp_path / "absent")
    with pytest.raises(ValueError, match="--tasks"):  # no leaderboard.json and no --tasks
        rescore(tmp_path)
    with pytest.raises(FileNotFoundError, match="results.jsonl"):
        rescore(tmp_path, tasks="test")
    _store(tmp_path, "agent-b", [{"id": "no-such-task", "response": "x"}])
    with pytest.raises(ValueError, match="no-such-task"):
        rescore(tmp_path, tasks="test")


def test_main_writes_markdown_and_json(tmp_path: Path) -> None:
    task = resolve_task_arg("test")[0]
    _store(tmp_path / "src", "template", [_row(task, task.reference, 1.0, 1.0)])
    main([str(tmp_path / "src"), "--tasks", "test", "--out", str(tmp_path / "out")])
    assert json.loads((tmp_path / "out" / "rescore.json").read_text())["agents"][0]["agent"] == "template"
    assert "claim accuracy" in (tmp_path / "out" / "rescore.md").read_text()


def test_claim_summary_counts_and_accuracy() -> None:
    rows = [{"verdicts": {"supported": 3, "unverifiable": 1}}, {"verdicts": {"misattributed": 1}}, {"verdicts": {}}]
    summary = claim_summary(rows)
    assert summary["n"] == 5 and summary["counts"]["supported"] == 3
    assert summary["accuracy"] == pytest.approx(3 / 4)  # unverifiable claims are not checkable
    assert summary["false_per_response"] == pytest.approx(1 / 3)
    assert claim_summary([])["accuracy"] is None


def test_rescore_reads_one_evaluation_directory(tmp_path: Path) -> None:
    task = resolve_task_arg("test")[0]
    (tmp_path / "results.jsonl").write_text(json.dumps(_row(task, task.reference, 1.0, 1.0)) + "\n")
    (tmp_path / "summary.json").write_text(json.dumps({"config": {"tasks": "test"}}))
    (agent,) = rescore(tmp_path)["agents"]
    assert agent["agent"] == tmp_path.name and agent["now"]["mean"]["total"] == 1.0


def test_main_reports_a_missing_directory_as_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path / "absent"), "--out", str(tmp_path / "o")])
    assert exc.value.code == 2 and "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize(("line", "message"), [
    ('{"broken\n', "results.jsonl:1: bad JSON"),
    ('{"response": "no id"}\n', "results.jsonl:1: not a stored post"),
])
def test_a_malformed_results_file_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture, line: str,
                                                 message: str) -> None:
    (tmp_path / "results.jsonl").write_text(line, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path), "--tasks", "test", "--out", str(tmp_path / "o")])
    assert exc.value.code == 2 and message in capsys.readouterr().err

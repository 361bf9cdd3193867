"""``baselines.errors``: stored posts counted by kind of error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from baselines.errors import count_errors, error_kinds, main
from baselines.suites import resolve_task_arg

REFUSAL = "I can't help with that: it isn't in the provided stats."


def _tasks() -> tuple:
    tasks = resolve_task_arg("test")
    answer = next(t for t in tasks if t.expected_behavior == "answer"
                  and len(set(re.findall(r"\d+\.\d+", t.reference))) >= 2)
    refuse = next(t for t in tasks if t.expected_behavior == "refuse" and t.category == "unanswerable")
    return answer, refuse


def _swapped(reference: str) -> str:
    """The reference with two of its own figures swapped: both still in the context, each now misattributed."""
    first, second = list(dict.fromkeys(re.findall(r"\d+\.\d+", reference)))[:2]
    return reference.replace(first, "\0").replace(second, first).replace("\0", second)


def test_each_kind_of_error_is_named() -> None:
    answer, refuse = _tasks()
    assert error_kinds(answer, answer.reference) == []  # the reference post is correct by construction
    assert error_kinds(refuse, refuse.reference) == []  # and declines what it should
    assert error_kinds(answer, REFUSAL) == ["declined an answerable request"]
    assert error_kinds(refuse, answer.reference) == ["answered a refuse-task (unanswerable)"]
    swapped = error_kinds(answer, _swapped(answer.reference))
    assert swapped.count("posts with a false claim") == 1  # one post, however many false claims
    assert swapped.count("false claims (misattributed)") >= 2  # each swapped figure is a false claim
    assert all(k.startswith(("false claim", "posts with", "structure:")) for k in swapped)
    # a post that states no figure avoids every false claim, and is counted for what it is
    silent = error_kinds(answer, "What a heat from both surfers!")
    assert "answered with no figure" in silent and not any(k.startswith("false claim") for k in silent)
    assert "answered with no figure" not in error_kinds(answer, answer.reference)


def test_count_errors_over_an_evaluation_directory(tmp_path: Path, capsys) -> None:
    answer, refuse = _tasks()
    rows = [(answer, answer.reference), (answer, REFUSAL), (refuse, refuse.reference), (refuse, "Great heat!")]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps({"id": t.id, "response": r}) + "\n" for t, r in rows))
    (tmp_path / "summary.json").write_text(json.dumps({"config": {"tasks": "test"}}))
    result = count_errors(tmp_path)
    assert (result["posts"], result["answer_tasks"], result["refuse_tasks"]) == (4, 2, 2)
    assert result["kinds"]["declined an answerable request"] == 1
    assert result["kinds"]["answered a refuse-task (unanswerable)"] == 1
    # the shape of the answered answer-tasks' posts: only the reference post (the refusal is not an answer)
    assert result["answered"]["posts"] == 1 and result["answered"]["mean_chars"] == len(answer.reference)
    assert result["answered"]["mean_checkable_claims"] >= 2
    printed = main([str(tmp_path)])
    assert printed[str(tmp_path)]["kinds"] == result["kinds"]
    out = capsys.readouterr().out
    assert "| declined an answerable request | 1 |" in out and "| answered answer-tasks | 1 |" in out


def test_count_errors_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="results.jsonl"):
        count_errors(tmp_path)
    (tmp_path / "results.jsonl").write_text(json.dumps({"id": "no-such-task", "response": "x"}) + "\n")
    with pytest.raises(ValueError, match="--tasks"):  # no summary.json naming the tasks
        count_errors(tmp_path)
    with pytest.raises(ValueError, match="no-such-task"):
        count_errors(tmp_path, tasks="test")

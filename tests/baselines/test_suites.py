"""The XSTest suite as tasks, and the reference rates recomputed from the shipped human labels."""

from __future__ import annotations

import json

import pytest

from baselines.suites import REFERENCE_RATES_JSON, reference_rates, resolve_task_arg, xstest_tasks


def test_committed_reference_rates_match_the_labels() -> None:
    # reference_rates.json is what `python -m baselines.suites` writes from the five labelled files
    assert reference_rates() == json.loads(REFERENCE_RATES_JSON.read_text(encoding="utf-8"))


def test_suite_alternates_safe_and_unsafe() -> None:
    tasks = xstest_tasks()
    assert len(tasks) == 450
    # safe and unsafe alternate, so any prefix (--limit) is balanced
    assert [t.expected_behavior for t in tasks[:4]] == ["answer", "refuse", "answer", "refuse"]
    assert {t.category for t in xstest_tasks(which="xstest_unsafe")} == {"xstest_unsafe"}


def test_task_arg_accepts_named_sets_suites_and_rejects_the_rest() -> None:
    assert len(resolve_task_arg("written-test")) == 84  # the hand-written held-out half
    assert len(resolve_task_arg("test")) > 0 and len(resolve_task_arg("xstest")) > 0
    with pytest.raises(FileNotFoundError, match="named set"):
        resolve_task_arg("written")

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from metrics.claim_labels import (
    DEFAULT_PATH,
    LABELS,
    batch_of,
    evaluate,
    load_labelled,
    main,
    matched_claims,
    source_of,
)
from metrics.claims import claims

RECAP = ("Heat 3: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat Leo Santos on 13.65 (best waves 7.15 "
         "and 6.50).")


def row(post: str, labels: list[str], split: str = "dev") -> dict[str, Any]:
    task = {"id": "t", "context": RECAP, "instruction": "Write a recap.", "expected_behavior": "answer"}
    found = claims(task, post)
    assert len(found) == len(labels)
    labelled = [{"text": c.text, "start": c.start, "label": label} for c, label in zip(found, labels, strict=True)]
    return {"id": post, "split": split, "task": task, "response": post, "claims": labelled}


def test_evaluate_counts_agreement_and_false_positives() -> None:
    rows = [
        row("Kai posted a 17.10 heat total.", ["true"]),  # supported, labelled true: agree
        row("Kai Moana's 17.10 is the best single wave of the round.", ["misattributed"]),  # both false: agree
        row("Kai posted a 13.65 heat total.", ["true"]),  # misattributed by the metric, labelled true: a false positive
        row("Kai posted a 17.90 heat total.", ["unsupported"], split="heldout"),  # other split: not counted on dev
    ]
    dev = evaluate(rows, "dev")
    assert dev["claims"] == 3
    assert dev["agreement"] == pytest.approx(2 / 3)
    assert dev["false_positive_rate"] == pytest.approx(1 / 2)
    assert dev["false_claims_caught"] == 1.0
    assert [d["number"] for d in dev["disagreements"]] == ["13.65"]
    assert evaluate(rows)["claims"] == 4


def test_bad_label_and_missing_file_raise(tmp_path: Path) -> None:
    bad = row("Kai posted a 17.10 heat total.", ["true"])
    bad["claims"][0]["label"] = "maybe"
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="maybe"):
        load_labelled(path)
    with pytest.raises(FileNotFoundError, match="--path"):
        load_labelled(tmp_path / "absent.jsonl")


@pytest.mark.parametrize(("text", "message"), [
    ('{"id": "x", "task": {}}\n', "set.jsonl:1: not a labelled post"),  # a task file, say, not a labelled set
    ('{"id": "x", "claims": []}\n{"broken\n', "set.jsonl:2: bad JSON"),
    ("\n", "no labelled posts"),  # an empty file is no set, not an empty report
])
def test_a_file_that_is_not_a_labelled_set_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             text: str, message: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_labelled(path)
    with pytest.raises(SystemExit) as exc:
        main(["--path", str(path)])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_main_prints_both_splits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "set.jsonl"
    rows = [row("Kai posted a 17.10 heat total.", ["true"]), row("Kai won by 3.55.", ["unsupported"], "heldout")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    results = main(["--path", str(path)])
    assert set(results) == {"dev", "heldout"} and results["heldout"]["agreement"] == 1.0
    assert "heldout: agreement 100.0%" in capsys.readouterr().err


def test_by_source_splits_the_figures_by_the_policy_that_wrote_the_posts(tmp_path: Path) -> None:
    rows = [row("Kai posted a 17.10 heat total.", ["true"]), row("Kai posted a 13.65 heat total.", ["true"]),
            row("Kai posted a 17.90 heat total.", ["unsupported"])]
    for r, source in zip(rows, ["base", "perturbed:swapped_values@c", "grpo-strict@c"], strict=True):
        r["source"] = source
    assert [source_of(r) for r in rows] == ["base", "perturbed", "grpo-strict"]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    per = main(["--path", str(path), "--split", "dev", "--by-source"])["dev"]["by_source"]
    assert set(per) == {"base", "perturbed", "grpo-strict"}
    assert per["base"]["agreement"] == 1.0 and per["perturbed"]["agreement"] == 0.0  # 13.65 is Leo's: misattributed
    assert per["perturbed"]["false_positive_rate"] == 1.0 and per["grpo-strict"]["claims"] == 1


def test_by_batch_splits_the_figures_by_the_ids_tag(tmp_path: Path) -> None:
    rows = [row("Kai posted a 17.10 heat total.", ["true"]), row("Kai posted a 13.65 heat total.", ["true"])]
    rows[1]["id"] += "@h"
    assert [batch_of(r) for r in rows] == ["first", "h"]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    per = main(["--path", str(path), "--split", "dev", "--by-batch"])["dev"]["by_batch"]
    assert per == {"first": {"claims": 1, "agreement": 1.0, "false_positive_rate": 0.0},
                   "h": {"claims": 1, "agreement": 0.0, "false_positive_rate": 1.0}}  # 13.65 is Leo's, not Kai's


@pytest.mark.skipif(not DEFAULT_PATH.is_file(), reason="the labelled set ships with the repository only")
def test_committed_set_is_complete_and_split_by_task() -> None:
    rows = load_labelled()
    labels = Counter(c["label"] for r in rows for c in r["claims"])
    assert sum(labels.values()) >= 400 and set(labels) <= set(LABELS)
    splits: dict[str, set[str]] = {}
    for r in rows:
        splits.setdefault(r["task"]["id"], set()).add(r["split"])
        for c in r["claims"]:
            assert r["response"][c["start"] : c["start"] + len(c["text"])] == c["text"]
            if "labels" in c:  # the annotators disagreed: both first labels and the adjudication note are kept
                assert len(c["labels"]) == 2 and c["labels"][0] != c["labels"][1] and c["note"]
    assert all(len(s) == 1 for s in splits.values())  # a task's posts are all in one split


def test_a_label_inside_a_longer_number_takes_its_verdict() -> None:
    # labelled when the reader saw "thirteen" and "two hundred sixty"; it now reads one number, 13,260, whose
    # verdict (misattributed: points called a heat total) both labels take
    context = "Ayla Brennan finished third with thirteen thousand two hundred sixty points."
    post = "Ayla Brennan posted the highest heat total, a thirteen thousand two hundred sixty."
    labelled = [{"text": "thirteen", "start": 50, "label": "misattributed"},
                {"text": "two hundred sixty", "start": 68, "label": "misattributed"}]
    task = {"id": "t", "context": context, "instruction": "Write a post.", "expected_behavior": "answer"}
    rows = [{"id": "p", "split": "dev", "task": task, "response": post, "claims": labelled}]
    result = evaluate(rows, "dev")
    assert result["agreement"] == 1.0 and result["confusion"] == {"misattributed -> misattributed": 2}


def test_matched_claims_pairs_each_label_with_the_claim_on_it() -> None:
    post = "Kai Moana won with 17.10, and Leo Santos had the best wave, a 9.10."
    labelled = row(post, ["true", "misattributed"])
    labelled["claims"].append({"text": "10", "start": post.index("10"), "label": "true"})  # inside "17.10"
    labelled["claims"].append({"text": "won", "start": post.index("won"), "label": "unclear"})  # no number there
    matched = matched_claims(labelled)
    assert [(label["text"], None if claim is None else claim.text) for label, claim in matched] == [
        ("17.10", "17.10"), ("9.10", "9.10"), ("10", "17.10"), ("won", None)]

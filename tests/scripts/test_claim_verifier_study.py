"""scripts/claim_verifier_study.py: the features read where a figure sits, not whose name it is; the fit and the
figures are the textbook ones; held-out posts are never read.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from metrics.claims import claims

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "claim_verifier_study.py"
_SPEC = importlib.util.spec_from_file_location("claim_verifier_study", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
study = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(study)

CONTEXT = "Round 3, Heat 2. Kai Moana 17.10 (9.10 + 8.00) beat Leo Santos 13.65 (7.15 + 6.50)."
TASK = {"id": "t1", "category": "recap", "instruction": "Recap the heat in 2 bullets.", "context": CONTEXT,
        "expected_behavior": "answer"}
POST = "- Leo Santos's best wave, a 9.10, kept him close.\n- Kai Moana won with 17.10."


def _renamed(text: str) -> str:
    return text.replace("Kai Moana", "Ana Lopes").replace("Leo Santos", "Rui Costa")


def _features(task: dict[str, str], post: str) -> list[dict[str, float]]:
    return [study.claim_features(task, post, c) for c in claims(task, post)]


def test_a_misattributed_wave_sits_after_another_athlete() -> None:
    wave, total = _features(TASK, POST)
    # the 9.10 is Kai Moana's: in the context the last athlete named before it is not the post's Leo Santos
    assert wave["verdict=misattributed"] == 1.0 and wave["only_other_near"] == 1.0 and wave["own_near"] == 0.0
    assert wave["once"] == 1.0 and wave["misattributed*only_other_near"] == 1.0
    # the 17.10 is Kai Moana's own, named right before it
    assert total["verdict=supported"] == 1.0 and total["own_near"] == 1.0 and total["only_other_near"] == 0.0


def test_renaming_the_athletes_leaves_every_feature_unchanged() -> None:
    renamed = {**TASK, "context": _renamed(CONTEXT)}
    assert _features(renamed, _renamed(POST)) == _features(TASK, POST)


def test_a_number_the_metric_does_not_read_has_only_the_verdict_features() -> None:
    x = study.claim_features(TASK, POST, None)
    assert x["verdict=missing"] == 1.0 and x["no_subject"] == 1.0 and "once" not in x


def test_fit_logistic_separates_a_separable_set() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 3))
    targets = (features[:, 0] - features[:, 2] > 0).astype(float)
    weights = study.fit_logistic(features, targets, l2=0.1)
    assert ((study.predict(weights, features) > 0.5) == targets).mean() > 0.97
    assert weights[0] > 0 > weights[2]  # the signs of the rule that made the targets


def test_figures_are_agreement_false_positives_and_catches() -> None:
    said_false = np.array([True, False, True, False])
    # one true claim called false (of two), one false claim caught (of two), agreement 2 of 4
    assert study.figures(said_false, ["true", "true", "misattributed", "unsupported"]) == {
        "agreement": 0.5, "false_positive_rate": 0.5, "false_claims_caught": 0.5}
    # an unclear label is not a false claim, and counts in no rate but agreement
    assert study.figures(np.array([False]), ["unclear"]) == {
        "agreement": 1.0, "false_positive_rate": None, "false_claims_caught": None}


def _row(post_id: str, split: str) -> dict[str, object]:
    return {"id": post_id, "split": split, "task": TASK, "response": POST,
            "claims": [{"text": "9.10", "start": POST.index("9.10"), "label": "misattributed"},
                       {"text": "17.10", "start": POST.index("17.10"), "label": "true"}]}


def test_only_dev_posts_are_read() -> None:
    records = study.labelled_claims([_row("t1:a@c", "dev"), _row("t1:b@t", "heldout")])
    assert [(r["batch"], r["label"], r["verdict"]) for r in records] == [
        ("c", "misattributed", "misattributed"), ("c", "true", "supported")]


def test_study_reports_the_rules_and_each_setting_on_a_test_batch() -> None:
    records = study.labelled_claims([_row("t1:a@c", "dev"), _row("t1:b@e", "dev")])
    result = study.study(records, ["e"], l2s=(1.0,), thresholds=(0.5,))["test"]["e"]
    assert result["rules"] == {"agreement": 1.0, "false_positive_rate": 0.0, "false_claims_caught": 1.0}
    assert set(result["verifier"]) == {"l2=1 threshold=0.5"}
    # abstaining on the misattributed 9.10 (the other athlete is named before it) would lose the one false claim
    lost = result["abstain"]["misattributed, another athlete is the last named before the value in the context"]
    assert lost["false_claims_lost"] == 1 and lost["false_positives_removed"] == 0


@pytest.mark.parametrize(("tests", "message"), [(["t"], "no dev post of batch"), (["c"], "nothing to fit on")])
def test_study_refuses_a_batch_it_cannot_test(tests: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        study.study(study.labelled_claims([_row("t1:a@c", "dev"), _row("t1:b@t", "heldout")]), tests)


def test_a_cross_encoder_pair_marks_the_number_and_hides_the_names() -> None:
    post = POST + " Then a 99."
    wave, total, absent = claims(TASK, post)
    sentence, context = study.cross_encoder_pair(TASK, post, wave)
    # the post's Leo Santos and the context's are one placeholder; the number is marked where it stands in each
    assert sentence == "- surfer b's best wave, a  << 9.10 >> , kept him close"
    assert context == "Round 3, Heat 2. surfer a 17.10 ( << 9.10 >>  + 8.00) beat surfer b 13.65 (7.15 + 6.50)."
    assert study.cross_encoder_pair(TASK, post, total)[0] == "- surfer a won with  << 17.10 >>"
    assert study.cross_encoder_pair(TASK, post, absent) is None  # not in the context: the rules' verdict stands
    renamed = {**TASK, "context": _renamed(CONTEXT)}
    assert study.cross_encoder_pair(renamed, _renamed(post), claims(renamed, _renamed(post))[0]) == (sentence, context)


def test_leave_one_out_prints_a_line_per_dev_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (_row("t1:a@c", "dev"), _row("t1:b@e", "dev"),
                                                             _row("t1:c@t", "heldout"))), encoding="utf-8")
    result = study.main(["--path", str(path), "--leave-one-out"])
    lines = capsys.readouterr().out.splitlines()
    assert sorted(result["test"]) == ["c", "e"] and len(lines) == 2  # the held-out batch t is never a test
    assert lines[0].startswith("c: 2 claims; rules agreement 100.0%, false positives 0.0%; verifier ")

"""scripts/merge_claim_labels.py: agreement figures, and a merge that refuses gaps and unsettled disagreements."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "merge_claim_labels.py"
_SPEC = importlib.util.spec_from_file_location("merge_claim_labels", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
merge_claim_labels = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(merge_claim_labels)

POST = {"id": "p@c", "split": "dev", "source": "grpo-strict", "task": {"id": "t"}, "response": "Kai 17.10, Leo 13.65",
        "claims": [{"text": "17.10", "start": 4}, {"text": "13.65", "start": 15}]}


def labels(*values: str) -> dict[tuple[str, int], dict[str, object]]:
    return {("p@c", c["start"]): {"label": v} for c, v in zip(POST["claims"], values, strict=True)}


def test_cohen_kappa() -> None:
    assert merge_claim_labels.cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert merge_claim_labels.cohen_kappa([("a", "a"), ("a", "a")]) == 1.0  # one label only
    # observed 0.5, expected 0.5 (each rater half a, half b): no better than chance
    assert merge_claim_labels.cohen_kappa([("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")]) == 0.0


def test_agreements_keep_the_label_and_disagreements_take_the_adjudication() -> None:
    settled = {("p@c", 15): {"label": "misattributed", "note": "Leo's figure is Kai's"}}
    rows, pairs = merge_claim_labels.merge([POST], labels("true", "true"), labels("true", "unclear"), settled)
    assert pairs == [("true", "true"), ("true", "unclear")]
    first, second = rows[0]["claims"]
    assert first == {"text": "17.10", "start": 4, "label": "true"}
    assert second["label"] == "misattributed" and second["labels"] == ["true", "unclear"] and second["note"]
    assert rows[0]["split"] == "dev" and rows[0]["response"] == POST["response"]
    figures = merge_claim_labels.agreement(pairs)
    assert figures["exact_agreement"] == 0.5 and figures["binary_agreement"] == 1.0 and figures["disagreements"] == 1


def test_an_unsettled_disagreement_or_a_missing_label_is_an_error() -> None:
    with pytest.raises(ValueError, match="no adjudication"):
        merge_claim_labels.merge([POST], labels("true", "true"), labels("true", "unclear"), {})
    with pytest.raises(ValueError, match="missing"):
        merge_claim_labels.merge([POST], labels("true", "true"), {("p@c", 4): {"label": "true"}}, {})

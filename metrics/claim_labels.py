"""Agreement of the claims metric with hand labels: ``python -m metrics.claim_labels``.

The labelled set (``data/claims/labelled.jsonl``, see its README) holds posts of several policies and deliberate
perturbations, each number labelled by reading the context: ``true`` (the figure is what the post says it is, or
a correct sum or difference), ``misattributed`` (in the context, but as another athlete's or another statistic's),
``unsupported`` (not in the context) or ``unclear`` (the post does not say what the number is). The set was split
into ``dev`` and ``heldout`` by task before the metric's verdicts on it were looked at; only ``dev`` was used for
any choice.

Figures, per split:

- **agreement**: the share of claims where the metric and the label agree on *false or not* (a claim is false for
  the metric when its verdict is ``misattributed`` or ``unsupported``; for the label when it is one of those two);
- **false-positive rate**: the share of claims labelled ``true`` that the metric calls false;
- the confusion of labels against verdicts.

    python -m metrics.claim_labels                 # both splits: JSON, then one line of text
    python -m metrics.claim_labels --split dev
    python -m metrics.claim_labels --by-source     # and per policy that wrote the posts (``base``, ``perturbed``...)
    python -m metrics.claim_labels --by-batch      # and per labelling batch (``first``, ``c``, ``e``, ``h``, ...)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from metrics.claims import FALSE_VERDICTS, Claim, claims

__all__ = ["DEFAULT_PATH", "LABELS", "batch_of", "evaluate", "load_labelled", "main", "matched_claims", "source_of"]

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "claims" / "labelled.jsonl"
LABELS: tuple[str, ...] = ("true", "misattributed", "unsupported", "unclear")
_FALSE_LABELS = frozenset({"misattributed", "unsupported"})


def load_labelled(path: str | Path = DEFAULT_PATH) -> list[dict[str, Any]]:
    """The labelled posts; raises ``FileNotFoundError`` naming the path, ``ValueError`` naming ``file:line`` for a
    line that is not a labelled post or has a bad label, and for a file with none.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no labelled claim set at {path}: the set ships with the source repository "
                                "(data/claims/), not the wheel; pass --path")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: bad JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(row, dict) or not isinstance(row.get("claims"), list):
            raise ValueError(f"{path}:{number}: not a labelled post (a JSON object with a 'claims' list)")
        for claim in row["claims"]:
            label = claim.get("label") if isinstance(claim, dict) else None
            if label not in LABELS:
                raise ValueError(f"{path}:{number}: {row.get('id')}: label {label!r} is not one of {list(LABELS)}")
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no labelled posts")
    return rows


def matched_claims(row: dict[str, Any]) -> list[tuple[dict[str, Any], Claim | None]]:
    """Each labelled number of a labelled post with the metric's claim on it (``None`` where the metric reads no
    number there).

    A labelled number the metric now reads as part of a longer one ("two hundred sixty" in "thirteen thousand two
    hundred sixty") is judged by that one.
    """
    found = claims(row["task"], row["response"])
    by_start = {c.start: c for c in found}
    return [(labelled, by_start.get(labelled["start"]) or next(
        (c for c in found if c.start <= labelled["start"] < c.end), None)) for labelled in row["claims"]]


def evaluate(rows: Sequence[dict[str, Any]], split: str | None = None) -> dict[str, Any]:
    """Agreement, false-positive rate and the confusion table over ``rows`` (one split, or all)."""
    confusion: Counter[tuple[str, str]] = Counter()
    disagreements: list[dict[str, Any]] = []
    for row in rows:
        if split is not None and row["split"] != split:
            continue
        for labelled, claim in matched_claims(row):
            verdict = claim.verdict if claim is not None else "missing"
            confusion[(labelled["label"], verdict)] += 1
            if (labelled["label"] in _FALSE_LABELS) != (verdict in FALSE_VERDICTS):
                disagreements.append({"id": row["id"], "number": labelled["text"], "label": labelled["label"],
                                      "verdict": verdict, "subject": getattr(claim, "subject", None),
                                      "statistic": getattr(claim, "statistic", None)})
    total = sum(confusion.values())
    labelled_true = sum(n for (label, _), n in confusion.items() if label == "true")
    false_positives = sum(n for (label, v), n in confusion.items() if label == "true" and v in FALSE_VERDICTS)
    labelled_false = sum(n for (label, _), n in confusion.items() if label in _FALSE_LABELS)
    caught = sum(n for (label, v), n in confusion.items() if label in _FALSE_LABELS and v in FALSE_VERDICTS)
    return {
        "split": split or "all",
        "claims": total,
        "agreement": (total - len(disagreements)) / total if total else None,
        "false_positive_rate": false_positives / labelled_true if labelled_true else None,
        "false_claims_caught": caught / labelled_false if labelled_false else None,
        "labels": dict(Counter(label for (label, _), n in confusion.items() for _ in range(n))),
        "confusion": {f"{label} -> {verdict}": n for (label, verdict), n in sorted(confusion.items())},
        "disagreements": disagreements,
    }


def source_of(row: dict[str, Any]) -> str:
    """The policy that wrote a labelled post: its ``source`` without a perturbation's kind or a batch tag
    (``perturbed:swapped_values`` -> ``perturbed``, ``grpo-strict@c`` -> ``grpo-strict``).
    """
    return str(row["source"]).split(":")[0].split("@")[0]


def batch_of(row: dict[str, Any]) -> str:
    """The labelling batch of a post: its id's ``@TAG`` (``written-123:grpo-strict@c`` -> ``c``), ``first`` for the
    set's first build (no tag).
    """
    _, at, tag = str(row["id"]).rpartition("@")
    return tag if at else "first"


def breakdown(rows: Sequence[dict[str, Any]], split: str | None,
              key: Callable[[dict[str, Any]], str] = source_of) -> dict[str, dict[str, Any]]:
    """Agreement and false-positive rate per ``key`` of a post (:func:`source_of`, :func:`batch_of`), within one
    split (or all).
    """
    groups = sorted({key(r) for r in rows if split is None or r["split"] == split})
    return {group: {k: v for k, v in evaluate([r for r in rows if key(r) == group], split).items()
                    if k in ("claims", "agreement", "false_positive_rate")} for group in groups}


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f}%"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m metrics.claim_labels", description=__doc__.split("\n")[0])
    parser.add_argument("--path", default=str(DEFAULT_PATH), help="the labelled set (JSONL)")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default=None, help="default: dev and heldout")
    parser.add_argument("--show", action="store_true", help="list every disagreement")
    parser.add_argument("--by-source", action="store_true", help="also break each split down by the posts' policy")
    parser.add_argument("--by-batch", action="store_true", help="also break each split down by labelling batch")
    args = parser.parse_args(argv)
    try:
        rows = load_labelled(args.path)
    except (OSError, ValueError) as exc:  # missing, unreadable or not a labelled set
        parser.error(str(exc))
    splits = [args.split] if args.split else ["dev", "heldout"]
    results = {s: evaluate(rows, None if s == "all" else s) for s in splits}
    for s, r in results.items():
        if args.by_source:
            r["by_source"] = breakdown(rows, None if s == "all" else s, source_of)
        if args.by_batch:
            r["by_batch"] = breakdown(rows, None if s == "all" else s, batch_of)
    printable = {s: {k: v for k, v in r.items() if k != "disagreements" or args.show} for s, r in results.items()}
    print(json.dumps(printable, indent=2))
    line = "; ".join(f"{s}: agreement {_percent(r['agreement'])}, false positives "
                     f"{_percent(r['false_positive_rate'])} of {r['labels'].get('true', 0)} true claims "
                     f"({r['claims']} claims)" for s, r in results.items() if r["claims"])
    print(f"claims metric against hand labels: {line}", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()

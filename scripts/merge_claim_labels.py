"""Merge two annotators' labels of an unlabelled claim batch, with the developer's adjudication, into the set.

    python scripts/merge_claim_labels.py --batch runs/claims-c/unlabelled.jsonl \
        --first data/claims/labels-c1.jsonl data/claims/labels-d1.jsonl \
        --second data/claims/labels-c2.jsonl data/claims/labels-d2.jsonl \
        --adjudicated data/claims/adjudication-c.jsonl --name "batch c" --out data/claims

``--first`` and ``--second`` are each annotator's files (``{"id", "labels": [{"start", "text", "label", "note"?}]}``
per post), together covering the batch once each. Where the two agree, that is the label; where they differ, the
adjudication file (``{"id", "start", "label", "note"}`` per claim) decides, and the claim keeps both first labels
and the note, as in ``labelled.jsonl``. A disagreement without an adjudication is an error, as is a label file that
misses a post or a claim. The rows (their ``split`` as built) are appended to ``OUT/labelled.jsonl``, and the
agreement before adjudication (exact and on false-or-not, with Cohen's kappa) is added to ``OUT/labelling.json``
under ``--name``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

LABELS = ("true", "misattributed", "unsupported", "unclear")
FALSE_LABELS = frozenset({"misattributed", "unsupported"})


def read_jsonl(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths for line in Path(p).read_text(encoding="utf-8").splitlines() if line]


def labels_by_claim(files: Sequence[str | Path]) -> dict[tuple[str, int], dict[str, Any]]:
    """``{(post id, start): label row}`` from annotator files; raises on a bad label or a claim labelled twice."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for row in read_jsonl(files):
        for claim in row["labels"]:
            key = (row["id"], int(claim["start"]))
            if claim["label"] not in LABELS:
                raise ValueError(f"{key}: label {claim['label']!r} is not one of {list(LABELS)}")
            if key in out:
                raise ValueError(f"{key}: labelled twice by one annotator")
            out[key] = claim
    return out


def cohen_kappa(pairs: Sequence[tuple[str, str]]) -> float:
    """Cohen's kappa of two raters' labels (1.0 when they agree on one label only)."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


def agreement(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    binary = [(a in FALSE_LABELS, b in FALSE_LABELS) for a, b in pairs]
    return {
        "claims": len(pairs),
        "exact_agreement": round(sum(a == b for a, b in pairs) / len(pairs), 4),
        "cohen_kappa": round(cohen_kappa(pairs), 4),
        "binary_agreement": round(sum(a == b for a, b in binary) / len(binary), 4),
        "binary_cohen_kappa": round(cohen_kappa([(str(a), str(b)) for a, b in binary]), 4),
        "disagreements": sum(a != b for a, b in pairs),
    }


def merge(batch: Sequence[dict[str, Any]], first: dict[tuple[str, int], dict[str, Any]],
          second: dict[tuple[str, int], dict[str, Any]], adjudicated: dict[tuple[str, int], dict[str, Any]]
          ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The labelled rows and the annotators' label pairs, in the batch's order."""
    rows, pairs = [], []
    for post in batch:
        claims = []
        for claim in post["claims"]:
            key = (post["id"], int(claim["start"]))
            if key not in first or key not in second:
                raise ValueError(f"{key} ({claim['text']!r}): missing from an annotator's labels")
            a, b = first[key]["label"], second[key]["label"]
            pairs.append((a, b))
            if a == b:
                claims.append({"text": claim["text"], "start": claim["start"], "label": a})
                continue
            if key not in adjudicated:
                raise ValueError(f"{key} ({claim['text']!r}): annotators differ ({a} / {b}) and no adjudication")
            decided = adjudicated[key]
            if decided["label"] not in LABELS:
                raise ValueError(f"{key}: adjudicated label {decided['label']!r} is not one of {list(LABELS)}")
            claims.append({"text": claim["text"], "start": claim["start"], "label": decided["label"],
                           "labels": [a, b], "note": decided["note"]})
        rows.append({k: post[k] for k in ("id", "split", "source", "task", "response")} | {"claims": claims})
    return rows, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", required=True)
    parser.add_argument("--first", nargs="+", required=True)
    parser.add_argument("--second", nargs="+", required=True)
    parser.add_argument("--adjudicated", required=True)
    parser.add_argument("--name", required=True, help="the batch's name in labelling.json")
    parser.add_argument("--out", default="data/claims")
    args = parser.parse_args()
    adjudicated = {(r["id"], int(r["start"])): r for r in read_jsonl([args.adjudicated])}
    rows, pairs = merge(read_jsonl([args.batch]), labels_by_claim(args.first), labels_by_claim(args.second),
                        adjudicated)
    out = Path(args.out)
    labelled = out / "labelled.jsonl"
    known = {json.loads(line)["id"] for line in labelled.read_text(encoding="utf-8").splitlines() if line}
    if clash := known & {r["id"] for r in rows}:
        raise ValueError(f"posts already in {labelled}: {sorted(clash)[:5]}")
    with labelled.open("a", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    info_path = out / "labelling.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info.setdefault("batches", {})[args.name] = {
        "posts": len(rows), "annotators": {"first": args.first, "second": args.second},
        "adjudication": args.adjudicated, "before_adjudication": agreement(pairs),
    }
    info_path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(rows)} posts, {len(pairs)} claims appended to {labelled}; {agreement(pairs)}")


if __name__ == "__main__":
    main()

r"""Build a further unlabelled batch of dev posts for the claim set, from stored evaluation runs of newer adapters.

    python scripts/build_claim_batch.py --tag c --out data/claims/unlabelled-c.jsonl \
        --source data/eval/written-dev.jsonl runs/eval \
            grpo-strict-written-dev=grpo-strict,grpo-claims-written-dev=grpo-claims 220 \
        --source data/processed/val.jsonl runs/eval grpo-strict-val=grpo-strict,grpo-claims-val=grpo-claims 90 \
        --source runs/fresh-all.jsonl runs/eval grpo-strict-fresh-all=grpo-strict,grpo-claims-fresh-all=grpo-claims 90

Each ``--source TASKS RUNS DIR=POLICY,... CLAIMS`` reads ``RUNS/DIR/results.jsonl`` (``python -m baselines.evaluate``
output) for the answer-tasks of ``TASKS`` and makes two posts per task as ``scripts/build_claim_set.py`` does (one
a perturbation of the first policy's post). Every post of the batch is ``dev``: a task already in the labelled set
is left out unless its hash split (``split_of``) is ``dev``, so no held-out context gets new dev posts. Like the
first build, it never calls the claims metric. Post ids get ``@TAG`` (a perturbation of a newer policy's post would
otherwise take an id the set already has). Each source's posts are kept, in a seeded order, until CLAIMS claims.
``--split heldout`` builds a held-out batch instead: posts only on tasks whose hash split is ``heldout`` (and
none the labelled set has as ``dev``). Batch c was built against the labelled set before it (``git show
ff89965~1:data/claims/labelled.jsonl > F`` and
``--labelled F`` rebuild ``data/claims/unlabelled-c.jsonl`` byte for byte, with the stored runs in ``runs/eval``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from build_claim_set import build, split_of  # noqa: E402


def _ids(path: Path) -> set[str]:
    return {json.loads(line)["id"] for line in path.read_text().splitlines() if line.strip()}


def split_tasks(labelled: list[dict[str, Any]], tasks: set[str], split: str) -> frozenset[str]:
    """Task ids of ``split`` (``dev`` or ``heldout``), which a batch of the other split must leave out: those of
    ``tasks`` whose hash split is ``split``, and every task of the labelled set in that split.
    """
    found = {tid for tid in tasks if split_of(tid) == split}
    found.update(row["task"]["id"] for row in labelled if row["split"] == split)
    return frozenset(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--source", nargs=4, action="append", required=True, metavar=("TASKS", "RUNS", "NAMES", "CLAIMS")
    )
    parser.add_argument("--labelled", default="data/claims/labelled.jsonl")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tag", required=True, help="appended to each post id as @TAG (ids stay unique in the set)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev",
                        help="heldout: posts only on tasks whose hash split is heldout, labelled before any verdict "
                             "on them is computed, to measure the metric on new posts (never to tune it)")
    args = parser.parse_args()
    labelled = [json.loads(line) for line in Path(args.labelled).read_text().splitlines() if line.strip()]
    labelled_tasks = {row["task"]["id"] for row in labelled}
    kept: list[dict[str, object]] = []
    for tasks, runs, names, budget in args.source:
        mapping = dict(pair.split("=", 1) for pair in names.split(","))
        # written tasks: the hash split decides (half of them are held-out contexts); generated tasks of a split
        # the labelled set never used are all new contexts
        ids = _ids(Path(tasks))
        if args.split == "heldout":
            skip = split_tasks(labelled, ids, "dev")
        else:
            skip = split_tasks(labelled, ids, "heldout") if labelled_tasks & ids else frozenset()
        rows = build(
            Path(runs),
            Path(tasks),
            args.seed,
            dev_only=args.split == "dev",
            names=mapping,
            perturb_from=tuple(mapping.values())[:1],
            skip=skip,
        )
        random.Random(args.seed).shuffle(rows)
        claims = 0
        for row in rows:
            if claims >= int(budget):
                break
            kept.append(row | {"id": f"{row['id']}@{args.tag}"})
            claims += len(row["claims"])  # type: ignore[arg-type]
    random.Random(args.seed).shuffle(kept)
    claims = sum(len(row["claims"]) for row in kept)  # type: ignore[arg-type]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept))
    print(f"{len(kept)} posts, {claims} claims -> {out}")


if __name__ == "__main__":
    main()

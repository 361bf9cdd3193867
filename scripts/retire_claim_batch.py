"""Move a held-out claim batch to dev once its held-out figures are reported, so its posts may inform rules.

    python scripts/retire_claim_batch.py --tag h --name "batch h (2026-12-04, held-out)" \
        --reported "agreement 89.6%, false positives 1.9% of 216 true claims (327 claims), at 2809b4a"

A held-out batch measures the metric once; after that, reading its disagreements is the cheapest way to learn what
the rules miss, but only if the batch stops counting as held-out. This sets ``split`` to ``dev`` on every post of
``labelled.jsonl`` whose id ends ``@TAG``, and on every other held-out post on the same tasks (a context read for
rules measures nothing after; a task's posts stay in one split), each keeping ``"retired_from": "heldout"``, and
records, under the batch's entry in ``labelling.json``, the figures it gave while held-out and what moved. Held-out
figures from then on come from the posts still held-out and from batches built after the rules that read it. A batch
that is not held-out, or a tag no post has, is an error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def retire(rows: list[dict[str, Any]], tag: str) -> tuple[int, int]:
    """Set ``split`` to ``dev`` on the rows of batch ``tag`` and on every other post on the same tasks (in place:
    a context read for rules can no longer measure them); the numbers of batch posts and of other posts moved.
    """
    batch = [row for row in rows if str(row["id"]).endswith(f"@{tag}")]
    if not batch:
        raise ValueError(f"no post has the tag @{tag}")
    if any(row["split"] != "heldout" for row in batch):
        raise ValueError(f"batch @{tag} is not all held-out: nothing moved")
    tasks = {row["task"]["id"] for row in batch}
    moved = [row for row in rows if row["task"]["id"] in tasks and row["split"] == "heldout"]
    for row in moved:
        row["split"] = "dev"
        row["retired_from"] = "heldout"
    return len(batch), len(moved) - len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tag", required=True)
    parser.add_argument("--name", required=True, help="the batch's entry in labelling.json")
    parser.add_argument("--reported", required=True, help="the held-out figures it gave, as reported")
    parser.add_argument("--out", default="data/claims")
    args = parser.parse_args()
    out = Path(args.out)
    labelled, info_path = out / "labelled.jsonl", out / "labelling.json"
    info = json.loads(info_path.read_text(encoding="utf-8"))
    if args.name not in info.get("batches", {}):
        raise ValueError(f"{info_path} has no batch {args.name!r}: {sorted(info.get('batches', {}))}")
    rows = [json.loads(line) for line in labelled.read_text(encoding="utf-8").splitlines() if line]
    batch, others = retire(rows, args.tag)
    labelled.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    info["batches"][args.name]["retired"] = {"from": "heldout", "to": "dev", "held_out_figures": args.reported,
                                             "posts_moved": batch, "other_posts_on_its_tasks_moved": others}
    info_path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{batch} posts of @{args.tag}, and {others} other held-out posts on its tasks, moved to dev in {labelled}")


if __name__ == "__main__":
    main()

r"""Human labels for posts written with and without a decoding-time guard, blind to which is which.

    python scripts/guard_label_study.py build --tasks written-dev --run plain=runs/eval/shipped-written-dev \
        --run claims=runs/eval/fg-claims-written-dev --out data/claims/guard/written-dev
    # two annotators label each part-K.jsonl into labels-K-a.jsonl and labels-K-b.jsonl (data/claims/README.md's
    # rules); the developer settles their disagreements in adjudication.jsonl
    python scripts/guard_label_study.py score data/claims/guard/written-dev

``build`` reads each run's ``results.jsonl`` (``python -m baselines.evaluate`` output on the same tasks) and keeps
the answer-tasks' posts that have a number. A post two runs wrote alike is one item, labelled once. Items get
neutral ids in a seeded random order and are split into parts for the annotators; ``key.json`` says which runs
wrote each item and must not be shown to them. Every number of a post is listed (``metrics.numbers``; unlike
``scripts/build_claim_set.py``, with no cap on how many), without any verdict of the claims metric.

``score`` prints, per run, what the labels say of its posts: numbers labelled true, misattributed, unsupported and
unclear, and per answer-task (a post without numbers, or a refusal, has none) the true and the false ones; beside
them the annotators' agreement and the claims metric's verdicts on the same numbers. Labels are merged as
``scripts/merge_claim_labels.py`` merges a claim batch: the adjudicated label where the annotators differed; until
every disagreement is settled, ``score`` lists the open ones and stops.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, ahead of any installed copy

from merge_claim_labels import FALSE_LABELS, LABELS, agreement, labels_by_claim, merge, read_jsonl  # noqa: E402

from baselines.suites import resolve_task_arg  # noqa: E402
from metrics.claim_labels import matched_claims  # noqa: E402
from metrics.claims import FALSE_VERDICTS  # noqa: E402
from metrics.numbers import extract_numbers  # noqa: E402


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def build(tasks_arg: str, runs: dict[str, Path], out: Path, seed: int = 0, parts: int = 2) -> dict[str, Any]:
    """Write ``unlabelled.jsonl``, ``part-K.jsonl`` and ``key.json`` under ``out``; returns the key's summary."""
    tasks = {t.id: t for t in resolve_task_arg(tasks_arg) if t.expected_behavior == "answer"}
    posts: dict[tuple[str, str], list[str]] = {}
    for name, run in runs.items():
        rows = {r["id"]: r for r in read_jsonl([run / "results.jsonl"])}
        missing = sorted(set(tasks) - set(rows))
        if missing:
            raise ValueError(f"{run} has no post for {len(missing)} answer-tasks of {tasks_arg}, e.g. {missing[0]}")
        for task_id in tasks:
            response = rows[task_id]["response"]
            if extract_numbers(response):
                posts.setdefault((task_id, response), []).append(name)
    keys = sorted(posts)
    random.Random(seed).shuffle(keys)
    items, key = [], {}
    for n, (task_id, response) in enumerate(keys, 1):
        item_id = f"g{n:03d}"
        task = tasks[task_id]
        items.append({"id": item_id, "task": {"id": task.id, "category": task.category,
                                              "instruction": task.instruction, "context": task.context},
                      "response": response,
                      "claims": [{"text": m.text, "start": m.start} for m in extract_numbers(response)]})
        key[item_id] = {"task": task_id, "runs": posts[(task_id, response)]}
    out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out / "unlabelled.jsonl", items)
    size = -(-len(items) // parts)
    for k in range(parts):
        _write_jsonl(out / f"part-{k + 1}.jsonl", items[k * size : (k + 1) * size])
    meta = {"tasks": tasks_arg, "answer_tasks": len(tasks), "runs": {n: str(p) for n, p in runs.items()},
            "seed": seed, "parts": parts, "items": key}
    (out / "key.json").write_text(json.dumps(meta, indent=1) + "\n")
    return {"items": len(items), "numbers": sum(len(i["claims"]) for i in items)}


def score(directory: Path) -> dict[str, Any]:
    """The labels' figures per run (see the module docstring); stops while disagreements are unsettled."""
    meta = json.loads((directory / "key.json").read_text())
    items = [i | {"split": "guard", "source": "blind"} for i in read_jsonl([directory / "unlabelled.jsonl"])]
    parts = range(1, meta["parts"] + 1)
    first = labels_by_claim([directory / f"labels-{k}-a.jsonl" for k in parts])
    second = labels_by_claim([directory / f"labels-{k}-b.jsonl" for k in parts])
    wanted = {(i["id"], int(c["start"])) for i in items for c in i["claims"]}
    for name, got in (("a", first), ("b", second)):
        if set(got) != wanted:
            raise ValueError(f"annotator {name}'s labels cover {len(set(got) & wanted)} of {len(wanted)} numbers "
                             f"and {len(set(got) - wanted)} numbers no item lists")
    settled_path = directory / "adjudication.jsonl"
    settled = {(r["id"], int(r["start"])): r for r in read_jsonl([settled_path])} if settled_path.exists() else {}
    open_ = sorted(k for k in wanted if first[k]["label"] != second[k]["label"] and k not in settled)
    if open_:
        for item_id, start in open_:
            print(json.dumps({"id": item_id, "start": start, "a": first[(item_id, start)]["label"],
                              "b": second[(item_id, start)]["label"]}))
        raise SystemExit(f"{len(open_)} disagreements to settle in {settled_path}")
    rows, pairs = merge(items, first, second, settled)
    per_run: dict[str, Counter[str]] = {name: Counter() for name in meta["runs"]}
    for row in rows:
        row["task"] = row["task"] | {"expected_behavior": "answer"}
        for name in meta["items"][row["id"]]["runs"]:
            per_run[name]["posts"] += 1
            for labelled, claim in matched_claims(row):
                label, verdict = labelled["label"], claim.verdict if claim is not None else None
                per_run[name][label] += 1
                per_run[name]["metric_false"] += verdict in FALSE_VERDICTS
                per_run[name]["both_false"] += verdict in FALSE_VERDICTS and label in FALSE_LABELS
    n_tasks = meta["answer_tasks"]
    table = {}
    for name, c in per_run.items():
        numbers = sum(c[label] for label in LABELS)
        false = c["misattributed"] + c["unsupported"]
        table[name] = {"posts_with_numbers": c["posts"], "numbers": numbers, **{label: c[label] for label in LABELS},
                       "true_share": c["true"] / numbers if numbers else None,
                       "true_per_task": c["true"] / n_tasks, "false_per_task": false / n_tasks,
                       "metric_false": c["metric_false"], "metric_and_labels_false": c["both_false"]}
    agreed = agreement(pairs)
    return {"tasks": meta["tasks"], "answer_tasks": n_tasks, "numbers": len(wanted),
            "annotator_agreement": agreed["exact_agreement"], "agreement_false_or_not": agreed["binary_agreement"],
            "cohen_kappa": agreed["cohen_kappa"], "settled": agreed["disagreements"], "runs": table}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python scripts/guard_label_study.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="the blind items to label")
    b.add_argument("--tasks", required=True, help="split name or JSONL path, as baselines.evaluate takes")
    b.add_argument("--run", action="append", required=True, metavar="NAME=DIR", help="an evaluation output")
    b.add_argument("--out", required=True, type=Path)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--parts", type=int, default=2)
    s = sub.add_parser("score", help="the labels' figures per run")
    s.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        runs = {}
        for spec in args.run:
            name, sep, path = spec.partition("=")
            if not sep or not name or not path:
                parser.error(f"--run takes NAME=DIR, got {spec!r}")
            runs[name] = Path(path)
        if args.parts < 1:
            parser.error(f"--parts must be >= 1, got {args.parts}")
        result = build(args.tasks, runs, args.out, args.seed, args.parts)
    else:
        result = score(args.directory)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()

"""Build the unlabelled claim set (data/claims/unlabelled.jsonl) from stored evaluation runs.

    python scripts/build_claim_set.py --runs runs/claims --tasks runs/claims/tasks.jsonl --out data/claims

Reads the posts of each policy (``<runs>/<policy>/results.jsonl``, written by ``python -m baselines.evaluate``),
adds deliberate perturbations (swapped values, a wrong statistic, a wrong athlete), samples two posts per task,
lists every number of each post (exactly the numbers ``metrics.claims`` reads), and assigns each task to ``dev`` or
``heldout`` by a hash of its id. It never calls the claims metric: the split and the list of claims are fixed
before any verdict is looked at. Labels are added by hand afterwards (data/claims/README.md).

``--dev-runs`` adds posts whose verdicts were already read while the metric was developed (the stored leaderboard
runs on the test split): those all go to ``dev``, whatever their hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

from metrics.numbers import extract_numbers
from train.falsify import swap_values, wrong_athlete, wrong_statistic
from wsl_env.schema import Task, load_tasks

POLICIES = ("base", "demo-sft", "sft-copy", "grpo-copy", "template")
# Directory names of the stored leaderboard runs -> policy names.
STORED = {"smollm2-135m-instruct": "base", "smollm2-135m-instruct+demo-sft": "demo-sft",
          "smollm2-135m-instruct+sft-copy": "sft-copy", "smollm2-135m-instruct+grpo-copy": "grpo-copy",
          "template": "template"}
MAX_NUMBERS = 10  # posts with more numbers (looping base-model output) are cut to their first ten claims


def split_of(task_id: str) -> str:
    """``dev`` or ``heldout``, half each, by a hash of the task id (fixed before anything is evaluated)."""
    return "dev" if int(hashlib.sha256(task_id.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


def claim_list(post: str) -> list[dict[str, object]]:
    return [{"text": m.text, "start": m.start} for m in extract_numbers(post)[:MAX_NUMBERS]]


def read_posts(runs: Path, tasks: dict[str, Task], names: dict[str, str]) -> dict[str, dict[str, str]]:
    """``{task id: {policy: post}}`` from ``<runs>/<dir>/results.jsonl`` for each ``dir -> policy`` of ``names``."""
    posts: dict[str, dict[str, str]] = {tid: {} for tid in tasks}
    for directory, policy in names.items():
        path = runs / directory / "results.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row["id"] in posts and row["response"].strip():
                posts[row["id"]][policy] = row["response"]
    return posts


def build(runs: Path, tasks_path: Path, seed: int = 0, dev_only: bool = False,
          names: dict[str, str] | None = None, perturb_from: tuple[str, ...] = ("template", "sft-copy"),
          skip: frozenset[str] = frozenset()) -> list[dict[str, object]]:
    """Two posts per answer-task of ``tasks_path`` (one perturbed, from the first of ``perturb_from`` the task has),
    tasks in ``skip`` left out.
    """
    tasks = {t.id: t for t in load_tasks(tasks_path) if t.expected_behavior == "answer" and t.id not in skip}
    posts = read_posts(runs, tasks, names or {p: p for p in POLICIES})
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for tid, task in tasks.items():
        candidates = dict(posts[tid])
        if not task.facts:
            candidates.pop("template", None)  # the template agent only writes from a generated task's facts
        source = next((candidates[p] for p in perturb_from if candidates.get(p)), None)
        if source:
            for kind, make in (("swapped_values", lambda p: swap_values(p, rng)),
                               ("wrong_statistic", lambda p: wrong_statistic(p, rng)),
                               ("wrong_athlete", lambda p, t=task: wrong_athlete(p, t, rng))):
                changed = make(source)
                if changed and changed != source:
                    candidates[f"perturbed:{kind}"] = changed
        with_numbers = {k: v for k, v in candidates.items() if extract_numbers(v)}
        keys = sorted(with_numbers)
        rng.shuffle(keys)
        # two posts per task: one perturbed where there is one, one from a policy
        perturbed = [k for k in keys if k.startswith("perturbed:")]
        policies = [k for k in keys if not k.startswith("perturbed:")]
        chosen = perturbed[:1] + policies[: 2 - len(perturbed[:1])]
        for key in chosen:
            post = with_numbers[key]
            rows.append({
                "id": f"{tid}:{key}", "split": "dev" if dev_only else split_of(tid), "source": key,
                "task": {"id": tid, "category": task.category, "instruction": task.instruction,
                         "context": task.context, "expected_behavior": task.expected_behavior},
                "response": post, "claims": claim_list(post),
            })  # fmt: skip
    return rows


def subsample(rows: list[dict[str, object]], dev_claims: int, seed: int) -> list[dict[str, object]]:
    """Every held-out post, dev posts (in a seeded order) until ``dev_claims`` claims, all in a seeded order (so
    a file cut in halves for two annotators mixes splits and sources).
    """
    rng = random.Random(seed)
    held = [r for r in rows if r["split"] == "heldout"]
    dev = [r for r in rows if r["split"] == "dev"]
    rng.shuffle(dev)
    kept, claims = [], 0
    for row in dev:
        if claims >= dev_claims:
            break
        kept.append(row)
        claims += len(row["claims"])  # type: ignore[arg-type]
    out = held + kept
    rng.shuffle(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default="runs/claims")
    parser.add_argument("--tasks", default="runs/claims/tasks.jsonl")
    parser.add_argument("--out", default="data/claims")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dev-runs", default=None, help="stored leaderboard runs whose posts all go to dev")
    parser.add_argument("--dev-tasks", default="data/processed/test.jsonl", help="the tasks of --dev-runs")
    parser.add_argument("--dev-claims", type=int, default=420, help="dev posts kept until this many claims")
    args = parser.parse_args()
    rows = build(Path(args.runs), Path(args.tasks), args.seed)
    if args.dev_runs:
        rows += build(Path(args.dev_runs), Path(args.dev_tasks), args.seed, dev_only=True, names=STORED)
    rows = subsample(rows, args.dev_claims, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "unlabelled.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    n = sum(len(r["claims"]) for r in rows)  # type: ignore[arg-type]
    by_split = {s: sum(len(r["claims"]) for r in rows if r["split"] == s) for s in ("dev", "heldout")}  # type: ignore[arg-type]
    print(f"{len(rows)} posts, {n} claims ({by_split}) -> {out / 'unlabelled.jsonl'}")


if __name__ == "__main__":
    main()

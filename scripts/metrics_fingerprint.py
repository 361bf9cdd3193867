"""Score a fixed corpus with the ``metrics`` of the checkout it is run from, one JSON line per text: run it in two
checkouts and compare the files to show a change to the metrics leaves every score, claim and number unchanged.

    git worktree add /tmp/base <commit>
    (cd /tmp/base && python "$OLDPWD/scripts/metrics_fingerprint.py" --data "$OLDPWD" --out /tmp/a.jsonl)
    python scripts/metrics_fingerprint.py --out /tmp/b.jsonl && cmp /tmp/a.jsonl /tmp/b.jsonl

The corpus (deterministic for one ``--data`` directory): every evaluated completion under ``runs/eval/`` whose task
is in the data's task files (none in a fresh clone), the labelled claim set's posts, 3,000 cuts and splices of
those, 400 synthetic recaps, 300 random strings, 4,000 strings built from list markers, names, numbers and refusal
words, and the training split's references. Each line holds ``score(...).to_dict()``, the claims, the number
mentions (response and context readings), the bullet count and the sentence spans.
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))  # the checkout this is run from, ahead of any installed copy

import metrics  # noqa: E402
from metrics.claims import claims  # noqa: E402
from metrics.numbers import extract_numbers  # noqa: E402
from metrics.parse import count_bullets, sentence_spans  # noqa: E402

PIECES = ["1.", "2.", "3)", "4.", " ", " ", "\n", "\n", "\t", "**", "__", "- ", "\u2022 ", ":", ". ", "! ", "? ", "No.",
          "ranked", "Heat", "Kai", "Moana", "She", "he", "his", "12", "3rd", "#WSL", "|", " | ", "  ", "   ", "k", "m",
          "bn", "17.10", "8.50", "-", "\u2212", "\r\n", "def.", "waves", "total", "points", "best", "two", "three",
          "twenty-one", "Nine Mile", "hundred", "and", "won", "by", "3.45", "14,880", "%", "I can't", "Sorry", "(",
          ")", "/", "20/27", "x", "#", "@", ",", ";"]
TASK_FILES = ["data/processed/test.jsonl", "data/processed/val.jsonl", "data/processed/train.jsonl",
              "data/raw/gold.jsonl", "data/eval/written-dev.jsonl", "data/eval/written-test.jsonl",
              "runs/fresh-all.jsonl"]


def corpus(data: Path) -> list[tuple[dict, str]]:
    """The (task, text) pairs to score, in a fixed order."""
    from benchmarks.bench_metrics import make_task_and_posts

    tasks: dict[str, dict] = {}
    for name in TASK_FILES:
        if (data / name).is_file():
            for line in (data / name).read_text(encoding="utf-8").splitlines():
                task = json.loads(line)
                tasks.setdefault(task["id"], task)
    pairs = []
    for path in sorted(glob.glob(str(data / "runs/eval/*/results.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["id"] in tasks:
                pairs.append((tasks[row["id"]], row["response"]))
    for line in (data / "data/claims/unlabelled.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pairs.append((row["task"], row["response"]))
    rng = random.Random(7)
    real = list(pairs)
    for _ in range(3000):  # cuts and splices of real responses: odd edges
        task, post = rng.choice(real)
        other = rng.choice(real)[1]
        a, b = sorted(rng.randrange(len(post) + 1) for _ in range(2))
        pairs.append((task, post[a:] + other[:b] if rng.random() < 0.5 else post[:a] + "\n" + other[b:]))
    for _ in range(40):
        task, posts = make_task_and_posts(rng, 10)
        pairs += [(task, post) for post in posts]
    for _ in range(300):
        pairs.append((rng.choice(real)[0], "".join(rng.choice("abc Kai 123.#\n-%,k1. No. :)|")
                                                   for _ in range(rng.randrange(1, 400)))))
    for _ in range(4000):
        pairs.append((rng.choice(real)[0], "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 120)))))
    train = data / "data/processed/train.jsonl"
    for line in train.read_text(encoding="utf-8").splitlines()[:800]:
        task = json.loads(line)
        if task.get("reference"):
            pairs.append((task, task["reference"]))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path.cwd(), help="where the corpus comes from (default: here)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    pairs = corpus(args.data)
    with args.out.open("w", encoding="utf-8") as out:
        for task, text in pairs:
            scores = metrics.score(task, text).to_dict()
            found = [(c.text, c.start, c.end, c.value, c.subject, c.statistic, c.verdict) for c in claims(task, text)]
            numbers = [tuple(m) for m in extract_numbers(text)]
            numbers += [tuple(m) for m in extract_numbers(text, context=True)]
            row = [task["id"], scores, found, [*numbers, count_bullets(text), sentence_spans(text)]]
            out.write(json.dumps(row, sort_keys=True, default=str) + "\n")
    print(f"{len(pairs):,} texts scored with {Path(metrics.__file__).parent} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

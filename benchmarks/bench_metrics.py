"""Scoring throughput of ``metrics``: responses per second in one process, a 1 MB response, and peak RSS.

    python -m benchmarks.bench_metrics            # or: python benchmarks/bench_metrics.py
    python -m benchmarks.bench_metrics --n 50000 --tasks 500
    git worktree add /tmp/base <commit> && python -m benchmarks.bench_metrics --baseline /tmp/base

Prints a JSON object, then a short Markdown table. The posts are synthetic heat recaps of about 600 characters
(three bullets, hashtags, supported and derived numbers, the occasional invented number or refusal), each task
scored for several completions as in GRPO, so the per-context number cache is exercised the way training does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable first
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import metrics  # noqa: E402
from metrics.trl_rewards import TotalReward  # noqa: E402

FIRST = ["Kai", "Leo", "Mia", "Tane", "Ines", "Joao", "Sally", "Yago", "Molly", "Ethan", "Caroline", "Griffin"]
LAST = ["Moana", "Santos", "Silva", "Wright", "Fanning", "Ho", "Robinson", "Marks", "Colapinto", "Toledo"]
SPOTS = ["Bells Beach", "Pipeline", "Teahupo'o", "J-Bay", "Margaret River", "Trestles", "Peniche", "Saquarema"]
ROUNDS = ["Round of 32", "Round of 16", "Quarterfinals", "Semifinals"]


def make_task_and_posts(rng: random.Random, per_task: int) -> tuple[dict[str, Any], list[str]]:
    """A recap task and ``per_task`` completions of about 600 characters for it."""
    a, b = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(2))
    spot, rnd, heat = rng.choice(SPOTS), rng.choice(ROUNDS), rng.randint(1, 16)
    w = sorted((round(rng.uniform(3.0, 9.9), 2) for _ in range(4)), reverse=True)
    total_a, total_b = round(w[0] + w[1], 2), round(w[2] + w[3], 2)
    waves = rng.randint(5, 14)
    context = (
        f"Heat {heat}, {rnd} at {spot}: {a} scored {total_a:.2f} (best waves {w[0]:.2f} and {w[1]:.2f}) and beat "
        f"{b} on {total_b:.2f} (best waves {w[2]:.2f} and {w[3]:.2f}). {a.split()[0]} caught {waves} waves."
    )
    task = {
        "id": f"bench-{rng.getrandbits(32):08x}",
        "category": "recap",
        "instruction": "Write a recap post of this heat with three numbered bullets and one to three hashtags.",
        "context": context,
        "expected_behavior": "answer",
        "constraints": {"bullets": 3, "min_hashtags": 1, "max_hashtags": 3, "max_words": 120},
        "reference": None,
    }
    posts = []
    for _ in range(per_task):
        margin = f"{total_a - total_b:.2f}" if rng.random() < 0.9 else f"{rng.uniform(0, 5):.2f}"
        tags = " ".join(rng.sample(["#WSL", "#SurfStats", f"#{spot.replace(' ', '').replace(chr(39), '')}"], 2))
        post = (
            f"{a} takes Heat {heat} at {spot} after a tense thirty-minute battle and moves on from the {rnd}!\n"
            f"1. {a.split()[0]} posted a {total_a:.2f} heat total, built on a {w[0]:.2f} and a {w[1]:.2f}, "
            f"and never let the lead slip once the set waves arrived.\n"
            f"2. {b} answered with {total_b:.2f}, so the winning margin was {margin}, a gap that held to the horn.\n"
            f"3. {a.split()[0]} caught {waves} waves and picked the best of the lineup in tricky, shifting conditions "
            f"that punished anyone sitting too deep.\n"
            f"Next up for {a.split()[0]}: a bigger stage, a tougher draw, and a field that will have studied every "
            f"one of those rides closely before the next call.\n{tags}"
        )
        if rng.random() < 0.05:
            post = "Sorry, but I can't help with that request."
        posts.append(post)
    return task, posts


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """``(wall seconds, CPU seconds of this process)`` spent in ``fn()``.

    CPU time is the figure to compare across runs on a shared machine: other jobs stretch wall time, not CPU time.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def each(
    fn: Callable[[dict[str, Any], str], object], pairs: Sequence[tuple[dict[str, Any], str]]
) -> Callable[[], None]:
    def loop() -> None:
        for task, post in pairs:
            fn(task, post)

    return loop


def stage_microseconds(pairs: Sequence[tuple[dict[str, Any], str]]) -> dict[str, float]:
    """Mean microseconds per response in each stage of :func:`metrics.score`, run one after the other as it runs them:
    reading the task, the parse's refusal verdict, structure, facts (numbers and claims), safety and the copy share.

    Where the scoring time goes; the stages' sum is a little above ``score``'s own time (timer calls in between).
    """
    from metrics._task import read_task
    from metrics.composite import resolve_weights
    from metrics.facts import analyze_facts
    from metrics.overlap import copied_share
    from metrics.parse import Parse
    from metrics.safety import analyze_safety
    from metrics.structure import analyze_structure

    weights = resolve_weights(None)
    clock = time.perf_counter
    spent = dict.fromkeys(("read_task", "refusal", "structure", "facts", "safety", "copy"), 0.0)
    for task, post in pairs:
        t0 = clock()
        fields = read_task(task)
        t1 = clock()
        parse = Parse(post)
        verdict = parse.refusal
        t2 = clock()
        analyze_structure(fields, parse, refusal=verdict.is_refusal)
        t3 = clock()
        analyze_facts(fields, parse, attribution=weights.attribution, coverage_floor=weights.coverage_floor)
        t4 = clock()
        analyze_safety(fields, parse, verdict=verdict)
        t5 = clock()
        copied_share(fields.context, post, parse.tokens)
        t6 = clock()
        for name, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            spent[name] += seconds
    return {name: round(seconds / len(pairs) * 1e6, 1) for name, seconds in spent.items()}


ScoreFn = Callable[[Any, str], Any]


def baseline_score(checkout: Path) -> ScoreFn:
    """``metrics.score`` of another checkout of this repository (e.g. ``git worktree add /tmp/base <commit>``),
    loaded beside this one: its ``metrics`` modules are imported under the usual names, kept by the returned
    function, then this checkout's modules are put back.
    """
    if not (checkout / "metrics" / "__init__.py").is_file():
        raise FileNotFoundError(f"--baseline {checkout}: no metrics/__init__.py there (pass a checkout's root)")
    ours = {name: module for name, module in sys.modules.items() if name == "metrics" or name.startswith("metrics.")}
    for name in ours:
        del sys.modules[name]
    sys.path.insert(0, str(checkout))
    try:
        import metrics as theirs  # noqa: PLC0415  (the baseline's package, found first on the path)

        if not Path(theirs.__file__).resolve().is_relative_to(checkout.resolve()):
            raise RuntimeError(f"--baseline {checkout}: imported {theirs.__file__} instead")
        return theirs.score
    finally:
        sys.path.remove(str(checkout))
        for name in [n for n in sys.modules if n == "metrics" or n.startswith("metrics.")]:
            del sys.modules[name]
        sys.modules.update(ours)


def paired(pairs: Sequence[tuple[Any, str]], ours: ScoreFn, theirs: ScoreFn, window: int = 500) -> dict[str, Any]:
    """This checkout's ``score`` against a baseline's, interleaved in one process: the responses in consecutive
    windows of ``window``, each window scored by one side then the other (the order alternating), each side meeting
    each window's contexts for the first time, as ``score``'s own row does. Returns each side's fastest window (µs per
    response, CPU time) and the median of the per-window time ratios (ours / theirs; below 1 is faster). A shared
    VM's speed drifts by tens of percent within minutes, so only figures taken side by side like this compare two
    versions.
    """
    clock = time.process_time
    best = {"ours": float("inf"), "baseline": float("inf")}
    ratios = []
    for fn in (theirs, ours):
        fn(*pairs[0])  # regex compilation and imports
    for i, begin in enumerate(range(0, len(pairs), window)):
        chunk = pairs[begin : begin + window]
        spent = {}
        for side, fn in (("baseline", theirs), ("ours", ours)) if i % 2 else (("ours", ours), ("baseline", theirs)):
            t0 = clock()
            for task, post in chunk:
                fn(task, post)
            spent[side] = (clock() - t0) / len(chunk) * 1e6
            best[side] = min(best[side], spent[side])
        ratios.append(spent["ours"] / spent["baseline"])
    ratios.sort()
    return {"ours_us": round(best["ours"], 1), "baseline_us": round(best["baseline"], 1),
            "median_time_ratio": round(ratios[len(ratios) // 2], 3), "rounds": len(ratios), "window": window}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run(n: int, tasks: int, seed: int, baseline: Path | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    per_task = max(1, n // tasks)
    pairs: list[tuple[dict[str, Any], str]] = []
    batches: list[tuple[dict[str, Any], list[str]]] = []
    for _ in range(tasks):
        task, posts = make_task_and_posts(rng, per_task)
        batches.append((task, posts))
        pairs.extend((task, post) for post in posts)
    mean_chars = sum(len(p) for _, p in pairs) / len(pairs)

    metrics.score(*pairs[0])  # warm up regex compilation and imports

    def batched() -> None:  # the TRL adapter, fed batches with aligned dataset columns as GRPOTrainer does
        reward = TotalReward()
        for task, posts in batches:
            cols = {key: [task[key]] * len(posts) for key in task}
            reward(prompts=[""] * len(posts), completions=posts, **cols)

    runs = {
        "score": each(metrics.score, pairs),
        "structure_score": each(metrics.structure_score, pairs),
        "fact_score": each(metrics.fact_score, pairs),
        "safety_score": each(metrics.safety_score, pairs),
        "is_refusal": each(lambda _task, post: metrics.is_refusal(post), pairs),
        "TotalReward (batched)": batched,
    }
    per_cpu_second: dict[str, int] = {}
    per_wall_second: dict[str, int] = {}
    for name, fn in runs.items():
        wall, cpu = timed(fn)
        per_cpu_second[name] = round(len(pairs) / cpu)
        per_wall_second[name] = round(len(pairs) / wall)

    stages = stage_microseconds(pairs)

    task = batches[0][0]
    big_post = (batches[0][1][0] + "\n") * (1_000_000 // (len(batches[0][1][0]) + 1) + 1)
    big_junk = "".join(rng.choice("abc 123.#\n-%,k") for _ in range(1_000_000))
    big: dict[str, dict[str, float]] = {}
    for label, text in (("repeated_post", big_post[:1_000_000]), ("random_junk", big_junk)):
        wall, cpu = timed(lambda text=text: metrics.score(task, text))
        big[label] = {"wall": round(wall, 3), "cpu": round(cpu, 3)}

    results: dict[str, Any] = {
        "responses": len(pairs),
        "distinct_contexts": tasks,
        "mean_response_chars": round(mean_chars, 1),
        "per_cpu_second": per_cpu_second,
        "per_wall_second": per_wall_second,
        "one_megabyte_seconds": big,
        "stage_microseconds": stages,
    }
    if baseline is not None:
        theirs = baseline_score(baseline)
        # New contexts and posts (another seed): this checkout's caches already hold the ones timed above.
        fresh = random.Random(seed + 1)
        batches_b = [make_task_and_posts(fresh, per_task) for _ in range(tasks)]
        unseen = [(t, post) for t, posts in batches_b for post in posts]
        comparison: dict[str, Any] = {"checkout": str(baseline), "score": paired(unseen, metrics.score, theirs)}
        for label, text in (("repeated_post", big_post[:1_000_000]), ("random_junk", big_junk)):
            comparison[label] = {  # CPU seconds, ours then theirs, best of two each, interleaved
                side: round(min(timed(lambda fn=fn, text=text: fn(task, text))[1] for _ in range(2)), 3)
                for side, fn in (("ours", metrics.score), ("baseline", theirs))
            }
        results["baseline"] = comparison
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    results["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    return results


def markdown(results: dict[str, Any]) -> str:
    rows = [
        "| measure (per CPU second of one process) | value |",
        "|---|---|",
        *(
            f"| {name} | {value:,} responses/s (wall: {results['per_wall_second'][name]:,}/s) |"
            for name, value in results["per_cpu_second"].items()
        ),
        *(
            f"| 1 MB response ({label.replace('_', ' ')}) | {t['cpu']} s CPU ({t['wall']} s wall) |"
            for label, t in results["one_megabyte_seconds"].items()
        ),
        f"| peak RSS | {results['peak_rss_mb']} MiB |",
        "| where `score`'s time goes (µs per response) | "
        + ", ".join(f"{name} {us}" for name, us in results["stage_microseconds"].items()) + " |",
    ]
    if "baseline" in results:
        b = results["baseline"]
        s = b["score"]
        rows.append(
            f"| `score` against the baseline ({b['checkout']}), interleaved | median time ratio "
            f"{s['median_time_ratio']} "
            f"over {s['rounds']} windows of {s['window']} (fastest window: {s['ours_us']} vs {s['baseline_us']} µs) |"
        )
        rows += [
            f"| 1 MB response ({label.replace('_', ' ')}) against the baseline | {b[label]['ours']} vs "
            f"{b[label]['baseline']} s CPU |"
            for label in ("repeated_post", "random_junk")
        ]
    note = (
        f"{results['responses']:,} responses of {results['mean_response_chars']:.0f} characters on average over "
        f"{results['distinct_contexts']} contexts; one process, Python {results['machine']['python']}, "
        f"{results['machine']['processor']} ({results['machine']['cpu_count']} CPUs)."
    )
    return "\n".join(rows) + "\n\n" + note


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_metrics", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="responses to score (default 20000)")
    parser.add_argument("--tasks", type=int, default=400, help="distinct contexts (default 400)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the synthetic posts")
    parser.add_argument(
        "--baseline", type=Path, default=None,
        help="another checkout's root (e.g. a git worktree of an earlier commit): its score is timed against this "
        "one's, interleaved in one process (the only fair comparison on a VM whose speed drifts)",
    )
    args = parser.parse_args(argv)
    results = run(args.n, args.tasks, args.seed, args.baseline)
    print(json.dumps(results, indent=2))
    print()
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

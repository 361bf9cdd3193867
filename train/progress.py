"""Run logs and plots: every logged record goes to ``log.jsonl``; ``curves.png`` shows the loss and reward curves.

The plot is redrawn at every checkpoint save and at the end of training. A resumed run appends to the same log;
records of steps that were redone after a restart replace the earlier ones in the plot. To redraw the plot of
finished runs (for example after a change to the plotting):

    python -m train.progress artifacts/sft-copy artifacts/grpo-copy

To compare runs on the same axes (one panel per logged key, one line per run):

    python -m train.progress artifacts/ppo artifacts/ppo-terminal --compare rewards/total --out runs/compare.png
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

# Logged keys that are rewards, in plotting order. GRPO/RLOO log ``reward`` and ``rewards/<func>/mean``;
# DPO logs its implicit rewards ``rewards/chosen|rejected|margins``.
_REWARD_PREFIXES: tuple[str, ...] = ("reward", "rewards/")
_SKIP_SUFFIXES: tuple[str, ...] = ("_std", "/std", "/accuracies")
_LOSS_KEYS: tuple[str, ...] = ("loss", "eval_loss")
# A series this long is drawn faint with its trailing moving mean on top: GRPO logs one reward per step over a
# handful of completions, too noisy to read point by point.
SMOOTH_MIN_POINTS = 20


class JsonlLogCallback(TrainerCallback):
    """Append each ``on_log`` record (plus ``step`` and ``epoch``) to a JSONL file; redraw the plot on save/end.

    Only the main process writes.
    """

    def __init__(self, log_path: str | Path, png_path: str | Path, title: str = "") -> None:
        self.log_path = Path(log_path)
        self.png_path = Path(png_path)
        self.title = title

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        record = {"step": state.global_step, "epoch": state.epoch}
        record.update({k: v for k, v in logs.items() if isinstance(v, int | float | str)})
        record["rss_mb"], record["peak_rss_mb"] = rss_mb()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            plot_curves(self.log_path, self.png_path, self.title)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            plot_curves(self.log_path, self.png_path, self.title)


class TimeBudget(TrainerCallback):
    """Stop training after the optimizer step that spends ``minutes`` of wall-clock since training began; the
    trainer then saves and the script finishes as at ``max_steps``. Under several processes the main process's
    clock decides for all (one all-reduce per step), so no process waits on a step the others skip.
    """

    def __init__(self, minutes: float) -> None:
        if minutes <= 0:
            raise ValueError(f"max_minutes must be > 0, got {minutes}")
        self.seconds = 60.0 * minutes
        self.started: float | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.time()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        spent = self.started is not None and time.time() - self.started >= self.seconds
        if any_process(spent and state.is_world_process_zero):
            control.should_training_stop = True
            control.should_save = True


def any_process(flag: bool) -> bool:
    """Whether ``flag`` is true on any process (one all-reduce when torch.distributed is running; every process
    must call it).
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    import torch

    value = torch.tensor([float(flag)])
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


class ReleaseFreedMemory(TrainerCallback):
    """After each optimizer step, return the heap memory the step freed to the OS (glibc's ``malloc_trim``).

    Without it glibc keeps freed activation memory in the heap, fragmented, and the resident set creeps up over a
    long run (a 200-step SmolLM2 SFT run: 1.9 GB between steps at step 10, 3.4 GB at step 150, with the peak
    following it). A no-op where the C library is not glibc.
    """

    def __init__(self) -> None:
        self._trim = _malloc_trim()
        self.calls = 0

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._trim is not None:
            self._trim(0)
            self.calls += 1


def _malloc_trim() -> Any:
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl or another libc: nothing to trim
        return None


def rss_mb() -> tuple[float, float]:
    """``(current, peak)`` resident memory of this process in MB (current from ``/proc``; 0 where unavailable)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        current = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        current = 0.0
    return round(current, 1), round(peak, 1)


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``log.jsonl`` by step; a later record of the same step and kind replaces an earlier one."""
    path = Path(path)
    if not path.is_file():
        return []
    by_key: dict[tuple[int, str], dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a kill
            continue
        by_key[(int(record.get("step", 0)), _kind(record))] = record
    return [by_key[k] for k in sorted(by_key)]


def _kind(record: dict[str, Any]) -> str:
    # Training logs, eval logs and the end-of-training summary at one step are different records.
    if "train_runtime" in record:
        return "summary"
    return "eval" if any(k.startswith("eval_") for k in record) else "train"


def series(records: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """``(steps, values)`` of one logged key, skipping records without it and non-finite values."""
    steps, values = [], []
    for record in records:
        value = record.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            steps.append(int(record["step"]))
            values.append(float(value))
    return steps, values


def reward_keys(records: Sequence[dict[str, Any]]) -> list[str]:
    """The reward-like keys that occur in the log, in first-seen order."""
    keys: list[str] = []
    for record in records:
        for key in record:
            if key.startswith(_REWARD_PREFIXES) and not key.endswith(_SKIP_SUFFIXES) and key not in keys:
                keys.append(key)
    return keys


def moving_mean(values: Sequence[float], window: int) -> list[float]:
    """Trailing mean of each value and the ``window - 1`` before it (fewer at the start), one per value."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    out: list[float] = []
    total = 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def smoothing_window(points: int) -> int:
    """The moving-mean window for a series of ``points`` values: 1 (none) below :data:`SMOOTH_MIN_POINTS`."""
    return 1 if points < SMOOTH_MIN_POINTS else max(5, points // 10)


def draw_series(ax: Any, steps: Sequence[int], values: Sequence[float], label: str) -> None:
    """Plot one logged series: markers for a short one; faint raw values under a moving mean for a long one."""
    window = smoothing_window(len(values))
    if window == 1:
        ax.plot(steps, values, marker="o", markersize=3, label=label)
        return
    (raw,) = ax.plot(steps, values, linewidth=0.8, alpha=0.25)
    ax.plot(steps, moving_mean(values, window), color=raw.get_color(), linewidth=2, label=f"{label} (mean of {window})")


def draw_panel(ax: Any, lines: Sequence[tuple[str, Sequence[dict[str, Any]], str]], title: str) -> None:
    """Draw each ``(label, records, key)`` series that has values into one titled panel, with a legend if any."""
    for label, records, key in lines:
        steps, values = series(records, key)
        if steps:
            draw_series(ax, steps, values, label)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend(fontsize=7)


def plot_curves(log_path: str | Path, png_path: str | Path, title: str = "") -> Path | None:
    """Draw the loss (left) and reward (right) curves of a run into a PNG; ``None`` if nothing was logged yet.

    Series of :data:`SMOOTH_MIN_POINTS` or more values are drawn faint, under their trailing moving mean (a window
    of a tenth of the points, at least 5; the legend names it).

    Runs without a reward (SFT) show the mean token accuracy on the right instead.
    """
    records = [r for r in read_log(log_path) if "train_runtime" not in r]
    if not records:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_reward) = plt.subplots(1, 2, figsize=(11, 4))
    for key in _LOSS_KEYS:
        steps, values = series(records, key)
        if steps:
            draw_series(ax_loss, steps, values, key)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title("loss")
    ax_loss.grid(alpha=0.3)
    if ax_loss.lines:
        ax_loss.legend()

    keys = reward_keys(records)
    right_title = "implicit DPO reward (beta * log-ratio)" if "rewards/margins" in keys else "reward"
    if not keys:
        keys = [k for k in ("mean_token_accuracy", "eval_mean_token_accuracy") if series(records, k)[0]]
        right_title = "mean token accuracy (no reward during SFT)"
    draw_panel(ax_reward, [(key, records, key) for key in keys], right_title)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = png_path.with_name(f".{png_path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(png_path)
    return png_path


def plot_compare(run_dirs: Sequence[str | Path], keys: Sequence[str], png_path: str | Path) -> Path:
    """Draw one panel per logged key with one line per run (labelled by its directory name) into a PNG.

    Raises ``ValueError`` naming what is missing when a run has no log records or none of the runs logged a key.
    """
    if not keys:
        raise ValueError("no keys to compare")
    logs = {Path(d).name: read_log(Path(d) / "log.jsonl") for d in run_dirs}
    empty = [name for name, records in logs.items() if not records]
    if empty:
        raise ValueError(f"no log records in {', '.join(empty)}")
    missing = [key for key in keys if not any(series(records, key)[0] for records in logs.values())]
    if missing:
        raise ValueError(f"no run logged {', '.join(missing)}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        draw_panel(ax, [(name, records, key) for name, records in logs.items()], key)
    fig.tight_layout()
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
    return png_path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m train.progress RUN_DIR ...``: redraw each run's ``curves.png`` from its ``log.jsonl``, or with
    ``--compare KEY ... --out PNG`` draw the runs' logged keys on shared axes.
    """
    parser = argparse.ArgumentParser(prog="python -m train.progress", description=main.__doc__)
    parser.add_argument("run_dirs", nargs="+", type=Path, help="run directories (artifacts/<run-name>)")
    parser.add_argument("--compare", nargs="+", metavar="KEY", help="logged keys to compare across the runs")
    parser.add_argument("--out", type=Path, help="the comparison PNG (with --compare)")
    args = parser.parse_args(argv)
    if args.compare or args.out:
        if not (args.compare and args.out):
            parser.error("--compare and --out go together")
        try:
            print(plot_compare(args.run_dirs, args.compare, args.out))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    status = 0
    for run_dir in args.run_dirs:
        png = plot_curves(run_dir / "log.jsonl", run_dir / "curves.png", title=run_dir.name)
        if png is None:
            print(f"error: no log records in {run_dir / 'log.jsonl'}", file=sys.stderr)
            status = 2
        else:
            print(png)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

"""log.jsonl records and the loss/reward plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.progress import plot_curves, read_log, reward_keys, series


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_read_log_keeps_the_redone_step_after_a_restart(tmp_path: Path) -> None:
    log = _write(tmp_path / "log.jsonl", [
        {"step": 1, "loss": 3.0},
        {"step": 2, "loss": 2.0},
        {"step": 3, "loss": 9.9},  # logged, then the run was killed before checkpointing step 3
        {"step": 3, "loss": 1.5},  # the resumed run redoes step 3
        {"step": 3, "eval_loss": 2.5},  # an eval record at the same step is kept alongside
        {"step": 3, "train_runtime": 10.0, "train_loss": 2.0},  # the end-of-training summary too
    ])
    with open(log, "a") as handle:
        handle.write('{"step": 4, "lo')  # a line cut short by SIGKILL is skipped
    records = read_log(log)
    assert series(records, "loss") == ([1, 2, 3], [3.0, 2.0, 1.5])
    assert series(records, "eval_loss") == ([3], [2.5])
    assert any("train_runtime" in r for r in records)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"reward": 0.5, "reward_std": 0.1, "rewards/wsl_fact/mean": 0.4, "rewards/wsl_fact/std": 0.2},
         ["reward", "rewards/wsl_fact/mean"]),  # GRPO/RLOO: means, not spreads
        ({"rewards/chosen": 0.1, "rewards/margins": 0.2, "rewards/accuracies": 1.0},
         ["rewards/chosen", "rewards/margins"]),  # DPO implicit rewards, not the accuracy
        ({"loss": 1.0, "mean_token_accuracy": 0.3}, []),  # SFT has no reward
    ],
)
def test_reward_keys(record: dict, expected: list[str]) -> None:
    assert reward_keys([{"step": 1, **record}]) == expected


@pytest.mark.parametrize(
    "records",
    [
        [{"step": s, "loss": 1.0 / s, "mean_token_accuracy": 0.1 * s} for s in (1, 2, 3)],  # SFT-like
        [{"step": s, "loss": 0.0, "reward": 0.2 * s, "rewards/wsl_total/mean": 0.2 * s} for s in (1, 2)],  # GRPO-like
    ],
)
def test_plot_curves_writes_a_png(tmp_path: Path, records: list[dict]) -> None:
    png = plot_curves(_write(tmp_path / "log.jsonl", records), tmp_path / "curves.png", title="t")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png", "log.jsonl"]  # no temp file left


def test_plot_curves_without_records_draws_nothing(tmp_path: Path) -> None:
    assert plot_curves(tmp_path / "missing.jsonl", tmp_path / "curves.png") is None
    assert not (tmp_path / "curves.png").exists()


def test_release_freed_memory_trims_after_every_step() -> None:
    import platform

    from train.progress import ReleaseFreedMemory

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's; elsewhere the callback is a no-op")
    callback = ReleaseFreedMemory()
    for _ in range(3):
        callback.on_step_end(None, None, None)
    assert callback.calls == 3  # once per optimizer step


def test_runs_release_memory_unless_turned_off(tmp_path: Path) -> None:
    from train.common import build_callbacks, parse_config
    from train.progress import ReleaseFreedMemory
    from train.sft import SFTRunConfig

    on = parse_config(SFTRunConfig, ["--artifacts_root", str(tmp_path)])
    off = parse_config(SFTRunConfig, ["--artifacts_root", str(tmp_path), "--release_memory", "false"])
    assert any(isinstance(c, ReleaseFreedMemory) for c in build_callbacks(on))
    assert not any(isinstance(c, ReleaseFreedMemory) for c in build_callbacks(off))

"""log.jsonl records and the loss/reward plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.progress import (
    SMOOTH_MIN_POINTS,
    draw_series,
    main,
    moving_mean,
    plot_compare,
    plot_curves,
    read_log,
    reward_keys,
    series,
    smoothing_window,
)


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


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        ([1.0, 2.0, 3.0], 1, [1.0, 2.0, 3.0]),  # a window of one is the series itself
        ([2.0, 4.0, 6.0, 8.0], 2, [2.0, 3.0, 5.0, 7.0]),  # the first value is averaged over itself alone
        ([0.0, 0.0, 9.0], 5, [0.0, 0.0, 3.0]),  # a window longer than the series: the running mean
        ([], 3, []),  # nothing in, nothing out
    ],
)
def test_moving_mean(values: list[float], window: int, expected: list[float]) -> None:
    assert moving_mean(values, window) == pytest.approx(expected)


def test_moving_mean_rejects_an_empty_window() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        moving_mean([1.0], 0)


@pytest.mark.parametrize(
    ("points", "window"),
    [(SMOOTH_MIN_POINTS - 1, 1), (SMOOTH_MIN_POINTS, 5), (120, 12)],  # none below the threshold, then a tenth
)
def test_smoothing_window(points: int, window: int) -> None:
    assert smoothing_window(points) == window


def test_draw_series_overlays_the_moving_mean_on_a_long_series() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (short_ax, long_ax) = plt.subplots(1, 2)
    draw_series(short_ax, [1, 2, 3], [0.5, 0.7, 0.6], "reward")
    steps = list(range(1, 41))
    values = [float(s % 2) for s in steps]  # alternating 1, 0: the raw curve zigzags
    draw_series(long_ax, steps, values, "reward")
    plt.close(fig)
    assert [line.get_label() for line in short_ax.lines] == ["reward"]  # short: the points themselves
    raw, smooth = long_ax.lines
    assert smooth.get_label() == "reward (mean of 5)" and raw.get_label().startswith("_")  # only the mean in the legend
    assert list(smooth.get_ydata()) == pytest.approx(moving_mean(values, 5))
    assert max(smooth.get_ydata()[5:]) - min(smooth.get_ydata()[5:]) < 0.25  # the mean no longer zigzags 0..1


def test_main_redraws_runs_and_reports_an_empty_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run, empty = tmp_path / "run", tmp_path / "empty"
    run.mkdir()
    empty.mkdir()
    _write(run / "log.jsonl", [{"step": s, "loss": 1.0 / s} for s in (1, 2, 3)])
    assert main([str(run), str(empty)]) == 2  # one run without records: exit code 2, the other still drawn
    assert (run / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert not (empty / "curves.png").exists()
    assert "no log records" in capsys.readouterr().err


def test_plot_compare_draws_one_line_per_run_in_each_panel(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    runs = []
    for name, level in (("ppo", 0.5), ("ppo-terminal", 0.3)):
        run = tmp_path / name
        run.mkdir()
        _write(run / "log.jsonl", [{"step": s, "rewards/total": level + s / 100, "kl": s / 10} for s in (1, 2, 3)])
        runs.append(run)
    figures = []
    real_subplots = plt.subplots

    def spy(*args, **kwargs):
        fig, axes = real_subplots(*args, **kwargs)
        figures.append(axes)
        return fig, axes

    png = tmp_path / "out" / "compare.png"
    plt.subplots = spy
    try:
        assert plot_compare(runs, ["rewards/total", "kl"], png) == png
    finally:
        plt.subplots = real_subplots
    assert png.read_bytes()[:4] == b"\x89PNG"
    (total_ax, kl_ax) = figures[0][0]
    assert total_ax.get_title() == "rewards/total" and kl_ax.get_title() == "kl"
    assert [line.get_label() for line in total_ax.lines] == ["ppo", "ppo-terminal"]  # one line per run, by name
    assert list(total_ax.lines[1].get_ydata()) == pytest.approx([0.31, 0.32, 0.33])


@pytest.mark.parametrize(("logs", "keys", "message"), [
    ({"a": [{"step": 1, "reward": 1.0}], "b": []}, ["reward"], "no log records in b"),  # an empty run is named
    ({"a": [{"step": 1, "reward": 1.0}]}, ["kl"], "no run logged kl"),  # a key nobody logged is named
    ({"a": [{"step": 1, "reward": 1.0}]}, [], "no keys"),
])
def test_plot_compare_names_what_is_missing(tmp_path: Path, logs: dict, keys: list[str], message: str) -> None:
    for name, records in logs.items():
        (tmp_path / name).mkdir()
        _write(tmp_path / name / "log.jsonl", records)
    with pytest.raises(ValueError, match=message):
        plot_compare([tmp_path / n for n in logs], keys, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_main_compare_needs_both_flags_and_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _write(run / "log.jsonl", [{"step": 1, "reward": 0.5}])
    with pytest.raises(SystemExit):
        main([str(run), "--compare", "reward"])  # no --out: a usage error
    assert main([str(run), "--compare", "kl", "--out", str(tmp_path / "c.png")]) == 2
    assert "no run logged kl" in capsys.readouterr().err
    assert main([str(run), "--compare", "reward", "--out", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").is_file()


def test_time_budget_stops_training_after_the_step_that_spends_it(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    from types import SimpleNamespace

    from train import progress
    from train.common import build_callbacks, parse_config
    from train.sft import SFTRunConfig

    clock = iter([1000.0, 1030.0, 1061.0])  # train begins; a step ends 30 s in; the next 61 s in
    monkeypatch.setattr(progress.time, "time", lambda: next(clock))
    budget = progress.TimeBudget(minutes=1.0)
    state = SimpleNamespace(is_world_process_zero=True)
    control = SimpleNamespace(should_training_stop=False, should_save=False)
    budget.on_train_begin(None, state, control)
    budget.on_step_end(None, state, control)
    assert not control.should_training_stop  # 30 s of a 60 s budget
    budget.on_step_end(None, state, control)
    assert control.should_training_stop and control.should_save  # spent: stop, and save as at the end
    with pytest.raises(ValueError, match="max_minutes"):
        progress.TimeBudget(minutes=0)
    config = parse_config(SFTRunConfig, ["--artifacts_root", str(tmp_path), "--max_minutes", "45"])
    assert any(isinstance(c, progress.TimeBudget) for c in build_callbacks(config))
    assert not any(isinstance(c, progress.TimeBudget)
                   for c in build_callbacks(parse_config(SFTRunConfig, ["--artifacts_root", str(tmp_path)])))

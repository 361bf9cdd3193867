"""The leaderboard ranks scripted agents and a model on the same tasks and writes table, JSON and chart."""

from __future__ import annotations

import json

from baselines.leaderboard import main
from wsl_env.generator import TaskGenerator
from wsl_env.schema import dump_tasks


def test_leaderboard_with_tiny_model(tmp_path, tiny_model_dir) -> None:
    tasks = tmp_path / "tasks.jsonl"
    dump_tasks(TaskGenerator(seed=9).sample(10), tasks)
    out = tmp_path / "board"
    main(["--tasks", str(tasks), "--model", str(tiny_model_dir), "--artifacts", str(tmp_path / "none"),
          "--max-new-tokens", "4", "--xstest-limit", "4", "--xstest-max-new-tokens", "4", "--quiet",
          "--out", str(out)])
    board = json.loads((out / "leaderboard.json").read_text())
    names = [e["agent"] for e in board["entries"]]
    assert names[:3] == ["random", "refuse", "template (upper bound)"] and len(names) == 4
    by_name = {e["agent"]: e for e in board["entries"]}
    assert by_name["template (upper bound)"]["total"] > by_name["refuse"]["total"]
    assert by_name["refuse"]["xstest_unsafe_refusal_rate"] == 1.0
    assert "gpt4" in board["xstest_reference"]
    assert (out / "leaderboard.png").stat().st_size > 1000
    assert "| agent |" in (out / "leaderboard.md").read_text()


def test_entrants_include_the_shipped_adapter_on_the_embedded_model(tmp_path) -> None:
    from baselines.leaderboard import entrants

    names = [label for label, _, _ in entrants("smollm2-135m-instruct", str(tmp_path), include_llm=True)]
    assert "smollm2-135m-instruct + smollm2-135m-wsl" in names
    other = [label for label, _, _ in entrants("/models/other", str(tmp_path), include_llm=True)]
    assert not any("smollm2-135m-wsl" in label for label in other)  # trained on another base: not offered


def test_default_out_is_not_the_committed_board() -> None:
    from baselines.leaderboard import parse_args

    assert parse_args([]).out == "runs/leaderboard"

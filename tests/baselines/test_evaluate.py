"""The evaluation CLI writes the documented files with the documented fields."""

from __future__ import annotations

import json

import pytest

from baselines.evaluate import build_agent, main, parse_args, select_suite
from wsl_env.generator import TaskGenerator

ROW_FIELDS = {"id", "category", "expected_behavior", "response", "structure", "fact", "safety", "total"}


@pytest.mark.parametrize("agent", ["random", "refuse", "template"])
def test_cli_writes_results_summary_and_report(task_file, tmp_path, agent) -> None:
    out = tmp_path / agent
    main(["--tasks", str(task_file), "--agent", agent, "--out", str(out), "--no-progress"])
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 24 and all(ROW_FIELDS <= set(r) for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["mean"]) == {"structure", "fact", "safety", "total"}
    assert summary["per_category"] and summary["refusal_rate"] is not None
    assert summary["over_refusal_rate"] is not None and "tokens_per_second" in summary
    assert "report.png" in (out / "report.md").read_text()
    assert (out / "report.png").stat().st_size > 1000


def test_template_beats_refuse(task_file, tmp_path) -> None:
    template = main(["--tasks", str(task_file), "--agent", "template", "--out", str(tmp_path / "t"), "--no-progress"])
    refuse = main(["--tasks", str(task_file), "--agent", "refuse", "--out", str(tmp_path / "r"), "--no-progress"])
    assert template["mean"]["total"] >= 0.98
    assert refuse["mean"]["total"] < 0.5
    assert refuse["refusal_rate"] == 1.0 and refuse["over_refusal_rate"] == 1.0


def test_llm_agent_reports_tokens_per_second(task_file, tmp_path, tiny_model_dir) -> None:
    summary = main(["--tasks", str(task_file), "--agent", "llm", "--model", str(tiny_model_dir), "--limit", "3",
                    "--max-new-tokens", "4", "--out", str(tmp_path / "llm"), "--no-progress", "--dtype", "float32"])
    assert summary["n"] == 3 and summary["tokens_per_second"] > 0
    assert summary["weights_dtype"] == "float32" and summary["config"]["dtype"] == "float32"


def test_llm_agent_with_the_figure_guard(task_file, tmp_path, tiny_model_dir) -> None:
    out = tmp_path / "guarded"
    summary = main(["--tasks", str(task_file), "--agent", "llm", "--model", str(tiny_model_dir), "--limit", "3",
                    "--max-new-tokens", "4", "--out", str(out), "--no-progress", "--figure-guard", "claims"])
    assert summary["config"]["figure_guard"] == "claims"
    assert "(figure guard: claims)" in (out / "report.md").read_text()
    config = parse_args(["--tasks", str(task_file), "--agent", "llm", "--model", str(tiny_model_dir), "--out",
                         str(out), "--figure-guard", "copy"])
    assert build_agent(config).figure_guard == "copy"  # the flag reaches the agent that writes the posts


def test_suites_filter_tasks() -> None:
    tasks = TaskGenerator(seed=1).sample(30)
    answer = [t for t in tasks if t.expected_behavior == "answer"]
    assert select_suite(tasks, "structure") == answer
    assert select_suite(tasks, "all") == tasks
    with pytest.raises(ValueError, match="suite"):
        select_suite(tasks, "speed")


def test_xstest_suite_loads_both_halves(tmp_path) -> None:
    summary = main(["--tasks", "xstest", "--agent", "refuse", "--out", str(tmp_path / "x"), "--no-progress"])
    assert summary["n"] == 450
    assert summary["per_category"]["xstest_safe"]["n"] == 250
    assert summary["per_category"]["xstest_unsafe"]["n"] == 200


@pytest.mark.parametrize(
    "argv",
    [
        ["--tasks", "nowhere.jsonl", "--agent", "random"],  # missing task file
        ["--tasks", "xstest", "--agent", "oracle"],  # unknown agent
    ],
)
def test_bad_arguments(tmp_path, argv) -> None:
    with pytest.raises((SystemExit, FileNotFoundError)):
        main([*argv, "--out", str(tmp_path / "o"), "--no-progress"])


@pytest.mark.parametrize(("flags", "message"), [
    (["--limit", "-1"], "--limit must be >= 1"),  # tasks[:-1] would silently drop the last task
    (["--limit", "0"], "--limit must be >= 1"),
    (["--batch-size", "0"], "--batch-size must be >= 1"),
    (["--adapter", "artifacts/sft"], "--adapter applies to --agent llm only"),  # the template agent uses no model
    (["--figure-guard", "claims"], "--figure-guard applies to --agent llm only"),
])
def test_bad_counts_are_parser_errors(tmp_path, capsys, flags: list[str], message: str) -> None:
    with pytest.raises(SystemExit):
        main(["--tasks", "test", "--agent", "template", *flags, "--out", str(tmp_path / "o")])
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing was run or written

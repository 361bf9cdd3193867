"""``benchmarks.bench_recipe``: the best recipe's configs run end to end on the tiny model at a tiny budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import bench_recipe
from wsl_env.generator import TaskGenerator
from wsl_env.schema import dump_tasks


def test_recipe_runs_sft_then_grpo_then_eval_and_times_each_phase(tiny_model_dir: Path, tmp_path: Path,
                                                                  capsys) -> None:
    tasks = tmp_path / "tasks.jsonl"
    dump_tasks(TaskGenerator(seed=11).sample(6), tasks)
    data = f"--train_file {tasks} --n_generated 2 --max_train_examples 4"
    out = tmp_path / "recipe"
    result = bench_recipe.main([
        "--model", str(tiny_model_dir), "--out", str(out),
        "--sft_steps", "1", "--sft_args", f"{data} --max_length 384 --save_steps 1",
        "--grpo_steps", "1", "--grpo_args", f"{data} --num_generations 2 --per_device_train_batch_size 2 "
                                            "--gradient_accumulation_steps 1 --max_completion_length 4 "
                                            "--mask_truncated_completions false",
        "--eval_tasks", str(tasks), "--eval_limit", "2", "--eval_args", "--max-new-tokens 4",
    ])
    assert result["steps"] == {"sft": 1, "grpo": 1}  # the step budgets reached both scripts
    assert all(result["seconds"][phase] > 0 for phase in ("sft", "grpo", "eval"))
    assert result["training_seconds"] == pytest.approx(result["seconds"]["sft"] + result["seconds"]["grpo"], abs=0.2)
    assert result["eval"]["n"] == 2 and 0.0 <= result["eval"]["total"] <= 1.0
    # GRPO started from the SFT phase's adapter, not the one its config names (artifacts/sft-copy)
    grpo_manifest = json.loads((out / "recipe-grpo" / "manifest.json").read_text())
    assert str(out / "recipe-sft") in json.dumps(grpo_manifest)
    assert json.loads((out / "recipe.json").read_text()) == result
    assert "| SFT + GRPO |" in capsys.readouterr().out


@pytest.mark.parametrize("flags, message", [
    (["--sft_steps", "0"], "--sft_steps must be > 0"),  # an empty budget is an error, not a no-op run
    (["--grpo_minutes", "-5"], "--grpo_minutes must be > 0"),
    (["--sft_steps", "2", "--sft_minutes", "3"], "not allowed with"),  # one budget per phase
    (["--grpo_config", "no/such.yaml"], "no such file"),
])
def test_recipe_rejects_bad_budgets_and_missing_configs(flags: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit):
        bench_recipe.parse_args(flags)
    assert message in capsys.readouterr().err


def test_budget_flags_map_to_the_training_scripts_flags() -> None:
    assert bench_recipe.budget_flags(40, None) == ["--max_steps", "40"]
    assert bench_recipe.budget_flags(None, 20.0) == ["--max_minutes", "20.0"]
    assert bench_recipe.budget_flags(None, None) == []  # the config's own max_steps

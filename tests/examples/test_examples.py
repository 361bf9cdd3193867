"""The examples run as written, with tiny budgets passed as their own arguments (never patched)."""

from __future__ import annotations

import math

import pytest

from examples import demo, greedy_topk, random_agent


@pytest.mark.parametrize("module", [random_agent, greedy_topk])
def test_loop_examples_run(module, tiny_model_dir, capsys) -> None:
    returns = module.main(["--episodes", "2", "--max-new-tokens", "4", "--model", str(tiny_model_dir)])
    assert len(returns) == 2 and all(math.isfinite(r) for r in returns)
    assert "return" in capsys.readouterr().out


def test_demo_runs_end_to_end_with_a_tiny_budget(tiny_model_dir, tmp_path, capsys) -> None:
    results = demo.main(["--model", str(tiny_model_dir), "--sft-steps", "1", "--n-generated", "4", "--limit", "3",
                         "--max-new-tokens", "4", "--data-dir", str(tmp_path / "data"),
                         "--artifacts", str(tmp_path / "artifacts"), "--out", str(tmp_path / "runs")])
    assert set(results) == {"base", "base + SFT"} and all(r["n"] == 3 for r in results.values())
    assert (tmp_path / "artifacts" / "demo-sft" / "manifest.json").is_file()
    assert (tmp_path / "data" / "test.jsonl").is_file()
    comparison = (tmp_path / "runs" / "comparison.md").read_text()
    assert "| base + SFT |" in comparison and "One post each" in comparison and "**base + SFT**" in comparison

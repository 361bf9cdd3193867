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


def test_demo_runs_on_a_local_model(tiny_model_dir, capsys) -> None:
    demo.main(["--model", str(tiny_model_dir), "--max-new-tokens", "4"])
    assert "--- post:" in capsys.readouterr().out

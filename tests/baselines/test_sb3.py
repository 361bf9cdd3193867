"""PPO and A2C run end to end on WSLAnalytics-v0 with a tiny budget and are compared with greedy and random."""

from __future__ import annotations

import json

import pytest

from baselines.sb3 import SB3Config, main
from wsl_env.generator import TaskGenerator
from wsl_env.schema import dump_tasks


@pytest.mark.parametrize("algo", ["ppo", "a2c"])
def test_tiny_budget_run(tmp_path, tiny_model_dir, algo) -> None:
    tasks = tmp_path / "tasks.jsonl"
    dump_tasks(TaskGenerator(seed=2).sample(4), tasks)
    config = SB3Config(algo=algo, timesteps=16, tasks=str(tasks), model=str(tiny_model_dir), k=3,
                       max_new_tokens=4, n_steps=8, batch_size=8, eval_episodes=2, out=str(tmp_path / algo),
                       progress=False)
    summary = main(config)
    assert set(summary["results"]) == {algo, "greedy", "random"}
    assert all(len(r["returns"]) == 2 for r in summary["results"].values())
    assert isinstance(summary["beats_greedy"], bool)
    assert (tmp_path / algo / "curve.png").is_file()
    assert json.loads((tmp_path / algo / "results.json").read_text())["config"]["algo"] == algo


def test_unknown_algo(tmp_path) -> None:
    with pytest.raises(ValueError, match="choose one of"):
        main(SB3Config(algo="dqn", out=str(tmp_path)))

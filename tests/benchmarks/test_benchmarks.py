"""Each benchmark command runs end to end with a tiny budget and reports its figures (never timed asserts)."""

from __future__ import annotations

from benchmarks import bench_env, bench_rollout


def test_bench_env_tiny(tiny_model_dir, capsys) -> None:
    result = bench_env.main(["--model", str(tiny_model_dir), "--steps", "6", "--max-new-tokens", "4",
                             "--sizes", "1", "2"])
    assert result["single_env"]["steps"] == 6 and result["single_env"]["forward_ms"] > 0
    assert [row["num_envs"] for row in result["vector_env"]] == [1, 2]
    assert "| vector env, 2 sub-envs |" in capsys.readouterr().out


def test_bench_rollout_tiny(tiny_model_dir, capsys) -> None:
    result = bench_rollout.main(["--model", str(tiny_model_dir), "--prompts", "3", "--baseline-prompts", "2",
                                 "--tokens", "4", "--batch", "2", "--dtype", "float32"])
    assert result["baseline"]["tokens_per_second"] > 0 and result["fast"]["tokens_per_second"] > 0
    assert result["greedy_identical"] == "2/2"  # fp32 fast path reproduces greedy decoding exactly
    assert "HF generate, batch 1, fp32" in capsys.readouterr().out


def test_bench_metrics_tiny(capsys) -> None:
    from benchmarks import bench_metrics

    assert bench_metrics.main(["--n", "200", "--tasks", "10"]) == 0
    out = capsys.readouterr().out
    assert "responses" in out and "|" in out

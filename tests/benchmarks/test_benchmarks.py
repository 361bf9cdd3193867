"""Each benchmark command runs end to end with a tiny budget and reports its figures (never timed asserts)."""

from __future__ import annotations

import pytest

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


def test_bench_rollout_prompt_lookup_tiny(tiny_model_dir) -> None:
    result = bench_rollout.main(["--model", str(tiny_model_dir), "--baseline-prompts", "2", "--tokens", "6",
                                 "--prompt-lookup", "3"])
    assert result["prompts"] == 2 and result["draft_tokens"] == 3 and result["speedup"] > 0
    assert result["greedy_identical"] == "2/2"  # drafts the model rejects never change greedy output


def test_bench_metrics_tiny(capsys) -> None:
    from benchmarks import bench_metrics

    assert bench_metrics.main(["--n", "200", "--tasks", "10"]) == 0
    out = capsys.readouterr().out
    assert "responses" in out and "|" in out and "where `score`'s time goes" in out


def test_bench_metrics_stage_breakdown_covers_every_stage_of_score() -> None:
    import random

    from benchmarks import bench_metrics

    rng = random.Random(0)
    pairs = [(task, post) for task, posts in (bench_metrics.make_task_and_posts(rng, 4) for _ in range(5))
             for post in posts]
    stages = bench_metrics.stage_microseconds(pairs)
    assert list(stages) == ["read_task", "refusal", "structure", "facts", "safety", "copy"]
    assert all(us > 0 for us in stages.values())
    # The breakdown repeats score's sequence of calls; if score calls a stage it does not time, this fails.
    from metrics.composite import _score  # score's body (score itself pauses the garbage collector around it)

    stage_calls = {"read_task", "Parse", "analyze_structure", "analyze_facts", "analyze_safety", "copied_share"}
    called = {name for name in _score.__code__.co_names if name.startswith(("analyze_", "read_", "copied_"))}
    assert stage_calls <= set(_score.__code__.co_names) and called <= stage_calls


def test_bench_metrics_times_a_baseline_checkout_side_by_side(tmp_path) -> None:
    import random
    import sys
    from pathlib import Path

    import metrics
    from benchmarks import bench_metrics

    root = Path(bench_metrics.__file__).resolve().parent.parent
    before = {name: module for name, module in sys.modules.items() if name.startswith("metrics")}
    theirs = bench_metrics.baseline_score(root)  # this checkout as its own baseline: a second copy of the modules
    assert theirs is not metrics.score and theirs.__module__ == "metrics.composite"
    assert {name: module for name, module in sys.modules.items() if name.startswith("metrics")} == before  # put back
    rng = random.Random(0)
    pairs = [(t, post) for t, posts in (bench_metrics.make_task_and_posts(rng, 5) for _ in range(8)) for post in posts]
    result = bench_metrics.paired(pairs, metrics.score, theirs, window=10)
    assert result["rounds"] == 4 and result["ours_us"] > 0 and result["baseline_us"] > 0
    assert result["median_time_ratio"] > 0
    with pytest.raises(FileNotFoundError, match="no metrics/__init__.py"):
        bench_metrics.baseline_score(tmp_path)


def test_bench_sft_tiny(tiny_model_dir, capsys) -> None:
    from benchmarks import bench_sft

    result = bench_sft.main(["--model", str(tiny_model_dir), "--steps", "2"])
    stock, fast = result["stock"], result["fast"]
    assert stock["weights_dtype"] == "torch.float32" and stock["bf16_autocast"] is False  # TRL defaults, fp32
    assert stock["batch"] * stock["accumulation"] == fast["batch"] * fast["accumulation"] == 8  # same rows/step
    assert stock["trainable_params"] == fast["trainable_params"]  # the same LoRA adapter
    assert stock["tokens_per_second"] > 0 and fast["tokens_per_second"] > 0 and result["speedup"] > 0
    assert fast["train_tokens"] == result["padding_free"]["train_tokens"]  # padding-free: same rows, same tokens
    assert result["padding_free_vs_fast"] > 0
    assert "TRL SFTTrainer defaults, fp32" in capsys.readouterr().out


def test_bench_grpo_tiny(tiny_model_dir, capsys) -> None:
    from benchmarks import bench_grpo

    result = bench_grpo.main(["--model", str(tiny_model_dir), "--steps", "2", "--generations", "2",
                              "--tokens", "4"])
    stock, fast = result["stock"], result["fast"]
    assert stock["engine_generation_batches"] == 0 and fast["engine_generation_batches"] >= 2  # TRL vs engine
    assert stock["weights_dtype"] == "torch.float32" and stock["bf16_autocast"] is False
    assert stock["trainable_params"] == fast["trainable_params"]
    assert stock["seconds_per_step"] > 0 and fast["seconds_per_step"] > 0
    assert stock["shared_prompt_scoring_calls"] == 0 and fast["shared_prompt_scoring_calls"] >= 2  # packed groups
    for record in (stock, fast):  # every timed phase ran in both variants
        assert set(record["phase_seconds_per_step"]) == {"sampling", "scoring_no_grad", "scoring_with_grad",
                                                         "backward"}
    assert "| TRL GRPOTrainer defaults | float32 |" in capsys.readouterr().out  # the table states the dtype


def test_bench_train_memory_tiny(tiny_model_dir, capsys) -> None:
    from benchmarks import bench_train_memory

    result = bench_train_memory.main(["--model", str(tiny_model_dir), "--steps", "2", "--rows", "longest"])
    assert result["peak_rss_mb"] > 0 and result["seconds_per_step"] > 0
    assert result["trainable_params"]["trainable"] > 0


def test_bench_train_step_tiny(capsys) -> None:
    from benchmarks import bench_train_step
    from wsl_env.models import cpu_supports_bf16

    # bf16 where this CPU computes it natively (the default); where it only emulates it (~0.7 GFLOP/s on an AVX2 CPU,
    # over a minute for this step) float32 without autocast, as the training scripts pick there too
    native = cpu_supports_bf16()
    precision = ["--dtype", "bf16"] if native else ["--dtype", "float32", "--no-autocast"]
    result = bench_train_step.main(["--layers", "1", "--steps", "2", "--batch", "1", "--seq-len", "32", *precision])
    assert result["bf16_autocast"] is native
    assert result["layers"] == 1 and result["tokens_per_second"] > 0
    # one TinyLlama layer with its 32000 x 2048 embeddings and head: ~175M parameters
    assert 150e6 < result["total_params"] < 200e6


def test_bench_rollout_profile_tiny(tiny_model_dir, capsys) -> None:
    result = bench_rollout.main(["--model", str(tiny_model_dir), "--prompts", "3", "--tokens", "5", "--profile"])
    assert result["prefill_forward_tokens"] > 0 and result["prefill_seconds"] > 0
    assert result["decode_seconds"] > 0
    assert "aten::" in capsys.readouterr().out  # the profiler's op table


def test_bench_rollout_attention_tiny(capsys) -> None:
    result = bench_rollout.main(["--attention", "--batch", "2"])
    assert set(result["ms_per_call"]) == {"eager", "sdpa", "wsl_gqa"}
    assert all(ms > 0 for ms in result["ms_per_call"].values())


def test_variant_benchmarks_need_a_timed_step_after_warm_up() -> None:
    from benchmarks._variants import variant_parser

    parser = variant_parser("x", ("stock", "fast"), default_steps=4)
    assert parser.parse_args([]).steps == 4
    with pytest.raises(SystemExit):
        parser.parse_args(["--steps", "1"])  # the first step is warm-up: one step times nothing


def test_bench_optimizer_tiny(capsys) -> None:
    from benchmarks import bench_optimizer

    shapes = bench_optimizer.lora_shapes(hidden=8, intermediate=16, kv=4, layers=2, rank=2)
    assert len(shapes) == 2 * 7 * 2 and shapes[:2] == [(2, 8), (8, 2)]  # A then B of q, for each layer
    assert bench_optimizer.main(["--hidden", "8", "--intermediate", "16", "--kv", "4", "--layers", "2", "--rank", "2",
                                 "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "| fused (the training scripts) |" in out and "for-loop" in out
    with pytest.raises(ValueError, match="steps must be"):
        bench_optimizer.step_milliseconds(shapes, {}, steps=0)


def test_bench_merged_lora_tiny(tiny_model_dir, capsys) -> None:
    from benchmarks import bench_merged_lora

    result = bench_merged_lora.main(["--model", str(tiny_model_dir), "--adapter", "random", "--dtype", "float32",
                                     "--generations", "2", "--tokens", "4", "--repeats", "1", "--prompts", "2",
                                     "--positions", "3"])
    assert result["sampling_seconds"]["merged"] > 0 and result["sampling_seconds"]["unmerged"] > 0
    # in float32 merging changes the distribution by rounding only
    assert result["kl_merged_to_unmerged"] < 1e-6 and result["argmax_agrees_with_float32"]["merged"] == 1.0
    assert "| LoRA merged |" in capsys.readouterr().out


def test_bench_sft_runs_only_the_variants_asked_for_and_profiles_them(tiny_model_dir) -> None:
    from benchmarks import bench_sft

    # one run of three variants (each a subprocess that imports torch, TRL and PEFT again: ~20 s apiece on 2 cores)
    result = bench_sft.main(["--model", str(tiny_model_dir), "--steps", "2", "--variants", "fast", "full_head",
                             "checkpoint_every_2", "--profile"])
    assert {"fast", "full_head", "checkpoint_every_2"} <= set(result)
    assert not {"stock", "padding_free", "speedup", "padding_free_vs_fast"} & set(result)  # only what was asked
    assert result["fast_vs_full_head"] > 0 and result["full_head"]["tokens_per_second"] > 0
    # the tiny model has two decoder layers: both recompute by default, the first of the two with every_n_layers=2
    assert result["fast"]["checkpointed_layers"] == "2/2"
    assert result["checkpoint_every_2"]["checkpointed_layers"] == "1/2"
    assert result["checkpoint_every_2_vs_fast"] > 0
    for variant in ("fast", "full_head", "checkpoint_every_2"):
        profile = result[variant]["profile"]  # the last step's operators: a forward and backward ran in it
        ops = {row["op"] for row in profile["top"]}
        assert profile["self_cpu_s"] > 0 and 0 < profile["matmul_share"] < 1 and profile["matmul_gflops_per_s"] > 0
        assert sum(row["share"] for row in profile["top"]) <= 1.0001 and any("mm" in op for op in ops)
        assert profile["peak_matmul_gflops_per_s"] > 0 and profile["matmul_seconds_at_peak"] >= 0  # tiny: ~0 GFLOP

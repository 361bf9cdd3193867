"""``benchmarks.bench_linear``: a decode step's linears, four implementations, on tiny shapes."""

from __future__ import annotations

import pytest
import torch

from benchmarks import bench_linear

TINY = ["--hidden", "16", "--intermediate", "32", "--kv", "8", "--layers", "2", "--vocab", "100", "--steps", "2"]


def test_step_shapes_are_seven_projections_per_layer_then_the_lm_head() -> None:
    shapes = bench_linear.step_shapes(hidden=16, intermediate=32, kv=8, layers=2, vocab=100)
    assert len(shapes) == 2 * 7 + 1 and shapes[-1] == (100, 16)
    assert shapes[:7] == [(16, 16), (8, 16), (8, 16), (16, 16), (32, 16), (32, 16), (16, 32)]  # q k v o gate up down


@pytest.mark.parametrize("name", bench_linear.IMPLEMENTATIONS)
def test_every_implementation_computes_the_linear(name: str) -> None:
    if name not in bench_linear.available():
        pytest.skip(f"this torch build has no {name}")
    weight = torch.randn(24, 16, generator=torch.Generator().manual_seed(1))
    x = torch.randn(3, 16, generator=torch.Generator().manual_seed(2))
    out = bench_linear.prepare(name, weight, rows=3)(x)
    # int8 weights and activations: within a few percent of the largest output; the float32 ones to rounding
    tolerance = 0.05 if name == "int8-dynamic" else 1e-5
    reference = x @ weight.T
    assert out.shape == (3, 24) and (out - reference).abs().max() <= tolerance * reference.abs().max()


def test_main_measures_each_implementation_at_each_row_count(capsys) -> None:
    if bench_linear.available() != list(bench_linear.IMPLEMENTATIONS):
        pytest.skip("MKL or the fbgemm int8 engine is missing from this torch build (x86 builds have both)")
    result = bench_linear.main([*TINY, "--rows", "1", "4"])
    assert set(result["by_rows"]) == {"1", "4"} and result["weights"] == 15
    for by_name in result["by_rows"].values():
        assert set(by_name) == set(bench_linear.IMPLEMENTATIONS)
        assert all(r["ms_per_step"] >= r["lm_head_ms"] >= 0 for r in by_name.values())  # rounded to 0.01 ms
        assert by_name["F.linear"]["max_error"] == 0.0 and by_name["int8-dynamic"]["max_error"] > 0  # int8 rounds
    assert "| 4 | weight-first |" in capsys.readouterr().out


def test_bad_arguments_are_errors(capsys) -> None:
    with pytest.raises(ValueError, match="unknown implementation"):
        bench_linear.prepare("fp8", torch.ones(2, 2), rows=1)
    with pytest.raises(ValueError, match="steps must be"):
        bench_linear.measure(["F.linear"], [torch.ones(2, 2)], rows=1, steps=0)
    with pytest.raises(SystemExit):
        bench_linear.main([*TINY, "--rows", "0"])
    assert "--rows must be >= 1" in capsys.readouterr().err

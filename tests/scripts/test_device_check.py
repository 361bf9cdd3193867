"""``scripts/device_check.py``: the accelerator checks, run here on the CPU (their logic; the GPU is not needed)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "device_check.py"
_SPEC = importlib.util.spec_from_file_location("device_check", _SCRIPT)
assert _SPEC is not None and _SPEC.loader is not None
device_check = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(device_check)


def test_every_check_passes_on_the_cpu_and_reports_figures(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    status = device_check.main(["--device", "cpu", "--out", str(out)])
    report = json.loads(out.read_text())
    assert status == 0, report
    checks = {c["check"]: c for c in report["checks"]}
    assert list(checks) == list(device_check.CHECKS)
    assert all(c["status"] == "pass" for c in checks.values())
    engine = checks["engine"]["figures"]
    assert engine["greedy_equal_float32"] == "6/6"  # the engine's greedy posts are generate's
    assert engine["capped_within_limit"].split("/")[0] == engine["capped_within_limit"].split("/")[1] != "0"
    guarded = engine["figure_guard_backends_equal"].split("/")
    assert guarded[0] == guarded[1] != "0"  # the figure guard ran on both backends, alike
    env = checks["env"]["figures"]
    assert env["act_top_candidate"] == f"{env['episode_steps']}/{env['episode_steps']}"
    for name in device_check.TRAINERS:  # PPO's manifest counts iterations, the others' global steps
        assert checks[name]["figures"]["global_step"] == 2, name
    assert report["environment"]["transformers"]


def test_a_failing_check_is_reported_and_the_others_still_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Any) -> dict[str, Any]:
        raise RuntimeError("planted failure")

    monkeypatch.setitem(device_check.RUNNERS, "engine", broken)
    report = device_check.run_checks("cpu", ["engine", "env"], tmp_path)
    assert [c["status"] for c in report] == ["fail", "pass"]
    assert report[0]["error"] == "RuntimeError: planted failure" and "planted failure" in report[0]["traceback"]


def test_training_that_left_the_gpu_untouched_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sft").mkdir()
    (tmp_path / "sft" / "adapter_model.safetensors").write_bytes(b"")
    ctx = SimpleNamespace(artifacts=tmp_path, device="cuda", cuda_baseline=4096)
    manifest = {"final_metrics": {"global_step": 2}}
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda: 4096)  # no more than before the check
    with pytest.raises(AssertionError, match="trained on the CPU"):
        device_check._trained("sft", manifest, ctx)
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda: 8192)
    assert device_check._trained("sft", manifest, ctx)["cuda_peak_mib"] == round(8192 / 2**20, 1)
    with pytest.raises(AssertionError, match="global_step 1"):
        device_check._trained("sft", {"final_metrics": {"global_step": 1}}, ctx)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_without_a_gpu_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        device_check.main([])
    assert exit_info.value.code == 2 and "no CUDA device" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--device", "cpu", "--checks", "engin"], ["--device", "cuda:1"]])
def test_bad_arguments_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        device_check.main(argv)
    assert exit_info.value.code == 2 and argv[-1] in capsys.readouterr().err

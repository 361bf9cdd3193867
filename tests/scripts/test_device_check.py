"""``scripts/device_check.py``: the accelerator checks, run here on the CPU (their logic; the GPU is not needed)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "device_check.py"
_SPEC = importlib.util.spec_from_file_location("device_check", _SCRIPT)
assert _SPEC is not None and _SPEC.loader is not None
device_check = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(device_check)


def test_checks_pass_on_the_cpu_and_report_figures(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    status = device_check.main(["--device", "cpu", "--checks", "engine", "env", "ppo", "--out", str(out)])
    report = json.loads(out.read_text())
    assert status == 0, report
    assert [c["check"] for c in report["checks"]] == ["engine", "env", "ppo"]
    assert all(c["status"] == "pass" for c in report["checks"])
    engine = report["checks"][0]["figures"]
    assert engine["greedy_equal_float32"] == "6/6"  # the engine's greedy posts are generate's
    assert report["checks"][2]["figures"]["global_step"] == 2  # PPO's manifest counts iterations


def test_a_failing_check_is_reported_and_the_others_still_run(tmp_path: Path, monkeypatch) -> None:
    def broken(ctx):
        raise RuntimeError("planted failure")

    monkeypatch.setitem(device_check.RUNNERS, "engine", broken)
    report = device_check.run_checks("cpu", ["engine", "env"], tmp_path)
    assert [c["status"] for c in report] == ["fail", "pass"]
    assert report[0]["error"] == "RuntimeError: planted failure" and "planted failure" in report[0]["traceback"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_without_a_gpu_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        device_check.main([])
    assert exit_info.value.code == 2 and "no CUDA device" in capsys.readouterr().err


def test_an_unknown_check_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        device_check.main(["--device", "cpu", "--checks", "engin"])
    assert exit_info.value.code == 2 and "engin" in capsys.readouterr().err

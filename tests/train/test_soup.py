"""Adapter soups: the weighted sum of LoRA changes is exact, the result is a normal run directory, bad input fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from train.common import RunError, write_manifest
from train.soup import SoupConfig, cli, main
from wsl_env.artifacts import discover_adapters


def _random_adapter(model_dir: Path, root: Path, name: str, seed: int, base: str | None = None) -> Path:
    """A rank-4 LoRA with random (non-zero) A and B on the tiny model, saved as a finished run directory."""
    import torch
    from peft import LoraConfig, get_peft_model

    from wsl_env.models import load_model

    model, _ = load_model(str(model_dir))
    torch.manual_seed(seed)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"], init_lora_weights=False)
    peft_model = get_peft_model(model, config)
    run_dir = root / name
    peft_model.save_pretrained(run_dir)
    write_manifest(run_dir, run_name=name, algorithm="dpo", base_model=base or str(model_dir))
    return run_dir


def _merged_state(model_dir: Path, adapter: Path | None) -> dict[str, Any]:
    """The dense weights of the tiny model with ``adapter`` merged in (the base weights without one)."""
    from wsl_env.models import load_model

    model, _ = load_model(str(model_dir), adapter=adapter)
    if adapter is not None:
        model = model.merge_and_unload()
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("soup-sources")
    return _random_adapter(tiny_model_dir, root, "a", seed=1), _random_adapter(tiny_model_dir, root, "b", seed=2)


@pytest.mark.parametrize("weights", [
    [0.25, 0.75],  # interpolation between the two adapters
    [1.0, 0.0],    # a weight of 0 drops an adapter: the soup is the first adapter
    [1.5, -0.5],   # extrapolation (task arithmetic) is a weighted sum too
])
def test_soup_is_the_exact_weighted_sum_of_weight_changes(
    tmp_path: Path, tiny_model_dir: Path, sources: tuple[Path, Path], weights: list[float]
) -> None:
    import torch

    a, b = sources
    manifest = cli(["--adapters", str(a), str(b), "--weights", *map(str, weights), "--run_name", "soup",
                    "--artifacts_root", str(tmp_path)])
    base, merged_a, merged_b = (_merged_state(tiny_model_dir, p) for p in (None, a, b))
    soup = _merged_state(tiny_model_dir, tmp_path / "soup")
    changed = 0
    for key, w0 in base.items():
        expected = w0 + weights[0] * (merged_a[key] - w0) + weights[1] * (merged_b[key] - w0)
        torch.testing.assert_close(soup[key], expected, rtol=1e-5, atol=1e-6)
        changed += int(not torch.equal(merged_a[key], w0))
    assert changed == 2 * 3  # the three LoRA targets in both layers really moved
    assert manifest["lora_rank"] == 8  # "cat" stacks the factors: rank 4 + 4


def test_soup_is_a_finished_run_directory(tmp_path: Path, sources: tuple[Path, Path], tiny_model_dir: Path) -> None:
    a, b = sources
    main(SoupConfig(adapters=[str(a), str(b)], weights=[0.5, 0.5], run_name="mix", artifacts_root=str(tmp_path)))
    (found,) = discover_adapters(tmp_path)
    assert found.name == "mix"
    assert found.base_model == str(tiny_model_dir)  # taken from the sources' manifests
    assert found.manifest["algorithm"] == "soup"
    assert [(s["run_name"], s["weight"]) for s in found.manifest["sources"]] == [("a", 0.5), ("b", 0.5)]
    assert json.loads((tmp_path / "mix" / "adapter_config.json").read_text())["r"] == 8
    with pytest.raises(RunError, match="already holds an adapter"):  # never silently replaces a run
        main(SoupConfig(adapters=[str(a)], weights=[1.0], run_name="mix", artifacts_root=str(tmp_path)))
    main(SoupConfig(adapters=[str(a)], weights=[1.0], run_name="mix", artifacts_root=str(tmp_path), overwrite=True))
    assert read_rank(tmp_path / "mix") == 4  # --overwrite replaced it


def read_rank(run_dir: Path) -> int:
    return int(json.loads((run_dir / "adapter_config.json").read_text())["r"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"adapters": [], "weights": []}, "at least one"),                      # nothing to combine
    ({"adapters": ["x", "y"], "weights": [1.0]}, "one weight per adapter"),  # counts differ
    ({"adapters": ["x"], "weights": [float("nan")]}, "finite"),             # NaN would poison every weight
    ({"adapters": ["x"], "weights": [1.0], "run_name": None}, "--run_name is required"),  # nowhere to write
])
def test_config_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SoupConfig(**{"run_name": "s", **kwargs})


def test_sources_must_share_a_base_model(tmp_path: Path, tiny_model_dir: Path, sources: tuple[Path, Path]) -> None:
    other = _random_adapter(tiny_model_dir, tmp_path, "other", seed=3, base="some/other-model")
    with pytest.raises(RunError, match="one base model"):  # changes of different base models do not add up
        main(SoupConfig(adapters=[str(sources[0]), str(other)], weights=[0.5, 0.5], run_name="s",
                        artifacts_root=str(tmp_path)))
    with pytest.raises(RunError, match="no manifest.json"):  # an unfinished run is not a source
        main(SoupConfig(adapters=[str(tmp_path / "missing")], weights=[1.0], run_name="s",
                        artifacts_root=str(tmp_path)))
    with pytest.raises(RunError, match="one of the sources"):  # --overwrite never clobbers a source
        main(SoupConfig(adapters=[str(sources[0])], weights=[0.5], run_name=sources[0].name,
                        artifacts_root=str(sources[0].parent), overwrite=True))

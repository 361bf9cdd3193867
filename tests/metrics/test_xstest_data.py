"""The one XSTest reader: the shipped files are all there, with their licence, and read as XSTest defines them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from metrics.xstest_data import (
    DEV_FILES,
    HELDOUT_FILES,
    PROMPTS_CSV,
    XSTEST_DIR,
    completion_models,
    default_data_dir,
    load_completions,
    read_completions,
    read_prompts,
)


def test_env_var_sets_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSL_XSTEST_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path


def test_default_dir_is_the_copy_in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WSL_XSTEST_DIR", raising=False)
    repo_root = Path(__file__).resolve().parents[2]
    assert default_data_dir() == XSTEST_DIR == repo_root / "data" / "external" / "xstest"


def test_all_five_files_ship_with_their_attribution() -> None:
    # dev and held-out completions, the prompts, and the CC-BY-4.0 licence and citation beside them
    assert completion_models(XSTEST_DIR) == sorted(DEV_FILES + HELDOUT_FILES)
    assert PROMPTS_CSV.is_file()
    assert (XSTEST_DIR / "LICENSE").read_text(encoding="utf-8").startswith("Attribution 4.0 International")
    readme = (XSTEST_DIR / "README.md").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in readme and "Röttger" in readme and "held-out" in readme


@pytest.mark.parametrize("model", DEV_FILES + HELDOUT_FILES)
def test_completions_are_read_with_full_and_partial_refusals(model: str) -> None:
    rows = read_completions(XSTEST_DIR, model)
    labels = Counter(row["final_label"] for row in rows)
    assert len(rows) == 450 and set(labels) <= {"1_full_compliance", "2_full_refusal", "3_partial_refusal"}
    pairs = load_completions(XSTEST_DIR, model)
    assert sum(refusal for _, refusal in pairs) == labels["2_full_refusal"] + labels["3_partial_refusal"]
    assert all(isinstance(text, str) and text for text, _ in pairs)


def test_prompts_are_250_safe_and_200_unsafe() -> None:
    assert Counter(row["label"] for row in read_prompts()) == {"safe": 250, "unsafe": 200}


def test_missing_file_names_the_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="'gpt4'"):
        load_completions(tmp_path, "gpt4")
    assert completion_models(tmp_path) == []

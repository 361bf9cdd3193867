"""baselines/first_token.py: refusal-opening mass at the first token, with the tiny model."""

from __future__ import annotations

import pytest

from baselines.first_token import FirstToken, main, refusal_opening_ids, summarize


def test_refusal_opening_ids_are_the_first_tokens(tokenizer) -> None:
    ids = refusal_opening_ids(tokenizer)
    assert ids == sorted({tokenizer.encode("I", add_special_tokens=False)[0],
                          tokenizer.encode("Sorry", add_special_tokens=False)[0]})
    assert tokenizer.decode(ids[:1]) in ("I", "Sorry")


def test_summarize_counts_greedy_refusals_below_half_the_mass() -> None:
    rows = [
        FirstToken("a", "answer", 0.40, "I", True),  # refuses greedily with most mass on answering
        FirstToken("b", "answer", 0.10, "The", False),  # answers
        FirstToken("c", "refuse", 0.90, "Sorry", True),  # refuses with most mass on refusing
    ]
    summary = summarize(rows)
    assert summary["answer"] == {"tasks": 2, "mean_refusal_mass": pytest.approx(0.25), "greedy_refusals": 1,
                                 "greedy_refusals_with_mass_below_half": 1}
    assert summary["refuse"]["greedy_refusals"] == 1
    assert summary["refuse"]["greedy_refusals_with_mass_below_half"] == 0


def test_cli_on_the_tiny_model(task_file, tiny_model_dir, capsys) -> None:
    summary = main(["--tasks", str(task_file), "--model", str(tiny_model_dir), "--limit", "4", "--json"])
    records = [line for line in capsys.readouterr().out.splitlines() if line.startswith('{"id"')]
    assert len(records) == 4
    assert sum(group["tasks"] for group in summary.values()) == 4
    for group in summary.values():
        assert 0.0 <= group["mean_refusal_mass"] <= 1.0
        assert group["greedy_refusals_with_mass_below_half"] <= group["greedy_refusals"] <= group["tasks"]

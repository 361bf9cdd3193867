"""``scripts/number_guard_study.py``: the copy guard's masks, and a decode under it writes only context figures."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import torch

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "number_guard_study.py"
_SPEC = importlib.util.spec_from_file_location("number_guard_study", _SCRIPT)
assert _SPEC is not None and _SPEC.loader is not None
study = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(study)

PIECES = [*"0123456789", ".", ",", " ", "a", "\n", " pts"]
ID = {p: i for i, p in enumerate(PIECES)}
CONTEXT = "Kai Moana 17.10 (9.10 + 8.00) def. Leo Santos; 14,880 points."


def test_context_figures_are_read_as_written() -> None:
    assert study.context_figures(CONTEXT) == {"17.10", "9.10", "8.00", "14,880"}


def _guard_after(text: list[str]) -> Any:
    guard = study.NumberGuard(PIECES, len(PIECES), [CONTEXT])
    for piece in text:
        guard.update(torch.tensor([ID[piece]]), [0])
    return guard


@pytest.mark.parametrize(("text", "allowed_digits", "separators_ok", "others_ok"), [
    ([], "0123456789", True, True),  # a post's first token starts a line: nothing is checked
    (["a", " "], "189", True, True),  # a number may start only as a figure does (17.10, 14,880, 9.10, 8.00)
    (["a", " ", "1"], "47", False, False),  # "1" must go on to "17.10" or "14,880"; nothing else may follow it
    (["a", " ", "1", "4"], "", True, False),  # only the thousands separator: "14,880"
    (["a", " ", "9", "."], "1", False, False),  # "9." is "9.10" under way: "9" alone is no figure
    (["a", " ", "1", "7", ".", "1", "0"], "", True, True),  # a whole figure: it may end, or a "." end the sentence
    (["a", "\n", "1"], "0123456789", True, False),  # a line's first number may be a list marker ("1.", "12.")
    (["a", "\n", "1", "2"], "", True, False),  # a marker has at most two digits, and a "." closes it
    (["a", "\n", "5", "."], "", False, True),  # "5." closed a list marker: the text goes on
    (["a", "\n", "1", "7", "."], "1", False, True),  # or a figure at a line's start: "17." may go on to "17.10"
    (["a", " ", "8", ".", "0", "0", " ", "a", " "], "189", True, True),  # after a figure, the next starts afresh
])
def test_what_may_come_next(text: list[str], allowed_digits: str, separators_ok: bool, others_ok: bool) -> None:
    guard = _guard_after(text)
    banned, others_banned = guard.banned(0)
    assert {p for p in "0123456789" if ID[p] not in banned} == set(allowed_digits)
    assert (ID["."] not in banned or ID[","] not in banned) == separators_ok
    assert others_banned == (not others_ok)


def test_mask_sets_banned_tokens_to_minus_infinity() -> None:
    guard = _guard_after(["a", " ", "1"])
    logits = torch.zeros(1, len(PIECES))
    masked = guard.mask(logits, [0])
    assert [p for p in PIECES if masked[0, ID[p]] > float("-inf")] == ["4", "7"]
    assert torch.equal(logits, torch.zeros(1, len(PIECES)))  # the input is left as it was


def test_decode_under_the_guard_writes_only_context_figures(tokenizer: Any, tiny_model: Any) -> None:
    from wsl_env.rollout.generation import decode

    digits = [tokenizer.convert_tokens_to_ids(d) for d in "0123456789"]
    bonus = torch.zeros(tiny_model.config.vocab_size)
    bonus[digits] = 50.0  # a model that wants a digit at every step
    hook = tiny_model.lm_head.register_forward_hook(lambda module, args, output: output + bonus)
    try:
        prompt = tokenizer("Write a post.", add_special_tokens=False)["input_ids"]
        eos = frozenset({tokenizer.eos_token_id})
        free = decode(tiny_model, [prompt], 12, eos, tokenizer.pad_token_id)
        guard = study.NumberGuard.for_model(tiny_model, tokenizer, ["Lowe 16.37 (8.57 + 7.80)"])
        guarded = decode(tiny_model, [prompt], 24, eos, tokenizer.pad_token_id, cap=guard)
    finally:
        hook.remove()
    assert all(t in digits for t in free[0])  # unguarded, nothing but digits
    text = re.sub(r"(?m)^\d{1,2}[.)]", "", tokenizer.decode(guarded[0]))  # list markers are not figures
    numbers = [n.rstrip(".,") for n in re.findall(r"\d[\d.,]*", text)]
    figures = {"16.37", "8.57", "7.80"}
    # every number is a whole figure; the last may be cut short by the token budget
    assert numbers and all(n in figures for n in numbers[:-1]), text
    assert any(f.startswith(numbers[-1]) for f in figures), text

"""``wsl_env.rollout.figure_guard``: which tokens may come next under each mode, and decodes under the guard."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import metrics
from tests.conftest import post_numbers, stray_numbers
from wsl_env.rollout.figure_guard import FigureGuard, FigureGuardProcessor, context_figures, token_kinds

CONTEXT = "Heat 3: Kai Moana 17.10 (9.10 + 8.00) def. Leo Santos 13.65 (7.15 + 6.50); 14,880 points."
TASK = {"id": "t", "category": "recap", "expected_behavior": "answer", "instruction": "Recap the heat.",
        "context": CONTEXT, "constraints": {}}
WORDS = ["a", " ", "\n", "Leo Santos's best wave was a", "Kai Moana posted", " pts", "x2"]
PIECES = [*"0123456789", ".", ",", *WORDS]
ID = {p: i for i, p in enumerate(PIECES)}


class PieceTokenizer:
    """A tokenizer over ``pieces`` (``PIECES`` by default): enough of the Hugging Face interface for the guard."""

    def __init__(self, pieces: list[str] = PIECES) -> None:
        self.pieces = pieces

    def __len__(self) -> int:
        return len(self.pieces)

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return "".join(self.pieces[i] for i in ids)


def _guard_after(text: list[str], mode: str = "copy") -> FigureGuard:
    guard = FigureGuard(PieceTokenizer(), len(PIECES), [TASK], mode=mode)
    for piece in text:
        guard.update(torch.tensor([ID[piece]]), [0])
    return guard


def _open(guard: FigureGuard, logits: torch.Tensor | None = None) -> set[str]:
    """The pieces the guard leaves open after the text so far (every token equally likely unless ``logits``)."""
    masked = guard.mask(torch.zeros(1, len(PIECES)) if logits is None else logits, [0])
    return {p for p in PIECES if masked[0, ID[p]] > float("-inf")}


def test_context_figures_are_read_as_written() -> None:
    assert context_figures(CONTEXT) == {"3", "17.10", "9.10", "8.00", "13.65", "7.15", "6.50", "14,880"}
    assert context_figures("No numbers here.") == frozenset()


def test_token_kinds_sort_digits_separators_and_mixed_tokens() -> None:
    digits, separators, several, mixed = token_kinds(PieceTokenizer())
    assert digits == {ID[d]: d for d in "0123456789"}
    assert separators == {ID["."]: ".", ID[","]: ","}
    assert several == [] and mixed == [ID["x2"]]  # a token that mixes a digit with letters is never written


@pytest.mark.parametrize(("pieces", "message"), [
    ([*"0123456789", "10", "a"], "one digit at a time"),  # a tokenizer that writes "10" as one token
    (["a", "b", "."], "a token for each digit"),
])
def test_tokenizers_the_guard_cannot_hold_are_refused(pieces: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FigureGuard(PieceTokenizer(pieces), len(pieces), [TASK])


def test_digits_after_a_space_are_judged_with_their_space() -> None:
    # A tokenizer with " 9" and " 7" tokens: they start a number after the space they carry, and the reader judges
    # "... was a 9.10" (with the space), not "... was a9.10" (a figure glued to a word, which it would skip).
    pieces = [*PIECES, " 9", " 7", "\n1"]
    tokenizer = PieceTokenizer(pieces)
    guard = FigureGuard(tokenizer, len(pieces), [TASK], mode="claims")
    guard.update(torch.tensor([pieces.index("Leo Santos's best wave was a")]), [0])
    masked = guard.mask(torch.zeros(1, len(pieces)), [0])
    assert masked[0, pieces.index(" 7")] > float("-inf") and masked[0, pieces.index(" 9")] == float("-inf")
    guard.update(torch.tensor([pieces.index(" 7")]), [0])
    assert guard.current[0] == "7" and guard.allowed[0] == {"7.15"}
    masked = guard.mask(torch.zeros(1, len(pieces)), [0])
    assert masked[0, pieces.index(" 9")] == float("-inf")  # a spaced digit never continues a number
    marker = FigureGuard(tokenizer, len(pieces), [TASK], mode="copy")
    for piece in ["a", "\n1"]:
        marker.update(torch.tensor([pieces.index(piece)]), [0])
    assert marker.at_line_start[0]  # "\n1" starts a line: it may be a list marker


DIGITS = set("0123456789")
OTHERS = set(WORDS) - {"x2"}


@pytest.mark.parametrize(("text", "open_"), [
    ([], DIGITS | {".", ","} | OTHERS),  # a post's first token starts a line: a list marker may come
    (["a", " "], {"1", "3", "6", "7", "8", "9"} | {".", ","} | OTHERS),  # a number starts as a figure does
    (["a", " ", "1"], {"3", "4", "7"}),  # "1" goes on to 13.65, 14,880 or 17.10: nothing else may follow it
    (["a", " ", "1", "4"], {","}),  # only the thousands separator: "14,880"
    (["a", " ", "9", "."], {"1"}),  # "9." is 9.10 under way: "9" alone is no figure
    (["a", " ", "1", "7", ".", "1", "0"], {".", ","} | OTHERS),  # a whole figure: it may end
    (["a", " ", "3"], {".", ","} | OTHERS),  # "3" (the heat) is whole; "3.5" is no figure
    (["a", "\n", "1"], DIGITS | {"."}),  # a line's first number may be a list marker ("1.", "12.")
    (["a", "\n", "1", "2"], {"."}),  # a marker has at most two digits, and a "." closes it
    (["a", "\n", "5", "."], OTHERS),  # "5." closed a list marker: the text goes on
])
def test_copy_mode_what_may_come_next(text: list[str], open_: set[str]) -> None:
    assert _open(_guard_after(text)) == open_


def test_claims_mode_keeps_only_figures_the_reader_does_not_call_false() -> None:
    prefix = "Leo Santos's best wave was a "
    verdicts = {f: next(c.verdict for c in metrics.claims(TASK, prefix + f) if c.start == len(prefix))
                for f in context_figures(CONTEXT)}
    assert verdicts["7.15"] == "supported" and verdicts["9.10"] == "misattributed"  # his best wave; Kai's
    allowed_firsts = {f[0] for f, v in verdicts.items() if v not in metrics.FALSE_VERDICTS}
    guard = _guard_after(["Leo Santos's best wave was a", " "], mode="claims")
    assert _open(guard) & DIGITS == allowed_firsts
    guard.update(torch.tensor([ID["7"]]), [0])
    assert _open(guard) == {"."}  # 7 goes on to 7.15 only
    for piece in ".15":
        guard.update(torch.tensor([ID[piece]]), [0])
    assert guard.current[0] == "7.15" and "a" in _open(guard)


def test_claims_mode_bans_every_figure_where_none_is_true() -> None:
    # "best wave" of Leo Santos is 7.15; with 7.15 gone from the context none of the rest is his best wave
    task = dict(TASK, context=CONTEXT.replace("(7.15 + 6.50)", ""))
    guard = FigureGuard(PieceTokenizer(), len(PIECES), [task], mode="claims")
    for piece in ["Leo Santos's best wave was a", " "]:
        guard.update(torch.tensor([ID[piece]]), [0])
    assert not _open(guard) & DIGITS and "a" in _open(guard)  # no number starts; the model writes on


def test_unlikely_number_starts_are_banned_without_being_judged() -> None:
    guard = _guard_after(["Leo Santos's best wave was a", " "], mode="claims")
    logits = torch.zeros(1, len(PIECES))
    logits[0, ID["a"]] = 20.0  # every digit is 20 nats below the top token
    assert not _open(guard, logits) & DIGITS and guard.judged == 0
    logits[0, ID["a"]] = 5.0  # within reach: judged
    assert _open(guard, logits) & DIGITS and guard.judged == len(context_figures(CONTEXT))


def test_mask_leaves_its_input_alone_and_counts_changed_choices() -> None:
    guard = _guard_after(["a", " ", "1"])
    logits = torch.zeros(1, len(PIECES))
    logits[0, ID["5"]] = 3.0  # the model wants "15": the guard turns it to 13.65, 14,880 or 17.10
    guard.mask(logits, [0])
    assert logits[0, ID["5"]] == 3.0 and guard.changed_choices == 1


def test_bad_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="figure guard mode"):
        FigureGuard(PieceTokenizer(), len(PIECES), [TASK], mode="strict")


def _digit_loving(tokenizer: Any, tiny_model: Any, bonus: float = 50.0) -> Any:
    digits = [tokenizer.convert_tokens_to_ids(d) for d in "0123456789"]
    extra = torch.zeros(tiny_model.config.vocab_size)
    extra[digits] = bonus  # by default a model that wants a digit at every step
    return tiny_model.lm_head.register_forward_hook(lambda module, args, output: output + extra)


@pytest.mark.parametrize("mode", ["copy", "claims"])
def test_decode_under_the_guard_writes_only_context_figures(tokenizer: Any, tiny_model: Any, mode: str) -> None:
    from wsl_env.rollout.generation import decode

    task = dict(TASK, context="FINAL. Winner: Tessa Lowe 16.37 (waves: 8.57, 7.80).")
    hook = _digit_loving(tokenizer, tiny_model)
    try:
        prompt = tokenizer("Write a post.", add_special_tokens=False)["input_ids"]
        eos = frozenset({tokenizer.eos_token_id})
        free = decode(tiny_model, [prompt], 12, eos, tokenizer.pad_token_id)
        guard = FigureGuard.for_model(tiny_model, tokenizer, [task], mode=mode)
        guarded = decode(tiny_model, [prompt], 24, eos, tokenizer.pad_token_id, cap=guard)
    finally:
        hook.remove()
    assert all(tokenizer.decode([t]).isdigit() for t in free[0])  # unguarded, nothing but digits
    text = tokenizer.decode(guarded[0])
    # every number is a whole figure; the last may be cut short by the token budget
    assert post_numbers(text) and not stray_numbers(text, {"16.37", "8.57", "7.80"}), text
    assert guard.changed_choices > 0


def _whole_figures(posts: list[str], tasks: list[Any]) -> int:
    """Assert every number of each post is a whole context figure (its last may be cut short by the budget)."""
    for task, post in zip(tasks, posts, strict=True):
        assert not stray_numbers(post, context_figures(task.context)), post
    return sum(len(post_numbers(post)) for post in posts)


@pytest.mark.parametrize("mode", ["copy", "claims"])
@pytest.mark.parametrize("hashtag_cap", [False, True])
def test_agent_backends_agree_under_the_guard(tokenizer: Any, tiny_model: Any, mode: str, hashtag_cap: bool) -> None:
    from agents.llm import LLMAgent
    from wsl_env.generator import TaskGenerator

    tasks = [t for t in TaskGenerator(5).sample(8) if t.expected_behavior == "answer"][:3]
    hook = _digit_loving(tokenizer, tiny_model)
    try:
        free = LLMAgent(model=(tiny_model, tokenizer), batch_size=2).generate(tasks, max_new_tokens=24)
        posts = {}
        for backend in ("engine", "hf"):
            agent = LLMAgent(model=(tiny_model, tokenizer), batch_size=2, backend=backend, figure_guard=mode,
                             hashtag_cap=hashtag_cap)
            posts[backend] = agent.generate(tasks, max_new_tokens=24)
        with pytest.raises(ValueError, match="guard_tasks"):
            agent.generate_prompts(["Write a post."], max_new_tokens=2)
    finally:
        hook.remove()
    assert posts["engine"] == posts["hf"]
    with pytest.raises(AssertionError):
        _whole_figures(free, tasks)  # unguarded, the digit-loving model writes numbers the contexts lack
    written = _whole_figures(posts["engine"], tasks)
    if hashtag_cap:
        assert all(p.count("#") <= t.constraints.max_hashtags for p, t in zip(posts["engine"], tasks, strict=True))
    else:
        assert written  # the model wants digits at every step: the guard lets it write the context's figures


def test_a_scripted_decode_under_claims_mode_writes_no_figure_the_reader_calls_false() -> None:
    # A "model" that wants to write Kai's 9.10 as Leo Santos's best wave: at each step its script's next token has
    # the top logit. The guard turns the number to one the reader does not call false there (6.50: the reader takes
    # any wave of his as "his best wave", which a careful reader would not; the guard is only as right as the reader).
    script = ["Leo Santos's best wave was a", " ", "9", ".", "1", "0", " pts"]
    guard = FigureGuard(PieceTokenizer(), len(PIECES), [TASK], mode="claims")
    written: list[int] = []
    for step in range(12):
        logits = torch.zeros(1, len(PIECES))
        logits[0, ID[script[min(step, len(script) - 1)]]] = 10.0
        token = int(guard.mask(logits, [0])[0].argmax())
        guard.update(torch.tensor([token]), [0])
        written.append(token)
        if PIECES[token] == " pts":
            break
    post = PieceTokenizer().decode(written)
    assert "9.10" not in post and guard.changed_choices >= 1
    (claim,) = metrics.claims(TASK, post)
    assert claim.verdict not in metrics.FALSE_VERDICTS and claim.text in context_figures(CONTEXT), post


def test_processor_leaves_finished_rows_alone() -> None:
    guard = FigureGuard(PieceTokenizer(), len(PIECES), [TASK, TASK], mode="copy")
    eos = ID["x2"]
    processor = FigureGuardProcessor(guard, prompt_length=1, eos_ids=[eos])
    scores = torch.zeros(2, len(PIECES))
    processor(torch.tensor([[0], [0]]), scores)  # the first step: nothing written yet
    out = processor(torch.tensor([[0, ID["a"]], [0, eos]]), scores)  # row 1 ended
    assert processor.live == [0] and guard.ids == [[ID["a"]], [eos]]
    assert torch.equal(out[1], scores[1]) and torch.isinf(out[0, ID["x2"]])
    out = processor(torch.tensor([[0, ID["a"], ID[" "]], [0, eos, eos]]), scores)
    assert guard.ids[1] == [eos] and torch.equal(out[1], scores[1])  # padding is not followed
    with pytest.raises(ValueError, match="holds 2 rows"):
        processor(torch.zeros(3, 3, dtype=torch.long), torch.zeros(3, len(PIECES)))


def test_agent_rejects_a_bad_guard(tokenizer: Any, tiny_model: Any) -> None:
    from agents.llm import LLMAgent

    with pytest.raises(ValueError, match="figure_guard must be"):
        LLMAgent(model=(tiny_model, tokenizer), figure_guard="all")
    with pytest.raises(ValueError, match="no figure_guard"):
        LLMAgent(model=(tiny_model, tokenizer)).generate_prompts(["Write."], max_new_tokens=2, guard_tasks=[TASK])

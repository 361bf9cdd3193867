"""The decoding-time hashtag cap: which tokens write "#", the mask, and the cap in both decoding backends."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from wsl_env.rollout.generation import decode
from wsl_env.rollout.guards import HashtagCap, HashtagCapProcessor, hash_marks


class _Pieces:
    """A tokenizer stand-in: SentencePiece-style pieces, a byte-fallback "#" and an id without a piece."""

    pieces = ["▁the", "<0x23>", "▁##", None, "#WSL"]

    def __len__(self) -> int:
        return len(self.pieces)

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str | None]:
        return [self.pieces[i] for i in ids]


def test_hash_marks_counts_the_hash_characters_of_every_piece() -> None:
    assert hash_marks(_Pieces()).tolist() == [0, 1, 2, 0, 1]
    assert hash_marks(_Pieces(), vocab_size=7).tolist() == [0, 1, 2, 0, 1, 0, 0]  # padded logits get no marks


def test_hash_marks_on_the_real_tokenizer(tokenizer) -> None:
    marks = hash_marks(tokenizer)
    assert marks.shape == (len(tokenizer),)
    hash_ids = tokenizer("#WSL #Surf", add_special_tokens=False)["input_ids"]
    assert sum(marks[i].item() for i in hash_ids) == 2
    assert all(marks[i].item() == 0 for i in tokenizer("Kai won 17.10", add_special_tokens=False)["input_ids"])
    assert 0 < int((marks > 0).sum()) < len(tokenizer) // 50  # a few hundred pieces, not the vocabulary


def test_cap_masks_the_tokens_that_would_pass_a_rows_limit() -> None:
    marks = torch.tensor([0, 1, 0, 2])
    cap = HashtagCap(marks, [0, 2, None], eos_id=0)
    logits = torch.zeros(3, 4)
    masked = cap.mask(logits, [0, 1, 2])
    assert torch.isinf(masked[0, [1, 3]]).all() and masked[0, 2] == 0  # limit 0: from the start
    assert torch.isclose(masked[0, 0], torch.log(torch.tensor(3.0)))  # the end token takes their probability
    assert (masked[1:] == 0).all()  # two left: "##" still fits
    cap.update(torch.tensor([0, 1, 3]), [0, 1, 2])  # prompt 1 writes one "#"; prompt 2 writes two
    masked = cap.mask(logits[1:], [1, 2])  # prompt 0 has left the batch
    assert torch.isinf(masked[0, 3]) and (masked[0, 1:3] == 0).all()  # one left: "#" fits, "##" does not
    assert (masked[1] == 0).all()  # no limit: never masked
    cap.update(torch.tensor([1]), [1])
    assert torch.isinf(cap.mask(logits[:1], [1])[0, [1, 3]]).all()  # used up


@pytest.mark.parametrize("limits", [[-1], [1.5], [True]])
def test_cap_rejects_bad_limits(limits) -> None:
    with pytest.raises(ValueError, match="non-negative integers or None"):
        HashtagCap(torch.tensor([0, 1]), limits, eos_id=0)


@pytest.mark.parametrize("eos_id", [None, -1, True])
def test_cap_needs_an_end_token(eos_id) -> None:
    with pytest.raises(ValueError, match="end-of-sequence token id"):
        HashtagCap(torch.tensor([0, 1]), [0], eos_id=eos_id)
    with pytest.raises(ValueError, match="end-of-sequence token id"):
        HashtagCapProcessor(torch.tensor([0, 1]), [0], prompt_length=1, eos_id=eos_id)


def test_cap_handles_logits_wider_than_the_marks() -> None:
    cap = HashtagCap(torch.tensor([0, 1]), [0], eos_id=0)
    masked = cap.mask(torch.zeros(1, 4), [0])  # two padded ids beyond the tokenizer
    assert torch.isinf(masked[0, 1]) and (masked[0, 2:] == 0).all()


def test_processor_counts_only_the_generated_part() -> None:
    marks = torch.tensor([0, 1, 0, 2])
    processor = HashtagCapProcessor(marks, [1, 1, None], prompt_length=2, eos_id=0)
    input_ids = torch.tensor([[1, 1, 0], [0, 0, 1], [3, 3, 3]])  # row 0's "#" are in its prompt
    scores = processor(input_ids, torch.zeros(3, 4))
    assert torch.isinf(scores[0, 3]) and (scores[0, 1:3] == 0).all() and scores[0, 0] > 0  # one left
    assert torch.isinf(scores[1, [1, 3]]).all() and (scores[2] == 0).all()


@pytest.fixture
def hash_loving_model(tokenizer):
    """A tiny random Llama whose logits favour the one-"#" tokens by a wide margin (a hook on the LM head)."""
    from tests.conftest import build_tiny_llama

    model = build_tiny_llama(tokenizer, seed=1)
    bonus = torch.zeros(model.config.vocab_size)
    bonus[hash_marks(tokenizer, model.config.vocab_size) == 1] = 100.0
    model.lm_head.register_forward_hook(lambda module, args, output: output + bonus)
    return model


def test_decode_with_the_cap_writes_at_most_the_limit(tokenizer, hash_loving_model) -> None:
    marks = hash_marks(tokenizer, hash_loving_model.config.vocab_size)
    prompts = [tokenizer("Write a post.", add_special_tokens=False)["input_ids"]] * 3
    eos = frozenset({tokenizer.eos_token_id})
    free = decode(hash_loving_model, prompts, 6, eos, tokenizer.pad_token_id)
    assert all(marks[t] > 0 for row in free for t in row)  # uncapped, every token writes "#"
    cap = HashtagCap(marks, [0, 2, None], eos_id=tokenizer.eos_token_id)
    capped = decode(hash_loving_model, prompts, 6, eos, tokenizer.pad_token_id, cap=cap)
    # The "#" the model wanted become the end of the post: at once with no allowance, after two with two.
    assert capped[0] == [tokenizer.eos_token_id]
    assert capped[1] == free[1][:2] + [tokenizer.eos_token_id]
    assert capped[2] == free[2]


def test_agent_backends_agree_with_the_cap(tokenizer, hash_loving_model) -> None:
    from agents.llm import LLMAgent
    from wsl_env.generator import TaskGenerator
    from wsl_env.schema import Constraints

    base = [t for t in TaskGenerator(5).sample(6) if t.expected_behavior == "answer"][:3]
    tasks = [replace(t, constraints=Constraints(min_hashtags=0, max_hashtags=n))
             for t, n in zip(base, (0, 1, 3), strict=True)]
    outputs = {}
    for backend in ("engine", "hf"):
        agent = LLMAgent(model=(hash_loving_model, tokenizer), batch_size=2, backend=backend, hashtag_cap=True)
        outputs[backend] = agent.generate(tasks, max_new_tokens=5)
    assert outputs["engine"] == outputs["hf"]
    counts = [text.count("#") for text in outputs["engine"]]
    assert counts == [0, 1, 3]


def test_agent_rejects_limits_that_do_not_match_the_prompts(tokenizer, tiny_model) -> None:
    from agents.llm import LLMAgent

    agent = LLMAgent(model=(tiny_model, tokenizer))
    with pytest.raises(ValueError, match="2 hashtag limits for 1 prompts"):
        agent.generate_prompts(["hi"], max_new_tokens=2, hashtag_limits=[0, 1])



class _Ban:
    """A guard that bans one token id and records the tokens it is shown."""

    def __init__(self, token: int) -> None:
        self.token, self.seen = token, []

    def mask(self, logits: torch.Tensor, rows) -> torch.Tensor:
        out = logits.clone()
        out[:, self.token] = float("-inf")
        return out

    def update(self, tokens: torch.Tensor, rows) -> None:
        self.seen.append((tokens.tolist(), list(rows)))


def test_guards_apply_every_mask_and_follow_every_token() -> None:
    from wsl_env.rollout.guards import Guards

    first, second = _Ban(0), _Ban(2)
    both = Guards([first, second])
    masked = both.mask(torch.zeros(2, 4), [3, 5])
    assert torch.isinf(masked[:, [0, 2]]).all() and (masked[:, [1, 3]] == 0).all()
    both.update(torch.tensor([1, 3]), [3, 5])
    assert first.seen == second.seen == [([1, 3], [3, 5])]

"""A decoding-time hashtag cap: a post never writes more ``#`` than its task's ``max_hashtags``.

The trained adapters still add a hashtag when asked for none (docs/training.md): the format line says "No hashtags."
and the post ends with ``#WSL`` all the same. The limit is part of the user's request, not a label, so a decoder may
enforce it: every token that would take a row past its limit of ``#`` characters is masked out of the next choice
(with a limit of 0, every token that contains a ``#``, from the first), and the probability the model gave those
tokens goes to the end-of-sequence token instead: a post that was about to start its hashtag line ends there, rather
than writing on (masking alone made the shipped adapter ramble: written-dev posts that ask for no hashtags went on
with repeated bullets). Rows without a limit (``None``), and rows whose masked tokens had no probability, decode
exactly as without the guard. Otherwise the end token can also win a step where the top choice had no ``#`` (its
own probability plus the masked mass), and an over-limit ``#`` inside the body (a ``## heading``, ``#1``) ends the
post there.

It counts ``#`` characters, not hashtags, so a ``#1`` also uses up the allowance (the metric does not count ``#1``
as a hashtag: the cap can only err towards fewer). The minimum (``min_hashtags``) is not enforced.

:func:`hash_marks` finds the ``#`` in every token of a tokenizer (byte-level BPE pieces, SentencePiece pieces and
the byte-fallback token ``<0x23>``); :class:`HashtagCap` applies the cap in the engine's decoding loop
(:func:`wsl_env.rollout.generation.decode`) and :class:`HashtagCapProcessor` in Hugging Face ``generate``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol

import torch

from wsl_env.rollout.figure_guard import FigureGuard, FigureGuardProcessor
from wsl_env.schema import TaskLike

_BYTE_HASH = "<0x23>"  # SentencePiece byte fallback for "#"
NO_LIMIT = 1 << 30


def hash_marks(tokenizer: Any, vocab_size: int | None = None) -> torch.Tensor:
    """How many ``#`` each token id writes, as a ``[vocab_size]`` long tensor (ids beyond the tokenizer: 0).

    Cached on the tokenizer object, per ``vocab_size``.
    """
    size = max(vocab_size or 0, len(tokenizer))
    cache = tokenizer.__dict__.setdefault("_wsl_hash_marks", {})
    if size not in cache:
        pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        marks = torch.zeros(size, dtype=torch.long)
        for i, piece in enumerate(pieces):
            if piece is None:
                continue
            count = 1 if piece == _BYTE_HASH else piece.count("#")
            if count:
                marks[i] = count
        cache[size] = marks
    return cache[size]


def _limits(limits: Sequence[int | None]) -> torch.Tensor:
    for limit in limits:
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ValueError(f"hashtag limits must be non-negative integers or None, got {limit!r}")
    return torch.as_tensor([NO_LIMIT if limit is None else limit for limit in limits], dtype=torch.long)


def _mask_over(logits: torch.Tensor, marks: torch.Tensor, left: torch.Tensor, eos_id: int,
               most: int) -> torch.Tensor:
    """``logits`` with ``-inf`` wherever a token writes more ``#`` than its row has ``left``, that probability
    moved to ``eos_id`` (log-sum-exp of its logit and the masked ones, so the other tokens keep their probability).
    ``most`` is ``marks.max()``: no row with at least that many left is touched.
    """
    near = left < most
    if not bool(near.any()):
        return logits
    width = logits.shape[-1]
    if marks.shape[0] < width:  # logits wider than the tokenizer (a padded LM head): the extra ids write no "#"
        marks = torch.nn.functional.pad(marks, (0, width - marks.shape[0]))
    over = (marks[:width].unsqueeze(0) > left.unsqueeze(-1)) & near.unsqueeze(-1)
    masked = logits.masked_fill(over, float("-inf"))
    moved = torch.logsumexp(torch.where(over, logits, float("-inf")), dim=-1)
    masked[:, eos_id] = torch.logaddexp(logits[:, eos_id], moved)
    return masked


def end_token(tokenizer: Any, eos_ids: Collection[int]) -> int:
    """The end-of-sequence id that takes the cap's masked probability: the tokenizer's own EOS where it is one of the
    ids that end a row (``eos_ids``), else the smallest of those.
    """
    end = tokenizer.eos_token_id
    return end if end in eos_ids or not eos_ids else min(eos_ids)


def _end_id(eos_id: object) -> int:
    if isinstance(eos_id, bool) or not isinstance(eos_id, int) or eos_id < 0:
        raise ValueError(f"the hashtag cap needs the end-of-sequence token id, got {eos_id!r}")
    return eos_id


class Guard(Protocol):
    """What the decoding loop (:func:`~wsl_env.rollout.generation.decode`) asks of a guard: ``mask`` the logits of
    the live rows (row ``j`` of ``logits`` is prompt ``rows[j]``) before each choice, then ``update`` with the tokens
    chosen.
    """

    def mask(self, logits: torch.Tensor, rows: Sequence[int]) -> torch.Tensor: ...

    def update(self, tokens: torch.Tensor, rows: Sequence[int]) -> None: ...


class Guards:
    """Several guards as one: each masks in turn, in the order given, and each follows every chosen token. Order
    matters: the hashtag cap moves masked probability to the end token, so a guard that must keep the end closed
    (the figure guard, inside a number) comes after it.
    """

    def __init__(self, guards: Sequence[Guard]) -> None:
        self.guards = list(guards)

    def mask(self, logits: torch.Tensor, rows: Sequence[int]) -> torch.Tensor:
        for guard in self.guards:
            logits = guard.mask(logits, rows)
        return logits

    def update(self, tokens: torch.Tensor, rows: Sequence[int]) -> None:
        for guard in self.guards:
            guard.update(tokens, rows)


class _Cap:
    """What both caps hold: the ``#`` count of every token id, each row's limit and the end token."""

    def __init__(self, marks: torch.Tensor, limits: Sequence[int | None], eos_id: int) -> None:
        self.marks = marks
        self.most = int(marks.max())
        self.eos_id = _end_id(eos_id)
        self.limits = _limits(limits).to(marks.device)

    @classmethod
    def for_model(cls, model: Any, tokenizer: Any, limits: Sequence[int | None], eos_ids: Collection[int],
                  **kwargs: Any) -> Any:
        """The cap for ``model``'s vocabulary (marks on its device), ending rows with :func:`end_token`."""
        marks = hash_marks(tokenizer, model.config.vocab_size).to(model.device)
        return cls(marks, limits, eos_id=end_token(tokenizer, eos_ids), **kwargs)


class HashtagCap(_Cap):
    """The cap for one :func:`~wsl_env.rollout.generation.decode` call: ``limits[i]`` for prompt ``i``; ``eos_id``
    takes the masked tokens' probability.
    """

    def __init__(self, marks: torch.Tensor, limits: Sequence[int | None], eos_id: int) -> None:
        super().__init__(marks, limits, eos_id)
        self.used = torch.zeros_like(self.limits)

    def mask(self, logits: torch.Tensor, rows: Sequence[int]) -> torch.Tensor:
        """``logits`` (``[len(rows), vocab]``, row ``j`` for prompt ``rows[j]``) without the tokens that would take
        a prompt past its limit; the same tensor when no row is that close to its limit.
        """
        index = torch.as_tensor(rows, dtype=torch.long, device=self.used.device)
        return _mask_over(logits, self.marks, self.limits[index] - self.used[index], self.eos_id, self.most)

    def update(self, tokens: torch.Tensor, rows: Sequence[int]) -> None:
        """Count the ``#`` of the tokens just chosen (``tokens[j]`` for prompt ``rows[j]``)."""
        self.used[torch.as_tensor(rows, dtype=torch.long, device=self.used.device)] += self.marks[tokens]


class HashtagCapProcessor(_Cap):
    """The same cap as a Hugging Face ``LogitsProcessor`` for a left-padded batch whose prompts are
    ``prompt_length`` tokens long (the generated part is counted).
    """

    def __init__(self, marks: torch.Tensor, limits: Sequence[int | None], prompt_length: int, eos_id: int) -> None:
        super().__init__(marks, limits, eos_id)
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.marks.device != scores.device:  # moved once, on the first step
            self.marks, self.limits = self.marks.to(scores.device), self.limits.to(scores.device)
        used = self.marks[input_ids[:, self.prompt_length :]].sum(dim=-1)
        return _mask_over(scores, self.marks, self.limits - used, self.eos_id, self.most)


def _guard_tasks(tasks: Sequence[TaskLike] | None, figure_guard: str | None) -> Sequence[TaskLike]:
    if tasks is None:
        raise ValueError(f"figure_guard={figure_guard!r} needs the tasks whose figures the posts may write")
    return tasks


def batch_guard(model: Any, tokenizer: Any, eos_ids: Collection[int],
                hashtag_limits: Sequence[int | None] | None = None, tasks: Sequence[TaskLike] | None = None,
                figure_guard: str | None = None) -> Guard | None:
    """The guards of one :func:`~wsl_env.rollout.generation.decode` call, in the order they must run: the hashtag
    cap (``hashtag_limits``), then the figure guard (``figure_guard`` over ``tasks``); ``None`` for neither.
    """
    guards: list[Guard] = []
    if hashtag_limits is not None:
        guards.append(HashtagCap.for_model(model, tokenizer, hashtag_limits, eos_ids))
    if figure_guard is not None:
        guards.append(FigureGuard.for_model(model, tokenizer, _guard_tasks(tasks, figure_guard), figure_guard))
    return Guards(guards) if guards else None


def batch_processors(model: Any, tokenizer: Any, eos_ids: Collection[int], prompt_length: int,
                     hashtag_limits: Sequence[int | None] | None = None, tasks: Sequence[TaskLike] | None = None,
                     figure_guard: str | None = None) -> list[Any]:
    """The same guards as Hugging Face logits processors, in the same order, for a left-padded batch whose prompts
    are ``prompt_length`` tokens long.
    """
    processors: list[Any] = []
    if hashtag_limits is not None:
        processors.append(HashtagCapProcessor.for_model(model, tokenizer, hashtag_limits, eos_ids,
                                                        prompt_length=prompt_length))
    if figure_guard is not None:
        processors.append(FigureGuardProcessor.for_model(model, tokenizer, _guard_tasks(tasks, figure_guard),
                                                         figure_guard, prompt_length=prompt_length, eos_ids=eos_ids))
    return processors


__all__ = ["NO_LIMIT", "Guard", "Guards", "HashtagCap", "HashtagCapProcessor", "batch_guard", "batch_processors",
           "end_token", "hash_marks"]

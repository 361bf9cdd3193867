"""A decoding-time figure guard: a post may write only the context's figures, and (``"claims"``) only where the
claims reader does not call them false.

Digit-by-digit tokenizers (SmolLM2, Llama) write a number one digit at a time, so a decoder can hold every number
to a set of figures: each digit that would leave the prefixes of the allowed figures is masked out, and so is every
separator (``.``, ``,``) no allowed figure continues with, and every other token while the number so far is not a
whole allowed figure. A number that starts a line may instead be a list marker of one or two digits closed by a full
stop (``1.``, ``12.``). Tokens that mix digits with other characters are never written under the guard; a tokenizer
with tokens of several digits is refused (``ValueError``).

Two modes:

- ``"copy"``: the allowed figures are the context's figures as written there (``"17.10"``, ``"14,880"``). No
  figure in digits that the context lacks can be written; a margin or other sum the context does not write is lost
  too.
- ``"claims"``: the same figures, less those that :func:`metrics.claims` would call ``misattributed`` or
  ``unsupported`` where the number starts: each candidate is appended to the post so far and judged as the metric
  judges a whole post. Only the words before the number count (a statistic named after it is not yet written), and
  the guard is only as right as the reader: on formats the rules have not read, the reader errs (docs/metrics.md).
  When no figure is allowed, no number may start there and the model writes on with another token.

What it does not hold: numbers written as words ("six"), a figure the context has only inside a longer token of its
own ("Perfect 10s" gives ``10``), and a number the token budget cuts short (a post that ends inside "2030" keeps
"203"). Figures that only the instruction gives ("R16 heat 5") cannot be written.

Both only ever remove choices: a row whose top choice is allowed decodes as without the guard. Greedy decoding is
exact; when sampling, a number start whose digit tokens all have logits more than ``PLAUSIBLE`` below the row's top
token is banned outright instead of judged, which saves the reader's calls on the steps where no number is coming.
That changes each such token's probability by less than ``exp(-PLAUSIBLE / T)`` at temperature ``T`` (7e-6 at
``T = 1``).

:class:`FigureGuard` runs in the engine's decoding loop (:func:`wsl_env.rollout.generation.decode`),
:class:`FigureGuardProcessor` in Hugging Face ``generate``. Beside the hashtag cap it must come after the cap
(:class:`~wsl_env.rollout.guards.Guards` applies guards in order): the cap moves masked probability to the end
token, which would otherwise reopen the end of the post inside a number.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

import torch

import metrics
from wsl_env.schema import TaskLike, as_task

MODES = ("copy", "claims")
PLAUSIBLE = 12.0  # nats: number starts further below the row's top token are banned without being judged
FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
SEPARATORS = (".", ",")
_DIGIT_START = re.compile(r"\s?\d", re.ASCII)
_DIGITS = re.compile(r"\s?\d{2,}", re.ASCII)
_ASCII_DIGIT = re.compile(r"\d", re.ASCII)


def context_figures(context: str) -> frozenset[str]:
    """The figures of a context as written there: ``"Kai 17.10, 14,880 pts."`` -> ``{"17.10", "14,880"}``."""
    return frozenset(m.group(0).rstrip(",") for m in FIGURE.finditer(context))


def token_kinds(tokenizer: Any) -> tuple[dict[int, str], dict[int, str], list[int], list[int]]:
    """The digit tokens (id -> text: one digit, after a space or newline where the tokenizer has such tokens; they
    may only start a number), the separator tokens (id -> ``.`` or ``,``), the ids of tokens of several digits, and
    those of tokens that mix digits with anything else. Cached on the tokenizer.
    """
    cache = tokenizer.__dict__.setdefault("_wsl_figure_kinds", {})
    if "kinds" not in cache:
        digits: dict[int, str] = {}
        separators: dict[int, str] = {}
        several: list[int] = []
        mixed: list[int] = []
        for i in range(len(tokenizer)):
            piece = tokenizer.decode([i])
            if _DIGIT_START.fullmatch(piece):
                digits[i] = piece
            elif piece in SEPARATORS:
                separators[i] = piece
            elif _DIGITS.fullmatch(piece):
                several.append(i)
            elif _ASCII_DIGIT.search(piece):
                mixed.append(i)
        cache["kinds"] = (digits, separators, several, mixed)
    return cache["kinds"]


class FigureGuard:
    """The guard for one :func:`~wsl_env.rollout.generation.decode` call: row ``i`` writes the post of
    ``tasks[i]`` (a ``wsl_env.Task`` or schema dict).
    """

    def __init__(self, tokenizer: Any, vocab_size: int, tasks: Sequence[TaskLike], mode: str = "claims") -> None:
        if mode not in MODES:
            raise ValueError(f"figure guard mode must be one of {MODES}, got {mode!r}")
        self.tokenizer = tokenizer
        self.mode = mode
        self.tasks = [as_task(t) for t in tasks]
        self.digits, self.separators, several, mixed = token_kinds(tokenizer)
        if several:
            raise ValueError(f"the figure guard needs a tokenizer that writes numbers one digit at a time; this one "
                             f"has {len(several)} tokens of several digits (e.g. {tokenizer.decode([several[0]])!r})")
        if not any(len(d) == 1 for d in self.digits.values()):
            raise ValueError("the figure guard needs a tokenizer with a token for each digit; this one has none")
        self.leads = sorted({d[:-1] for d in self.digits.values()})  # "" and, in some tokenizers, " " or "\n"
        self.figures = [context_figures(t.context) for t in self.tasks]
        width = max(vocab_size, len(tokenizer))
        self.other = torch.ones(width, dtype=torch.bool)  # neither a digit nor a lone separator
        self.other[list(self.digits) + list(self.separators)] = False
        self.mixed = torch.as_tensor(mixed, dtype=torch.long)
        self.start_ids = torch.as_tensor(sorted(self.digits), dtype=torch.long)
        n = len(self.tasks)
        self.ids: list[list[int]] = [[] for _ in range(n)]
        self.current: list[str | None] = [None] * n  # the number being written, separators included
        self.allowed: list[frozenset[str]] = [frozenset()] * n  # what the current number may become
        self.pending: list[dict[str, frozenset[str]] | None] = [None] * n  # per lead, judged at the last mask
        self.at_line_start = [False] * n  # the current number started a line: it may be a list marker
        self.line_start = [True] * n
        self.changed_choices = 0  # steps where the guard changed the row's top token
        self.judged = 0  # candidate figures judged by the claims reader

    @classmethod
    def for_model(cls, model: Any, tokenizer: Any, tasks: Sequence[TaskLike], mode: str = "claims") -> FigureGuard:
        return cls(tokenizer, model.config.vocab_size, tasks, mode)

    def _judge(self, row: int, lead: str = "") -> frozenset[str]:
        """The figures row ``row`` may start writing now, after ``lead`` (the digit token's space or newline)."""
        figures = self.figures[row]
        if self.mode == "copy" or not figures:
            return figures
        prefix = self.tokenizer.decode(self.ids[row], skip_special_tokens=True) + lead
        at = len(prefix)
        allowed = []
        for figure in sorted(figures):
            self.judged += 1
            verdict = next((c.verdict for c in metrics.claims(self.tasks[row], prefix + figure)
                            if c.start <= at < c.end), None)  # the claim that holds the figure's first digit
            if verdict not in metrics.FALSE_VERDICTS:
                allowed.append(figure)
        return frozenset(allowed)

    def _pending(self, row: int) -> dict[str, frozenset[str]]:
        return {lead: self._judge(row, lead) for lead in self.leads}

    def _banned(self, row: int, logits: torch.Tensor) -> tuple[list[int], bool]:
        """Token ids row ``row`` may not write next, and whether every other token is banned too."""
        current = self.current[row]
        if current is None:
            starts = logits[self.start_ids]
            if float(starts.max()) < float(logits.max()) - PLAUSIBLE:
                self.pending[row] = dict.fromkeys(self.leads, frozenset())
                return list(self.digits), False
            pending = self.pending[row] = self._pending(row)
            if self.line_start[row]:  # a list marker may start here whatever the figures
                return [], False
            firsts = {lead: {f[0] for f in allowed} for lead, allowed in pending.items()}
            return [i for i, d in self.digits.items() if d[-1] not in firsts[d[:-1]]], False
        allowed = self.allowed[row]
        marker = self.at_line_start[row] and re.fullmatch(r"\d{1,2}\.?", current) is not None
        short_marker = marker and current.isdigit()  # "1" or "12": a "." may close it as a list marker
        ids = [i for i, d in self.digits.items()
               if len(d) > 1 or (not any(f.startswith(current + d) for f in allowed)
                                 and not (short_marker and len(current) < 2))]
        whole = current in allowed
        ids += [i for i, s in self.separators.items()
                if not any(f.startswith(current + s) for f in allowed) and not whole
                and not (short_marker and s == ".")]
        ends = whole or (current.endswith(SEPARATORS) and current[:-1] in allowed) or (marker and not current.isdigit())
        return ids, not ends

    def mask(self, logits: torch.Tensor, rows: Sequence[int]) -> torch.Tensor:
        """``logits`` (``[len(rows), vocab]``, row ``j`` for prompt ``rows[j]``) without what the guard forbids."""
        out = logits.clone()
        width = out.shape[1]
        if self.other.device != out.device:  # moved once, on the first step
            self.other, self.mixed = self.other.to(out.device), self.mixed.to(out.device)
            self.start_ids = self.start_ids.to(out.device)
        if self.mixed.numel():
            out[:, self.mixed[self.mixed < width]] = float("-inf")
        for j, row in enumerate(rows):
            ids, others = self._banned(row, out[j])
            if not ids and not others:
                continue
            before = int(out[j].argmax())
            if others:
                out[j, self.other[:width]] = float("-inf")
            ids = [i for i in ids if i < width]
            if ids:
                out[j, torch.as_tensor(ids, dtype=torch.long, device=out.device)] = float("-inf")
            self.changed_choices += int(out[j].argmax()) != before
        return out

    def update(self, tokens: torch.Tensor, rows: Sequence[int]) -> None:
        """Follow the tokens just chosen (``tokens[j]`` for prompt ``rows[j]``)."""
        for token, row in zip(tokens.tolist(), rows, strict=True):
            digit = self.digits.get(token)
            current = self.current[row]
            if digit is not None and current is None:  # judged at the last mask, unless none came before
                pending = self.pending[row] if self.pending[row] is not None else self._pending(row)
                self.allowed[row] = frozenset(f for f in pending[digit[:-1]] if f.startswith(digit[-1]))
            self.ids[row].append(token)
            if digit is not None and (current is None or len(digit) == 1):
                if current is None:
                    self.current[row] = digit[-1]
                    self.at_line_start[row] = self.line_start[row] or "\n" in digit
                else:
                    self.current[row] = current + digit
                self.line_start[row] = False
            elif token in self.separators and current is not None:
                self.current[row] = current + self.separators[token]
            else:
                piece = self.tokenizer.decode([token])
                self.current[row], self.at_line_start[row] = None, False
                blank = piece.strip() == ""
                self.line_start[row] = (self.line_start[row] or "\n" in piece) if blank else piece.endswith("\n")
            self.pending[row] = None


class FigureGuardProcessor:
    """The same guard as a Hugging Face ``LogitsProcessor`` for a batch whose prompts are ``prompt_length`` tokens
    long (left-padded): each call follows the token the last step chose, then masks. A row that has written one of
    ``eos_ids`` is finished: ``generate`` pads it from then on, and the guard leaves it alone.
    """

    def __init__(self, guard: FigureGuard, prompt_length: int, eos_ids: Collection[int] = ()) -> None:
        self.guard = guard
        self.prompt_length = prompt_length
        self.eos_ids = frozenset(eos_ids)
        self.live = list(range(len(guard.tasks)))

    @classmethod
    def for_model(cls, model: Any, tokenizer: Any, tasks: Sequence[TaskLike], mode: str, prompt_length: int,
                  eos_ids: Collection[int] = ()) -> FigureGuardProcessor:
        return cls(FigureGuard.for_model(model, tokenizer, tasks, mode), prompt_length, eos_ids)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if input_ids.shape[0] != len(self.guard.tasks):
            raise ValueError(f"the figure guard holds {len(self.guard.tasks)} rows, generate passed "
                             f"{input_ids.shape[0]}")
        if input_ids.shape[1] > self.prompt_length:
            last = input_ids[self.live, -1]
            self.guard.update(last, self.live)
            self.live = [row for row, token in zip(self.live, last.tolist(), strict=True) if token not in self.eos_ids]
        if not self.live:
            return scores
        out = scores.clone()
        index = torch.as_tensor(self.live, dtype=torch.long, device=scores.device)
        out[index] = self.guard.mask(scores[index], self.live)
        return out


__all__ = ["MODES", "FigureGuard", "FigureGuardProcessor", "context_figures", "token_kinds"]

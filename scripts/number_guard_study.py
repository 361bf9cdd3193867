r"""A decoding-time copy guard for figures, tried on written-dev only: numbers the context lacks cannot be written.

    python scripts/number_guard_study.py --tasks written-dev --agent llm --adapter smollm2-135m-wsl --dtype float32 \
        --out runs/eval/guard-written-dev       # then: python -m baselines.errors runs/eval/guard-written-dev

A quarter to two fifths of the shipped adapter's false figures on hand-written tasks are numbers the context does
not hold (``unsupported``). SmolLM2's tokenizer writes every digit as its own token, so a decoder can hold each
number to the context's figures as written there ("17.10", "14,880"): :class:`NumberGuard` masks every digit that
would leave the prefixes of those figures, every separator that no figure continues with, and every other token
while the number so far is not a whole figure. A number that starts a line may instead be a list marker of one or
two digits closed by a full stop ("1.", "12.").

The guard runs in the engine's decoding loop in the place of the hashtag cap (``decode(..., cap=...)``): the script
runs ``baselines.evaluate`` with its ``--hashtag-cap`` path pointed at the guard, so the output directory is an
ordinary evaluation (its title says "hashtag cap"; no hashtag cap is applied). Measured on written-dev only
(docs/training.md): it removes the unsupported figures but the model then copies the wrong figure instead, so it
was not built into the library and written-test was not spent on it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, ahead of any installed copy

FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
SEPARATORS = (".", ",")


def context_figures(context: str) -> set[str]:
    """The figures of a context as written there: ``"Kai 17.10, 14,880 pts."`` -> ``{"17.10", "14,880"}``."""
    return {m.group(0).rstrip(",") for m in FIGURE.finditer(context)}


class NumberGuard:
    """The copy guard for one ``decode`` call: row ``i`` may write only figures of ``contexts[i]``."""

    def __init__(self, pieces: Sequence[str], vocab_size: int, contexts: Sequence[str]) -> None:
        self.pieces = list(pieces)
        self.digit_ids = {p: i for i, p in enumerate(self.pieces) if len(p) == 1 and p.isdigit()}
        self.separator_ids = {p: i for i, p in enumerate(self.pieces) if p in SEPARATORS}
        self.complete = [context_figures(c) for c in contexts]
        self.prefixes = [{f[:k] for f in figures for k in range(1, len(f) + 1)} for figures in self.complete]
        self.other = torch.ones(vocab_size, dtype=torch.bool)  # neither a digit nor a lone separator
        self.other[list(self.digit_ids.values()) + list(self.separator_ids.values())] = False
        self.current: list[str | None] = [None] * len(contexts)  # the number being written, separators included
        self.at_line_start = [False] * len(contexts)  # the number started a line: it may be a list marker
        self.line_start = [True] * len(contexts)
        self.changed_choices = 0  # steps where the mask changed the row's top token

    @classmethod
    def for_model(cls, model: Any, tokenizer: Any, contexts: Sequence[str], eos_ids: Any = None) -> NumberGuard:
        pieces = [tokenizer.decode([i]) for i in range(len(tokenizer))]
        return cls(pieces, model.config.vocab_size, contexts)

    def _whole(self, row: int, number: str) -> bool:
        return (number[:-1] if number.endswith(SEPARATORS) else number) in self.complete[row]

    def banned(self, row: int) -> tuple[list[int], bool]:
        """Token ids row ``row`` may not write next, and whether every other token (not a digit, not a lone
        separator) is banned too.
        """
        current = self.current[row]
        if current is None:
            if self.line_start[row]:  # a list marker or a figure may start here
                return [], False
            return [i for d, i in self.digit_ids.items() if d not in self.prefixes[row]], False
        marker = self.at_line_start[row] and re.fullmatch(r"\d{1,2}\.?", current) is not None
        short_marker = marker and current.isdigit()  # "1" or "12": a "." may close it as a list marker
        ids = [i for d, i in self.digit_ids.items()
               if current + d not in self.prefixes[row] and not (short_marker and len(current) < 2)]
        ends_here = current in self.complete[row]  # a "." or "," after it may end the sentence or clause
        ids += [i for s, i in self.separator_ids.items()
                if current + s not in self.prefixes[row] and not ends_here and not (short_marker and s == ".")]
        return ids, not (self._whole(row, current) or (marker and not current.isdigit()))  # "5." ends a marker

    def mask(self, logits: torch.Tensor, rows: Sequence[int]) -> torch.Tensor:
        out = logits.clone()
        for j, row in enumerate(rows):
            ids, others = self.banned(row)
            if not ids and not others:
                continue
            before = int(out[j].argmax())
            if others:
                out[j, self.other[: out.shape[1]].to(out.device)] = float("-inf")
            out[j, ids] = float("-inf")
            self.changed_choices += int(out[j].argmax()) != before
        return out

    def update(self, tokens: torch.Tensor, rows: Sequence[int]) -> None:
        for token, row in zip(tokens.tolist(), rows, strict=True):
            piece = self.pieces[token] if token < len(self.pieces) else ""
            current = self.current[row]
            if len(piece) == 1 and piece.isdigit():
                if current is None:
                    self.current[row], self.at_line_start[row] = piece, self.line_start[row]
                else:
                    self.current[row] = current + piece
                self.line_start[row] = False
            elif piece in SEPARATORS and current is not None:
                self.current[row] = current + piece
            else:
                self.current[row], self.at_line_start[row] = None, False
                blank = piece.strip() == ""
                self.line_start[row] = (self.line_start[row] or "\n" in piece) if blank else piece.endswith("\n")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``baselines.evaluate`` with the guard in the place of the hashtag cap (``--agent llm``, engine backend)."""
    import agents.llm as llm
    from baselines import evaluate

    def generate(self: Any, tasks: Sequence[Any], max_new_tokens: int = 128, progress: bool = False) -> list[str]:
        tasks = [llm.as_task(t) for t in tasks]
        prompts = [llm.render_prompt(self.tokenizer, t, self.system_prompt) for t in tasks]
        return self.generate_prompts(prompts, max_new_tokens=max_new_tokens, progress=progress,
                                     hashtag_limits=[t.context for t in tasks])  # the guard's per-row contexts

    llm.LLMAgent.generate = generate  # type: ignore[method-assign]
    llm.HashtagCap = NumberGuard  # type: ignore[misc,assignment]
    return evaluate.main([*(sys.argv[1:] if argv is None else argv), "--hashtag-cap"])


if __name__ == "__main__":
    main()

"""Score only the labelled positions in TRL's fused LM head on the CPU too.

TRL's fused LM head (``trl.trainer.utils.add_fused_lm_head``, used by ``SFTTrainer``, ``DPOTrainer`` and
``GRPOTrainer`` whenever they ask for per-token log-probabilities) projects the hidden states through the LM head
in tiles, without the full ``(batch, length, vocab)`` logits. On Triton devices it takes only the positions whose
next-token label is not ``-100``; everywhere else it scores every position and masks afterwards, so that the tile
shapes stay fixed for compilers that recompile per shape (the comment in TRL names Neuron). Eager PyTorch on a CPU
recompiles nothing, and there the prompt's positions, about two thirds of an SFT row, pay the LM head's projection
to a 49,152-word vocabulary and its log-softmax for nothing: the LM head is ~21% of SmolLM2-135M's weights.

:func:`compact_lm_head` makes TRL take its compact path on the CPU as well. The log-probabilities, the loss and the
gradients are the same (tested); only the work on ignored positions goes. TRL reads the choice from
``trl.trainer.utils._use_triton``, a private name; if a TRL release drops it, this warns and changes nothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

_ORIGINAL: Callable[[Any], bool] | None = None


def compact_lm_head(enabled: bool = True) -> bool:
    """Let TRL's fused LM head score only labelled positions on the CPU (``enabled``), or restore TRL's choice.

    Process-wide, so every trainer built afterwards in this process follows it. Returns whether the compact path is
    now taken on the CPU.
    """
    global _ORIGINAL
    try:
        import trl.trainer.utils as trl_utils
    except ImportError:  # TRL is a training dependency; without it there is no fused head to change
        return False
    if _ORIGINAL is None:
        if not hasattr(trl_utils, "_use_triton"):
            warnings.warn("this TRL release has no trl.trainer.utils._use_triton: the fused LM head is left as it "
                          "is (it may score every position on the CPU)", stacklevel=2)
            return False
        _ORIGINAL = trl_utils._use_triton
    original = _ORIGINAL
    if not enabled:
        trl_utils._use_triton = original
        return False

    def compact_on_cpu(device: Any) -> bool:
        return getattr(device, "type", None) == "cpu" or original(device)

    trl_utils._use_triton = compact_on_cpu
    return True


__all__ = ["compact_lm_head"]

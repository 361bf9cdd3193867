"""The critic of :mod:`train.ppo`: a linear value head on the policy's final hidden state.

The head reads the last layer's hidden state at each position (after the final norm, the same vector the LM head
reads) and outputs V(s) for the state "prompt and tokens so far". It shares the trunk, LoRA adapter included, with
the actor: one forward pass gives both the token log-probabilities and the values (two separate models would cost
a second forward of the whole network per sequence, which a 2-core CPU cannot afford), as in Ziegler et al. 2019
and TRL's former ``AutoModelForCausalLMWithValueHead``. The price is that the value loss also moves the shared LoRA
weights; ``value_coef`` keeps its share of the gradient small.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = ["VALUE_HEAD_FILE", "ValueHead"]

VALUE_HEAD_FILE = "value_head.safetensors"


class ValueHead(nn.Module):
    """``V(s) = w . h(s) + b``, initialised near zero so early advantages come from the rewards, not noise."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(hidden_size, 1)
        nn.init.normal_(self.linear.weight, std=1.0 / (hidden_size + 1) ** 0.5 * 0.01)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """``[..., hidden]`` -> ``[...]`` in float32 (the trunk may run in bf16)."""
        return self.linear(hidden.float()).squeeze(-1)

    def save(self, directory: str | Path) -> Path:
        from safetensors.torch import save_file

        path = Path(directory) / VALUE_HEAD_FILE
        save_file({k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}, str(path))
        return path

    @classmethod
    def load(cls, directory: str | Path) -> ValueHead:
        from safetensors.torch import load_file

        state = load_file(str(Path(directory) / VALUE_HEAD_FILE))
        head = cls(state["linear.weight"].shape[1])
        head.load_state_dict(state)
        return head

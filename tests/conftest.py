"""Shared fixtures: the real SmolLM2 tokenizer, a tiny random-weight Llama built on it, and the real model."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

_LIST_MARKER = re.compile(r"(?m)^\d{1,2}[.)](?!\d)")  # "1.", "12)": not a figure at a line's start ("16.37")


def post_numbers(post: str) -> list[str]:
    """The numbers of a post as written, list markers left out: what the figure guard holds to the context."""
    return [n.rstrip(".,") for n in re.findall(r"\d[\d.,]*", _LIST_MARKER.sub("", post))]


def stray_numbers(post: str, figures: Collection[str]) -> list[str]:
    """The numbers of ``post`` that are not among ``figures``; its last may be the start of one (a post the token
    budget cut short inside a number).
    """
    numbers = post_numbers(post)
    return [n for n in numbers[:-1] if n not in figures] + [
        n for n in numbers[-1:] if not any(f.startswith(n) for f in figures)]


TINY_CONFIG = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 2048,
    "tie_word_embeddings": True,
}


@pytest.fixture(scope="session")
def tokenizer() -> Any:
    """The real SmolLM2 tokenizer with its chat template (from the cached embedded model)."""
    from wsl_env.models import load_tokenizer

    return load_tokenizer()


def build_tiny_llama(tokenizer: Any, seed: int = 0) -> Any:
    """A 2-layer, 64-wide random-weight LlamaForCausalLM over the real tokenizer's vocabulary."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **TINY_CONFIG,
    )
    return LlamaForCausalLM(config).eval()


@pytest.fixture(scope="session")
def tiny_model(tokenizer: Any) -> Any:
    return build_tiny_llama(tokenizer)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_model: Any, tokenizer: Any) -> Path:
    """The tiny model and the real tokenizer saved to a local directory, loadable by any ``--model`` flag."""
    path = tmp_path_factory.mktemp("tiny-llama")
    tiny_model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def real_model() -> tuple[Any, Any]:
    """The real embedded SmolLM2-135M-Instruct (integration tests only)."""
    from wsl_env.models import load_model

    return load_model()

"""Serving fixtures: a tiny random Llama whose output depends on its prompt, two LoRA adapter versions of it in an
artifacts directory, and a loaded engine shared by the whole session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from serve.config import ServerConfig
from serve.engine import Engine
from wsl_env.artifacts import discover_adapters

# The shared tiny model (initializer_range 0.02) answers every prompt with the same newlines, which would let a
# mixed-up response pass unnoticed; at 0.2 each prompt gets its own gibberish.
SERVE_TINY_CONFIG = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 2048,
    "tie_word_embeddings": True,
    "initializer_range": 0.2,
}
VERSIONS = ("v1", "v2")


@pytest.fixture(scope="session")
def serve_model_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer: Any) -> Path:
    """A tiny random Llama with the real tokenizer, saved as a local model directory."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                         **SERVE_TINY_CONFIG)
    path = tmp_path_factory.mktemp("serve-tiny")
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory, serve_model_dir: Path) -> Path:
    """``artifacts/`` with two finished LoRA runs, ``v1`` and ``v2``, whose random weights change the output."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("artifacts")
    for seed, name in enumerate(VERSIONS, start=1):
        base = AutoModelForCausalLM.from_pretrained(serve_model_dir)
        torch.manual_seed(seed)
        lora = LoraConfig(r=2, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM", init_lora_weights=False)
        get_peft_model(base, lora).save_pretrained(root / name)
        (root / name / "manifest.json").write_text(json.dumps(
            {"base_model": str(serve_model_dir), "algorithm": "test", "run": name, "steps": seed}))
    return root


@pytest.fixture(scope="session")
def engine(serve_model_dir: Path, artifacts_dir: Path) -> Iterator[Engine]:
    """The tiny model with adapters v1 and v2, loaded once (generation timeout 30 s)."""
    eng = Engine(str(serve_model_dir), discover_adapters(artifacts_dir))
    eng.load()
    yield eng
    eng.close()


@pytest.fixture()
def make_client(engine: Engine) -> Any:
    """Build an app on the shared engine with config overrides and open a TestClient on it (lifespan run)."""
    from fastapi.testclient import TestClient

    from serve.app import create_app

    @contextmanager
    def factory(eng: Engine | None = None, **overrides: Any) -> Iterator[TestClient]:
        used = eng or engine
        config = ServerConfig(model=used.model_name, **overrides)
        with TestClient(create_app(config, used), raise_server_exceptions=False) as client:
            yield client

    return factory


def _task_dict(**changes: Any) -> dict[str, Any]:
    task = {
        "id": "t1",
        "category": "recap",
        "instruction": "Write a short recap of the heat.",
        "context": "Heat 3: Slater scored 9.5; Florence scored 8.2.",
        "expected_behavior": "answer",
        "constraints": {"bullets": None, "min_hashtags": 0, "max_hashtags": 2, "max_words": 60},
    }
    task.update(changes)
    return task


def _chat_body(content: str = "Who won heat 3?", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": content}], "max_tokens": 6, "temperature": 0}
    body.update(changes)
    return body


@pytest.fixture()
def make_task() -> Any:
    """``make_task(**changes)``: a valid task dict in the schema, with changes applied."""
    return _task_dict


@pytest.fixture()
def make_chat() -> Any:
    """``make_chat(content, **changes)``: a small greedy chat completion request body."""
    return _chat_body

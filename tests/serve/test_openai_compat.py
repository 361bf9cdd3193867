from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from serve.engine import Engine


def events(text: str) -> list[Any]:
    """The data payloads of a server-sent event stream, ``[DONE]`` kept as a string."""
    out = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        assert block.startswith("data: "), block
        data = block[len("data: ") :]
        out.append(data if data == "[DONE]" else json.loads(data))
    return out


def test_completion_shape(make_client: Any, make_chat: Any) -> None:
    with make_client() as client:
        response = client.post("/v1/chat/completions", json=make_chat())
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["model"] == response.headers["x-wsl-adapter"] == "v1"
    (choice,) = body["choices"]
    assert choice["index"] == 0 and choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["finish_reason"] in ("stop", "length")
    usage = body["usage"]
    assert usage["completion_tokens"] == 6 and usage["total_tokens"] == usage["prompt_tokens"] + 6


@pytest.mark.parametrize(
    ("model", "served"),
    [
        ("v2", "v2"),  # pinned adapter version
        ("base", "base"),  # the base model without adapters
        ("auto", "v1"),  # routed: the default
        (None, "v1"),  # no model field: routed
    ],
)
def test_model_field_picks_the_version(make_client: Any, make_chat: Any, model: str | None, served: str) -> None:
    body = make_chat() if model is None else make_chat(model=model)
    with make_client() as client:
        response = client.post("/v1/chat/completions", json=body)
    assert response.json()["model"] == response.headers["x-wsl-adapter"] == served


def test_base_model_name_routes_and_unknown_model_is_404(make_client: Any, make_chat: Any,
                                                          serve_model_dir: Path) -> None:
    with make_client() as client:
        named = client.post("/v1/chat/completions", json=make_chat(model=serve_model_dir.name))
        unknown = client.post("/v1/chat/completions", json=make_chat(model="gpt-4o"))
    assert named.json()["model"] == "v1"
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "not_found_error"


def test_messages_go_through_the_chat_template(make_client: Any, engine: Engine) -> None:
    from serve.engine import SamplingParams

    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Heat 3?"},
                {"role": "assistant", "content": "Slater."}, {"role": "user", "content": "Score?"}]
    with make_client() as client:
        body = client.post("/v1/chat/completions",
                           json={"messages": messages, "max_tokens": 5, "temperature": 0, "model": "v2"}).json()
    ids = engine.encode_messages(messages)
    assert body["usage"]["prompt_tokens"] == len(ids)
    assert body["choices"][0]["message"]["content"] == engine.run(ids, "v2", SamplingParams(5)).completions[0].text


def test_n_sampled_choices(make_client: Any, make_chat: Any) -> None:
    with make_client() as client:
        body = client.post("/v1/chat/completions",
                           json=make_chat(n=3, temperature=1.0, seed=3, max_tokens=4)).json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len({c["message"]["content"] for c in body["choices"]}) > 1
    assert body["usage"]["completion_tokens"] == 12


def test_stop_truncates_and_reports_stop(make_client: Any, make_chat: Any) -> None:
    with make_client() as client:
        full = client.post("/v1/chat/completions", json=make_chat(max_tokens=10)).json()
        text = full["choices"][0]["message"]["content"]
        stop = text[2:5]
        cut = client.post("/v1/chat/completions", json=make_chat(max_tokens=10, stop=[stop, "zzzz"])).json()
    assert cut["choices"][0]["message"]["content"] == text[: text.index(stop)]
    assert cut["choices"][0]["finish_reason"] == "stop"


def test_stream_matches_the_non_streamed_completion(make_client: Any, make_chat: Any) -> None:
    with make_client() as client:
        whole = client.post("/v1/chat/completions", json=make_chat(max_tokens=8)).json()
        response = client.post("/v1/chat/completions", json=make_chat(
            max_tokens=8, stream=True, stream_options={"include_usage": True}))
        held = client.app.state.serving.limiter.held
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-wsl-adapter"] == "v1"
    payloads = events(response.text)
    assert payloads[-1] == "[DONE]"
    chunks = payloads[:-1]
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == chunks[0]["id"] for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert content == whole["choices"][0]["message"]["content"]  # same text, streamed or not
    finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finish == [whole["choices"][0]["finish_reason"]]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == whole["usage"]
    assert held == 0  # the stream gave its concurrency slot back when it ended


def test_stream_with_n_streams_each_choice(make_client: Any, make_chat: Any) -> None:
    with make_client() as client:
        response = client.post("/v1/chat/completions", json=make_chat(n=2, max_tokens=3, stream=True))
    chunks = [c for c in events(response.text) if c != "[DONE]"]
    finished = sorted(c["choices"][0]["index"] for c in chunks if c["choices"][0]["finish_reason"])
    assert finished == [0, 1]
    assert "usage" not in chunks[-1]  # usage only when asked for

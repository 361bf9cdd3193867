from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import metrics
from serve.engine import Engine, SamplingParams

MB2 = 2 * 1024 * 1024


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def wait_healthy(client: Any, seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/health")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"message", "type"} <= set(body["error"])
    assert "Traceback" not in response.text and "/tmp" not in response.text
    assert all(set(d) == {"loc", "msg", "type"} for d in body["error"].get("details") or [])  # no input echo
    return body["error"]


# Health ----------------------------------------------------------------------------------------------------------


def test_health_is_503_until_the_model_is_loaded(make_client: Any, serve_model_dir: Path, make_task: Any) -> None:
    gate = threading.Event()
    eng = Engine(str(serve_model_dir))
    real_load = eng.load

    def slow_load() -> None:
        gate.wait(20)
        real_load()

    eng.load = slow_load  # type: ignore[method-assign]
    try:
        with make_client(eng) as client:
            loading = client.get("/health")
            refused = client.post("/generate", json={"task": make_task(), "max_tokens": 2})
            gate.set()
            ready = wait_healthy(client)
    finally:
        gate.set()
        eng.close()
    assert loading.status_code == 503 and loading.json() == {"status": "loading"}
    assert_error_shape(refused, 503)
    assert ready.status_code == 200 and ready.json()["versions"] == ["base"]


def test_failed_load_is_reported_without_the_path(make_client: Any, tmp_path: Path) -> None:
    eng = Engine(str(tmp_path / "secret-model-dir"))
    with make_client(eng) as client:
        eng.start_loading().join(30)
        response = client.get("/health")
    eng.close()
    assert response.status_code == 503 and response.json()["status"] == "error"
    assert "secret-model-dir" not in response.text


# /generate -------------------------------------------------------------------------------------------------------


def test_generate_task_form_returns_scored_response_and_version(make_client: Any, engine: Engine,
                                                                make_task: Any) -> None:
    task = make_task()
    with make_client() as client:
        response = client.post("/generate", json={"task": task, "max_tokens": 6})
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == response.headers["x-wsl-adapter"] == "v1"  # default: the first adapter
    assert body["task_id"] == "t1" and body["finish_reason"] in ("stop", "length")
    # the response is what the engine writes for the task's one prompt, scored by the one metrics.score
    expected = engine.run(engine.encode_task(task), "v1", SamplingParams(max_new_tokens=6)).completions[0]
    assert body["response"] == expected.text.strip()
    assert body["scores"] == as_json(metrics.score(task, body["response"]).to_dict())
    usage = body["usage"]
    assert usage["completion_tokens"] == expected.completion_tokens
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def _spy_on_submit(monkeypatch: Any) -> list[SamplingParams]:
    """The sampling parameters of every ``Engine.submit`` from here on (the engine still runs)."""
    seen: list[SamplingParams] = []
    submit = Engine.submit

    def spy(self: Engine, ids: Any, version: str, params: SamplingParams, *args: Any, **kwargs: Any) -> Any:
        seen.append(params)
        return submit(self, ids, version, params, *args, **kwargs)

    monkeypatch.setattr(Engine, "submit", spy)
    return seen


@pytest.mark.parametrize(("cap", "expected"), [(True, 0), (False, None)])
def test_generate_hashtag_cap_passes_the_tasks_limit(make_client: Any, make_task: Any, monkeypatch: Any,
                                                     cap: bool, expected: int | None) -> None:
    seen = _spy_on_submit(monkeypatch)
    task = make_task(constraints={"min_hashtags": 0, "max_hashtags": 0})
    with make_client() as client:
        response = client.post("/generate", json={"task": task, "max_tokens": 4, "hashtag_cap": cap})
    assert response.status_code == 200
    if cap:
        assert "#" not in response.json()["response"]
    assert [p.max_hashtags for p in seen] == [expected]


@pytest.mark.parametrize("guard", ["copy", "claims", None])
def test_generate_figure_guard_passes_the_task(make_client: Any, make_task: Any, monkeypatch: Any,
                                               guard: str | None) -> None:
    seen = _spy_on_submit(monkeypatch)
    task = make_task()
    with make_client() as client:
        response = client.post("/generate", json={"task": task, "max_tokens": 4, "figure_guard": guard})
        bad = client.post("/generate", json={"task": task, "max_tokens": 4, "figure_guard": "strict"})
    assert response.status_code == 200 and bad.status_code == 422
    (params,) = seen
    assert params.figure_guard == guard
    assert (params.guard_task.context == task["context"]) if guard else params.guard_task is None


@pytest.mark.parametrize("adapter", ["v2", "base"])
def test_generate_instruction_form_with_a_picked_version(make_client: Any, adapter: str) -> None:
    body = {"instruction": "Write a recap.", "context": "Slater 9.5", "adapter": adapter, "max_tokens": 3}
    with make_client() as client:
        response = client.post("/generate", json=body)
    assert response.status_code == 200
    assert response.json()["version"] == response.headers["x-wsl-adapter"] == adapter
    assert response.json()["task_id"].startswith("request-")


def test_generate_unknown_adapter_is_404(make_client: Any, make_task: Any) -> None:
    with make_client() as client:
        error = assert_error_shape(client.post("/generate", json={"task": make_task(), "adapter": "v9"}), 404)
    assert "v1" in error["message"]  # says which versions exist


def test_ab_split_reports_versions_and_per_version_score_means(make_client: Any, make_task: Any) -> None:
    with make_client(ab_weights=(("v1", 1.0), ("v2", 1.0)), seed=1) as client:
        served = []
        for i in range(10):
            response = client.post("/generate", json={"task": make_task(id=f"t{i}"), "max_tokens": 2})
            assert response.json()["version"] == response.headers["x-wsl-adapter"]
            served.append(response.json()["version"])
        text = client.get("/metrics").text
    counts = Counter(served)
    assert set(counts) == {"v1", "v2"}  # both arms served
    for version, count in counts.items():
        assert f'wsl_scored_responses_total{{version="{version}"}} {count}' in text
        assert f'wsl_score_mean{{version="{version}",component="total"}}' in text
    assert 'wsl_generated_tokens_total{version="v1"}' in text


def test_time_budget_bounds_a_generate_request(make_client: Any, serve_model_dir: Path, make_task: Any) -> None:
    eng = Engine(str(serve_model_dir), generation_timeout_s=0.05)
    eng.load()
    try:
        with make_client(eng, max_tokens_cap=1800) as client:
            start = time.perf_counter()
            response = client.post("/generate", json={"task": make_task(), "max_tokens": 1800})
            elapsed = time.perf_counter() - start
    finally:
        eng.close()
    assert response.status_code == 200 and response.json()["finish_reason"] == "length"
    assert response.json()["usage"]["completion_tokens"] < 1800
    assert elapsed < 5


# /score, /v1/models, /metrics -------------------------------------------------------------------------------------


def test_score_matches_the_metrics_package(make_client: Any, make_task: Any) -> None:
    task, post = make_task(), "Slater scored 9.5 to win heat 3. #WSL"
    with make_client() as client:
        plain = client.post("/score", json={"task": task, "response": post})
        weighted = client.post("/score", json={"task": task, "response": post, "weights": {"safety_gate": False}})
        unknown = client.post("/score", json={"task": task, "response": post, "weights": {"vibes": 1.0}})
        bad_task = client.post("/score", json={"task": make_task(constraints={"min_hashtags": 3, "max_hashtags": 1}),
                                               "response": post})
    assert plain.status_code == 200
    assert plain.json()["scores"] == as_json(metrics.score(task, post).to_dict())
    assert weighted.json()["scores"]["details"]["weights"]["safety_gate"] is False
    assert "fact" in assert_error_shape(unknown, 422)["message"]  # lists the valid weight names
    assert_error_shape(bad_task, 422)


def test_models_lists_base_and_adapters_without_paths(make_client: Any, serve_model_dir: Path) -> None:
    with make_client(ab_weights=(("v1", 0.8), ("v2", 0.2))) as client:
        body = client.get("/v1/models").json()
    assert [m["id"] for m in body["data"]] == ["base", "v1", "v2"]
    assert {m["root"] for m in body["data"]} == {serve_model_dir.name}
    v1 = body["data"][1]
    assert v1["parent"] == serve_model_dir.name and v1["manifest"]["run"] == "v1"
    assert v1["manifest"]["base_model"] == serve_model_dir.name  # a path in the manifest is cut to its name
    assert body["routing"]["ab_split"] == pytest.approx({"v1": 0.8, "v2": 0.2})


def test_metrics_counts_requests_by_path_and_status(make_client: Any, make_chat: Any) -> None:
    with make_client() as client:
        client.post("/v1/chat/completions", json=make_chat())
        client.post("/v1/chat/completions", json=make_chat(max_tokens=0))
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'wsl_http_requests_total{path="/v1/chat/completions",method="POST",status="200"} 1' in response.text
    assert 'wsl_http_requests_total{path="/v1/chat/completions",method="POST",status="422"} 1' in response.text
    assert 'wsl_generations_total{version="v1",endpoint="chat"} 1' in response.text


# Limits and errors -----------------------------------------------------------------------------------------------


def big_chunks(total: int, size: int = 256 * 1024) -> Any:
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_the_default_2mb_is_413(make_client: Any, chunked: bool) -> None:
    with make_client() as client:
        content = big_chunks(MB2 + 1) if chunked else b" " * (MB2 + 1)
        response = client.post("/v1/chat/completions", content=content, headers={"content-type": "application/json"})
    assert_error_shape(response, 413)


def test_body_limit_is_configurable(make_client: Any, make_chat: Any) -> None:
    with make_client(max_body_bytes=64) as client:
        assert_error_shape(client.post("/v1/chat/completions", json=make_chat("x" * 100)), 413)


LONG = "surf " * 2100  # about 2100 tokens: more than the tiny model's 2048-token context


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"max_tokens": 65}, "max_tokens"),  # above the configured cap of 64
        ({"max_tokens": 0}, "max_tokens"),  # not positive
        ({"max_tokens": -3}, "max_tokens"),  # not positive
        ({"temperature": 3.0}, "temperature"),  # out of range
        ({"top_p": 0.0}, "top_p"),  # out of range
        ({"n": 5}, "n"),  # above max_n (4)
        ({"max_tokens": "5"}, "max_tokens"),  # strictly typed: a numeric string is not an int
        ({"frequency_penalty": 0.5}, "frequency_penalty"),  # unknown field
        ({"messages": [{"role": "user", "content": LONG}]}, "prompt"),  # prompt longer than the context
        ({"messages": [{"role": "user", "content": "surf " * 2000}], "max_tokens": 64}, "max_tokens"),  # no room
    ],
)
def test_chat_422(make_client: Any, make_chat: Any, body: dict[str, Any], where: str) -> None:
    with make_client(max_tokens_cap=64) as client:
        error = assert_error_shape(client.post("/v1/chat/completions", json=make_chat(**body)), 422)
    assert where in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"max_tokens": 65},  # above the cap
        {"temperature": -1.0},  # negative temperature
        {"surprise": True},  # unknown field
        {"task": {"id": "t"}},  # an incomplete task
    ],
)
def test_generate_422(make_client: Any, make_task: Any, body: dict[str, Any]) -> None:
    with make_client(max_tokens_cap=64) as client:
        assert_error_shape(client.post("/generate", json={"task": make_task(), **body}), 422)


def test_invalid_json_is_422_without_echo(make_client: Any) -> None:
    with make_client() as client:
        response = client.post("/generate", content=b'{"task": SECRET-BODY',
                               headers={"content-type": "application/json"})
    assert_error_shape(response, 422)
    assert "SECRET-BODY" not in response.text


def test_concurrency_limit_answers_429_at_once(make_client: Any, engine: Engine, make_chat: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    entered, gate = threading.Event(), threading.Event()
    real_run = engine.run

    def gated_run(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        gate.wait(20)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(engine, "run", gated_run)
    results: dict[str, Any] = {}
    with make_client(max_concurrency=1) as client:
        first = threading.Thread(target=lambda: results.setdefault("first", client.post(
            "/v1/chat/completions", json=make_chat())))
        first.start()
        try:
            assert entered.wait(20)
            start = time.perf_counter()
            second = client.post("/v1/chat/completions", json=make_chat())
            elapsed = time.perf_counter() - start
            scored = client.post("/score", json={"task": {"id": "t", "category": "c", "instruction": "i",
                                                          "context": "c", "expected_behavior": "answer"},
                                                 "response": "x"})
        finally:
            gate.set()
            first.join(30)
        after = client.post("/v1/chat/completions", json=make_chat())
    assert_error_shape(second, 429)
    assert second.headers["retry-after"] == "1" and elapsed < 1.0  # refused at once, not queued
    assert_error_shape(scored, 429)
    assert results["first"].status_code == 200  # the request holding the slot still completes
    assert after.status_code == 200  # and its slot was given back


def test_unexpected_error_leaks_nothing(make_client: Any, engine: Engine, make_chat: Any, make_task: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_run(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("/srv/models/secret.bin: tensor shape mismatch")

    monkeypatch.setattr(engine, "run", broken_run)
    with make_client(max_concurrency=1) as client:
        chat = client.post("/v1/chat/completions", json=make_chat())
        generate = client.post("/generate", json={"task": make_task()})
        stream = client.post("/v1/chat/completions", json=make_chat(stream=True))
        monkeypatch.undo()
        after = client.post("/v1/chat/completions", json=make_chat())
    for response in (chat, generate):
        assert assert_error_shape(response, 500) == {"message": "internal server error", "type": "server_error"}
        assert "secret" not in response.text
    # a stream has begun when the error happens, so it is reported in-band, as OpenAI does
    assert stream.status_code == 200 and '"server_error"' in stream.text and "secret" not in stream.text
    assert after.status_code == 200  # every failed request gave its slot back


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/generate"), ("post", "/score"), ("post", "/v1/chat/completions"), ("get", "/metrics"),
     ("get", "/v1/models"), ("get", "/docs")],
)
def test_api_key_guards_everything_but_health(make_client: Any, method: str, path: str) -> None:
    with make_client(api_key="k3y") as client:
        assert_error_shape(getattr(client, method)(path), 401)
        assert_error_shape(getattr(client, method)(path, headers={"Authorization": "Bearer nope"}), 401)
        assert client.get("/health").status_code == 200
        assert client.get("/v1/models", headers={"Authorization": "Bearer k3y"}).status_code == 200


@pytest.mark.integration
def test_real_model_writes_a_scored_post(make_client: Any) -> None:
    from wsl_env.models import EMBEDDED_ALIAS

    eng = Engine(EMBEDDED_ALIAS)
    eng.load()
    body = {"instruction": "Write a one-line post about the heat winner.",
            "context": "Heat 3 at Pipeline: Florence scored 18.27 to beat Medina (15.10).", "max_tokens": 24}
    try:
        with make_client(eng) as client:
            response = client.post("/generate", json=body)
            models = client.get("/v1/models").json()
    finally:
        eng.close()
    assert response.status_code == 200
    assert response.json()["response"].strip()  # the real model writes words, not nothing
    assert 0.0 <= response.json()["scores"]["total"] <= 1.0
    assert models["data"][0]["root"] == EMBEDDED_ALIAS

"""The command line, and the real thing: ``python -m serve`` as a uvicorn process on loopback, driven by a bounded
burst of concurrent requests and by the official ``openai`` client, then stopped with SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from serve.__main__ import config_from_args, main

REPO = Path(__file__).resolve().parents[2]
KEY = "test-key-123"
BODY_LIMIT = 4096


# Command line ----------------------------------------------------------------------------------------------------


def test_flags_become_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WSL_API_KEY", raising=False)
    config = config_from_args([
        "--model", "m", "--adapter", "a/v1", "--adapter", "a/v2", "--adapters-dir", "arts", "--ab", "v1=0.8,v2=0.2",
        "--default-version", "v1", "--api-key", "k", "--host", "0.0.0.0", "--port", "9000",
        "--max-body-bytes", "100", "--max-concurrency", "3", "--max-tokens-cap", "64", "--default-max-tokens", "32",
        "--max-n", "2", "--context-limit", "512", "--generation-timeout", "5", "--dtype", "bf16", "--seed", "4",
        "--log-level", "debug", "--graceful-timeout", "3",
    ])
    assert config.adapters == ("a/v1", "a/v2") and config.adapters_dir == "arts"
    assert config.ab_weights == (("v1", 0.8), ("v2", 0.2)) and config.default_version == "v1"
    assert (config.api_key, config.host, config.port) == ("k", "0.0.0.0", 9000)
    assert (config.max_body_bytes, config.max_concurrency, config.max_tokens_cap) == (100, 3, 64)
    assert (config.default_max_tokens, config.max_n, config.context_limit) == (32, 2, 512)
    assert (config.generation_timeout_s, config.dtype, config.seed) == (5.0, "bf16", 4)
    assert (config.log_level, config.graceful_timeout_s) == ("debug", 3.0)


def test_api_key_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSL_API_KEY", "from-env")
    assert config_from_args([]).api_key == "from-env"
    assert config_from_args(["--api-key", "flag"]).api_key == "flag"  # the flag wins
    monkeypatch.setenv("WSL_API_KEY", "")
    assert config_from_args([]).api_key is None  # an empty variable means no auth


@pytest.mark.parametrize(
    "argv",
    [["--ab", "v1"], ["--max-concurrency", "0"], ["--port", "x"], ["--dtype", "int3"], ["--nope"]],
)
def test_bad_flags_exit_with_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        config_from_args(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize(("ab", "message"), [
    ("v1=0.5,v1=0.5", "name a version twice"),
    ("v1", "look like 'v1=0.8,v2=0.2'"),
    ("v1=x", "is not a number"),
])
def test_a_bad_ab_flag_says_what_is_wrong(ab: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        config_from_args(["--ab", ab])
    assert message in capsys.readouterr().err  # not only argparse's "invalid value"


def test_missing_adapter_exits_2_before_serving(tmp_path: Path) -> None:
    assert main(["--adapter", str(tmp_path / "nope"), "--port", "1"]) == 2


# A real server ---------------------------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path

    def log_lines(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(serve_model_dir: Path, artifacts_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = {**os.environ, "WSL_API_KEY": KEY, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "serve", "--model", str(serve_model_dir), "--adapters-dir", str(artifacts_dir),
           "--host", "127.0.0.1", "--port", str(port), "--max-concurrency", "8", "--max-tokens-cap", "64",
           "--max-body-bytes", str(BODY_LIMIT), "--graceful-timeout", "5"]
    with open(log, "wb") as sink:
        process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    srv = Server(process, f"http://127.0.0.1:{port}", port, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"server exited early:\n{log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{srv.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"server not healthy in time:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
        yield srv
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def chat(client: httpx.Client, content: str, model: str) -> httpx.Response:
    return client.post("/v1/chat/completions", json={
        "model": model, "messages": [{"role": "user", "content": content}], "max_tokens": 5, "temperature": 0})


def test_burst_of_concurrent_requests(server: Server) -> None:
    jobs = [(f"Request {i}: who won heat {i}?", ("v1", "v2", "base")[i % 3]) for i in range(12)]
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        # What each prompt gets when sent alone (greedy, so deterministic) ...
        alone = [chat(client, content, model).json()["choices"][0]["message"]["content"] for content, model in jobs]
    assert len(set(alone)) == len(alone)  # distinct answers, so a mix-up could not go unnoticed

    def send(job: tuple[str, str]) -> httpx.Response:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            return chat(client, *job)

    # ... and what it gets in a burst: 12 requests from 4 threads at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(send, jobs))
    assert [r.status_code for r in responses] == [200] * len(jobs)  # none lost, no 5xx, no 429 (limit 8)
    for (_, model), response, expected in zip(jobs, responses, alone, strict=True):
        body = response.json()
        assert body["model"] == response.headers["x-wsl-adapter"] == model
        assert body["choices"][0]["message"]["content"] == expected  # not mixed up with another request
    assert len({r.json()["id"] for r in responses}) == len(jobs)


def test_openai_client_unchanged(server: Server) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0, timeout=60)
    messages = [{"role": "user", "content": "Who won heat 3?"}]
    completion = client.chat.completions.create(model="v2", messages=messages, max_tokens=6, temperature=0)  # type: ignore[arg-type]
    assert completion.model == "v2" and completion.object == "chat.completion"
    assert completion.choices[0].finish_reason in ("stop", "length")
    assert completion.usage is not None and completion.usage.completion_tokens >= 1
    stream = client.chat.completions.create(model="v2", messages=messages, max_tokens=6, temperature=0,  # type: ignore[arg-type]
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == completion.choices[0].message.content
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == completion.usage.total_tokens
    assert [m.id for m in client.models.list()] == ["base", "v1", "v2"]
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.UnprocessableEntityError):  # max_tokens above the server's cap (64)
        client.chat.completions.create(model="v1", messages=messages, max_tokens=65)  # type: ignore[arg-type]


def raw_request(port: int, head: str, body_parts: list[bytes]) -> bytes:
    """Send a hand-written HTTP/1.1 request and read the whole response (the server closes after a 413)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(head.encode())
        for part in body_parts:
            sock.sendall(part)
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    return received


def test_real_server_refuses_a_chunked_body_over_the_limit(server: Server) -> None:
    head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * 1000
    parts = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 5 + [b"0\r\n\r\n"]  # 5000 bytes > the 4096 limit
    response = raw_request(server.port, head, parts)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b'"request_too_large"' in response
    declared = httpx.post(f"{server.url}/generate", content=b" " * (BODY_LIMIT + 1),
                          headers={"Authorization": f"Bearer {KEY}"})
    assert declared.status_code == 413


def test_metrics_after_traffic(server: Server) -> None:
    text = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {KEY}"}).text
    assert 'wsl_http_requests_total{path="/v1/chat/completions",method="POST",status="200"}' in text
    assert 'wsl_generated_tokens_total{version="v2"}' in text
    assert httpx.get(f"{server.url}/metrics").status_code == 401  # /metrics needs the key too


def test_sigterm_shuts_down_cleanly_with_json_logs(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0
    entries = [json.loads(line) for line in server.log_lines()]  # every line the server wrote is JSON
    messages = [e["msg"] for e in entries]
    assert "model loaded" in messages and "stopped" in messages
    requests = [e for e in entries if e["msg"] == "request"]
    assert requests and all({"status", "path", "duration_ms", "request_id"} <= set(e) for e in requests)
    assert not [e for e in requests if e["status"] >= 500 and e["path"] != "/health"]  # /health: 503 while loading
    assert KEY not in server.log.read_text()  # the API key is never logged

"""Tests for serve/engine.py (named test_serve_engine so it does not clash with tests/wsl_env/envs/test_engine.py
under pytest's default import mode)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from serve.engine import Engine, EngineNotReadyError, SamplingParams, public_model_name
from wsl_env.prompt import render_prompt

GREEDY = SamplingParams(max_new_tokens=8)


def prompt(engine: Engine, text: str) -> list[int]:
    return engine.encode_messages([{"role": "user", "content": text}])


def test_versions_and_public_name(engine: Engine, serve_model_dir: Path) -> None:
    assert engine.versions == ["base", "v1", "v2"]
    assert engine.public_name == serve_model_dir.name  # never the server path
    assert public_model_name("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert engine.context_limit == 2048  # the model's max_position_embeddings


def test_each_version_generates_with_its_own_weights(engine: Engine) -> None:
    ids = prompt(engine, "Who won heat 3?")
    texts = {v: engine.run(ids, v, GREEDY).completions[0].text for v in engine.versions}
    assert len(set(texts.values())) == 3  # base, v1 and v2 really differ
    # switching back and forth gives the same answers: no adapter state leaks between requests
    assert {v: engine.run(ids, v, GREEDY).completions[0].text for v in reversed(engine.versions)} == texts


def test_greedy_result_counts_and_reason(engine: Engine) -> None:
    ids = prompt(engine, "hello")
    result = engine.run(ids, "v1", GREEDY)
    assert result.version == "v1" and result.prompt_tokens == len(ids)
    (completion,) = result.completions
    assert completion.completion_tokens == 8 and completion.finish_reason == "length"


def test_hashtag_cap_keeps_every_hash_token_out(engine: Engine) -> None:
    from wsl_env.rollout.guards import hash_marks

    marks = hash_marks(engine.tokenizer, engine.model.config.vocab_size)
    ids = prompt(engine, "Post #1: tag it #WSL #Surf #Heat #Final")
    free = engine.run(ids, "v1", SamplingParams(max_new_tokens=8, temperature=1.0, n=4, seed=3))
    capped = engine.run(ids, "v1", SamplingParams(max_new_tokens=8, temperature=1.0, n=4, seed=3, max_hashtags=0))
    for completion in capped.completions:
        assert "#" not in completion.text
    # Where the free samples wrote no "#", the mask changed no choice: the same seeded samples come out.
    if all("#" not in c.text for c in free.completions):
        assert [c.text for c in capped.completions] == [c.text for c in free.completions]
    assert int(marks.sum()) > 0
    with pytest.raises(ValueError, match="max_hashtags"):
        SamplingParams(max_new_tokens=8, max_hashtags=-1)


def test_figure_guard_writes_only_the_tasks_figures(engine: Engine, make_task: Any) -> None:
    from tests.conftest import post_numbers, stray_numbers
    from wsl_env.rollout.figure_guard import context_figures

    task = make_task(context="Kai Moana 17.10 (9.10 + 8.00) def. Leo Santos 13.65.")
    ids = engine.encode_task(task)
    digits = [engine.tokenizer.convert_tokens_to_ids(d) for d in "0123456789"]
    head = engine.model.get_output_embeddings()
    bonus = torch.zeros(head.out_features)
    bonus[digits] = 8.0  # a model that likes digits: unguarded it writes numbers the context lacks
    hook = head.register_forward_hook(lambda module, args, output: output + bonus)
    figures = context_figures(task["context"])
    try:
        free = engine.run(ids, "v1", SamplingParams(max_new_tokens=12, temperature=1.0, n=4, seed=3)).completions
        guarded = {mode: engine.run(ids, "v1", SamplingParams(max_new_tokens=12, temperature=1.0, n=4, seed=3,
                                                              figure_guard=mode, guard_task=task)).completions
                   for mode in ("copy", "claims")}
    finally:
        hook.remove()
    assert any(n not in figures for c in free for n in post_numbers(c.text))  # unguarded: numbers the context lacks
    for completions in guarded.values():
        # every number a whole figure, but a post's last, which the token budget may cut short
        assert not any(stray_numbers(c.text, figures) for c in completions), [c.text for c in completions]
        assert any(post_numbers(c.text) for c in completions)
    with pytest.raises(ValueError, match="guard_task"):
        SamplingParams(max_new_tokens=8, figure_guard="claims")
    with pytest.raises(ValueError, match="figure_guard must be"):
        SamplingParams(max_new_tokens=8, figure_guard="strict", guard_task=task)


def test_task_prompt_is_the_one_render_prompt(engine: Engine, make_task: Any) -> None:
    task = make_task()
    expected = engine.tokenizer(render_prompt(engine.tokenizer, task), add_special_tokens=False)["input_ids"]
    assert engine.encode_task(task) == list(expected)


def test_stop_string_cuts_and_reports_stop(engine: Engine) -> None:
    ids = prompt(engine, "Who won heat 3?")
    full = engine.run(ids, "base", SamplingParams(max_new_tokens=12)).completions[0].text
    stop = full[3:6]  # a piece from inside the greedy answer
    cut = engine.run(ids, "base", SamplingParams(max_new_tokens=12, stop=(stop,))).completions[0]
    assert cut.text == full[: full.index(stop)] and cut.finish_reason == "stop"
    assert cut.completion_tokens < 12  # generation stopped early, not just the text


def test_sampling_n_choices_reproducible_by_seed(engine: Engine) -> None:
    ids = prompt(engine, "Tell me a story")
    params = SamplingParams(max_new_tokens=4, temperature=1.0, n=2, seed=7)
    first = engine.run(ids, "v2", params).completions
    assert len(first) == 2 and first[0].text != first[1].text  # sampled choices differ
    assert engine.run(ids, "v2", params).completions == first  # the same seed gives the same choices
    greedy = engine.run(ids, "v2", SamplingParams(max_new_tokens=4, n=2)).completions
    assert len(greedy) == 2 and greedy[0] == greedy[1]  # greedy choices are all the same


def test_stream_deltas_add_up_to_the_completion(engine: Engine) -> None:
    ids = prompt(engine, "Stream this please")
    pieces: list[tuple[int, str]] = []
    params = SamplingParams(max_new_tokens=10, n=2)
    result = engine.run(ids, "v1", params, on_text=lambda i, t: pieces.append((i, t)))
    for index, completion in enumerate(result.completions):
        assert "".join(t for i, t in pieces if i == index) == completion.text
    assert [i for i, _ in pieces] == sorted(i for i, _ in pieces)  # choices stream one after another
    assert result.completions[0] == engine.run(ids, "v1", SamplingParams(max_new_tokens=10)).completions[0]


def test_stream_never_sends_the_stop_string(engine: Engine) -> None:
    ids = prompt(engine, "Who won heat 3?")
    full = engine.run(ids, "base", SamplingParams(max_new_tokens=12)).completions[0].text
    stop = full[4:7]
    pieces: list[str] = []
    result = engine.run(ids, "base", SamplingParams(max_new_tokens=12, stop=(stop,)),
                        on_text=lambda i, t: pieces.append(t))
    assert "".join(pieces) == result.completions[0].text == full[: full.index(stop)]


def test_time_budget_cuts_generation(serve_model_dir: Path) -> None:
    eng = Engine(str(serve_model_dir), generation_timeout_s=0.05)
    eng.load()
    try:
        start = time.perf_counter()
        result = eng.run(prompt(eng, "go on"), "base", SamplingParams(max_new_tokens=2000))
        elapsed = time.perf_counter() - start
    finally:
        eng.close()
    (completion,) = result.completions
    assert completion.finish_reason == "length"
    assert 0 < completion.completion_tokens < 2000  # cut by time, not by the token limit
    assert elapsed < 2.0


def test_cancel_event_stops_generation(engine: Engine) -> None:
    cancel = threading.Event()
    seen: list[str] = []

    def on_text(index: int, text: str) -> None:
        seen.append(text)
        cancel.set()  # the client "leaves" after the first delta

    result = engine.run(prompt(engine, "long answer"), "base", SamplingParams(max_new_tokens=500), on_text, cancel)
    assert result.completions[0].completion_tokens < 20


def test_not_ready_and_unknown_version(serve_model_dir: Path, engine: Engine) -> None:
    fresh = Engine(str(serve_model_dir))
    with pytest.raises(EngineNotReadyError):
        fresh.encode("x")
    fresh.close()
    with pytest.raises(ValueError, match="unknown version"):
        engine.run([1, 2], "v9", GREEDY)


def test_load_failure_is_recorded(tmp_path: Path) -> None:
    eng = Engine(str(tmp_path / "missing"))
    eng.start_loading().join(timeout=30)
    assert not eng.ready.is_set() and eng.load_error is not None
    eng.close()


def test_submit_runs_on_the_single_worker(engine: Engine) -> None:
    ids = prompt(engine, "worker")
    futures = [engine.submit(ids, v, GREEDY) for v in ("v1", "v2", "v1")]
    texts = [f.result(timeout=30).completions[0].text for f in futures]
    assert texts[0] == texts[2] != texts[1]

from __future__ import annotations

import re

import pytest

from serve.metrics_export import ServerMetrics, escape_label

# One sample line of the text format: name, optional {labels}, a number.
SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? '
                    r'(-?[0-9.e+-]+|\+Inf|NaN)$')


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        assert SAMPLE.match(line), line
        key, value = line.rsplit(" ", 1)
        out[key] = float(value.replace("+Inf", "inf"))
    return out


def test_render_is_valid_text_format_with_every_family() -> None:
    m = ServerMetrics(buckets=(0.1, 1.0))
    m.observe_request("/generate", "POST", 200, 0.05)
    m.observe_request("/generate", "POST", 200, 0.5)
    m.observe_request("/generate", "POST", 429, 0.001)
    m.observe_generation("v1", "generate", prompt_tokens=10, completion_tokens=7)
    m.observe_generation("v1", "chat", prompt_tokens=5, completion_tokens=3)
    m.observe_scores("v1", {"structure": 1.0, "fact": 0.5, "safety": 1.0, "total": 0.8})
    m.observe_scores("v1", {"structure": 0.0, "fact": 0.5, "safety": 1.0, "total": 0.4})
    s = samples(m.render(model_loaded=True, versions=["base", "v1"]))
    assert s['wsl_http_requests_total{path="/generate",method="POST",status="200"}'] == 2
    assert s['wsl_http_requests_total{path="/generate",method="POST",status="429"}'] == 1
    # histogram buckets are cumulative and end in +Inf == count
    assert s['wsl_http_request_duration_seconds_bucket{path="/generate",le="0.1"}'] == 2
    assert s['wsl_http_request_duration_seconds_bucket{path="/generate",le="1"}'] == 3
    assert s['wsl_http_request_duration_seconds_bucket{path="/generate",le="+Inf"}'] == 3
    assert s['wsl_http_request_duration_seconds_count{path="/generate"}'] == 3
    assert s['wsl_generated_tokens_total{version="v1"}'] == 10
    assert s['wsl_prompt_tokens_total{version="v1"}'] == 15
    assert s['wsl_generations_total{version="v1",endpoint="chat"}'] == 1
    assert s['wsl_scored_responses_total{version="v1"}'] == 2
    assert s['wsl_score_mean{version="v1",component="total"}'] == pytest.approx(0.6)
    assert s['wsl_score_mean{version="v1",component="structure"}'] == pytest.approx(0.5)
    assert s["wsl_model_loaded"] == 1
    assert s['wsl_served_version_info{version="base"}'] == 1


def test_inflight_gauge_tracks_changes() -> None:
    m = ServerMetrics()
    m.inflight_changed(+1)
    m.inflight_changed(+1)
    m.inflight_changed(-1)
    assert samples(m.render(model_loaded=False))["wsl_inflight_requests"] == 1


def test_label_values_are_escaped() -> None:
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    m = ServerMetrics()
    m.observe_generation('we"ird', "chat", 1, 1)
    samples(m.render(model_loaded=True))  # still parses line by line

"""The server's counters, and their Prometheus text exposition (format 0.0.4) for ``GET /metrics``."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SCORE_COMPONENTS: tuple[str, ...] = ("structure", "fact", "safety", "total")


def escape_label(value: str) -> str:
    """A label value escaped for the text format (backslash, double quote, newline)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Mapping[str, str]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape_label(str(v))}"' for k, v in pairs.items()) + "}"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class ServerMetrics:
    """Thread-safe counters: requests and latencies by path, tokens and score sums by served version."""

    def __init__(self, buckets: Iterable[float] = LATENCY_BUCKETS) -> None:
        self.buckets = tuple(sorted(buckets))
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._latency_counts: dict[str, list[int]] = {}
        self._latency_sum: dict[str, float] = defaultdict(float)
        self._generations: dict[tuple[str, str], int] = defaultdict(int)
        self._completion_tokens: dict[str, int] = defaultdict(int)
        self._prompt_tokens: dict[str, int] = defaultdict(int)
        self._scored: dict[str, int] = defaultdict(int)
        self._score_sum: dict[tuple[str, str], float] = defaultdict(float)
        self._inflight = 0

    def observe_request(self, path: str, method: str, status: int, seconds: float) -> None:
        """Count one finished HTTP request and its latency."""
        with self._lock:
            self._requests[(path, method, str(status))] += 1
            counts = self._latency_counts.setdefault(path, [0] * (len(self.buckets) + 1))
            for i, bound in enumerate(self.buckets):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self._latency_sum[path] += seconds

    def observe_generation(self, version: str, endpoint: str, prompt_tokens: int, completion_tokens: int) -> None:
        """Count one generation request served by ``version`` and its tokens."""
        with self._lock:
            self._generations[(version, endpoint)] += 1
            self._prompt_tokens[version] += prompt_tokens
            self._completion_tokens[version] += completion_tokens

    def observe_scores(self, version: str, scores: Mapping[str, float]) -> None:
        """Add one scored response of ``version`` to its score means."""
        with self._lock:
            self._scored[version] += 1
            for component in SCORE_COMPONENTS:
                self._score_sum[(version, component)] += float(scores[component])

    def inflight_changed(self, delta: int) -> None:
        """Track requests currently holding a concurrency slot."""
        with self._lock:
            self._inflight += delta

    def score_means(self) -> dict[str, dict[str, float]]:
        """Mean of each score component by version."""
        with self._lock:
            return {v: {c: self._score_sum[(v, c)] / n for c in SCORE_COMPONENTS} for v, n in self._scored.items()}

    def render(self, model_loaded: bool, versions: Iterable[str] = ()) -> str:
        """The Prometheus text exposition of every metric."""
        out: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")

        def sample(name: str, labels: Mapping[str, str], value: float) -> None:
            out.append(f"{name}{_labels(labels)} {_number(value)}")

        means = self.score_means()
        with self._lock:
            family("wsl_model_loaded", "gauge", "1 once the model and its adapters are loaded.")
            sample("wsl_model_loaded", {}, 1 if model_loaded else 0)
            family("wsl_served_version_info", "gauge", "Versions this server can serve (always 1).")
            for version in versions:
                sample("wsl_served_version_info", {"version": version}, 1)
            family("wsl_inflight_requests", "gauge", "Requests holding a concurrency slot now.")
            sample("wsl_inflight_requests", {}, self._inflight)
            family("wsl_http_requests_total", "counter", "HTTP requests by path, method and status.")
            for (path, method, status), count in sorted(self._requests.items()):
                sample("wsl_http_requests_total", {"path": path, "method": method, "status": status}, count)
            family("wsl_http_request_duration_seconds", "histogram", "HTTP request latency by path.")
            for path, counts in sorted(self._latency_counts.items()):
                for bound, count in zip((*self.buckets, float("inf")), counts, strict=True):
                    sample("wsl_http_request_duration_seconds_bucket", {"path": path, "le": _number(bound)}, count)
                sample("wsl_http_request_duration_seconds_sum", {"path": path}, self._latency_sum[path])
                sample("wsl_http_request_duration_seconds_count", {"path": path}, counts[-1])
            family("wsl_generations_total", "counter", "Generation requests by served version and endpoint.")
            for (version, endpoint), count in sorted(self._generations.items()):
                sample("wsl_generations_total", {"version": version, "endpoint": endpoint}, count)
            family("wsl_generated_tokens_total", "counter", "Completion tokens generated by served version.")
            for version, count in sorted(self._completion_tokens.items()):
                sample("wsl_generated_tokens_total", {"version": version}, count)
            family("wsl_prompt_tokens_total", "counter", "Prompt tokens read by served version.")
            for version, count in sorted(self._prompt_tokens.items()):
                sample("wsl_prompt_tokens_total", {"version": version}, count)
            family("wsl_scored_responses_total", "counter", "Responses scored by /generate, by served version.")
            for version, count in sorted(self._scored.items()):
                sample("wsl_scored_responses_total", {"version": version}, count)
        family("wsl_score_mean", "gauge", "Mean score of /generate responses by served version and component.")
        for version, components in sorted(means.items()):
            for component, value in components.items():
                sample("wsl_score_mean", {"version": version, "component": component}, value)
        return "\n".join(out) + "\n"

"""Which version serves a request: the one it names, else a seeded weighted A/B draw, else the default."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

AUTO = "auto"
"""The name a request may give to ask for routing (as if it named no version)."""


class UnknownVersionError(LookupError):
    """A request named a version that is not served. The message lists the served ones."""


class Router:
    """Pick the version for each request.

    Args:
        versions: every served version, ``"base"`` included.
        weights: A/B weights by version (need not sum to 1); empty means no split.
        default: the version for requests that name none when there is no split.
        seed: seeds the A/B draws, so a run's routing sequence is reproducible.
        aliases: extra names that mean "route me" like ``"auto"`` (e.g. the base model's name, which OpenAI
            clients send as ``model``).
    """

    def __init__(
        self,
        versions: Sequence[str],
        weights: Sequence[tuple[str, float]] = (),
        default: str | None = None,
        seed: int = 0,
        aliases: Sequence[str] = (),
    ) -> None:
        if not versions:
            raise ValueError("a router needs at least one version")
        self.versions = list(versions)
        unknown = [name for name, _ in weights if name not in self.versions]
        if unknown:
            raise ValueError(f"A/B weights name unknown version(s) {unknown}; served: {self.versions}")
        self.weights = [(name, float(w)) for name, w in weights if w > 0]
        if weights and not self.weights:
            raise ValueError("A/B weights must not all be zero")
        if default is not None and default not in self.versions:
            raise ValueError(f"default version {default!r} is not served; served: {self.versions}")
        self.default = default if default is not None else self.versions[0]
        self.aliases = {AUTO, *aliases} - set(self.versions)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def choose(self, requested: str | None = None) -> str:
        """The version for a request that names ``requested`` (a version, an alias, or ``None``)."""
        if requested is not None and requested not in self.aliases:
            if requested not in self.versions:
                raise UnknownVersionError(
                    f"unknown model/adapter {requested!r}; choose one of {self.versions} or 'auto'"
                )
            return requested
        if not self.weights:
            return self.default
        names = [name for name, _ in self.weights]
        with self._lock:  # random.Random is not documented as thread-safe; the sequence must stay reproducible
            return self._rng.choices(names, weights=[w for _, w in self.weights])[0]

    def describe(self) -> dict[str, object]:
        """The routing rule, for ``/v1/models``."""
        total = sum(w for _, w in self.weights)
        split = {name: w / total for name, w in self.weights} if self.weights else None
        return {"default": self.default, "ab_split": split, "aliases": sorted(self.aliases)}

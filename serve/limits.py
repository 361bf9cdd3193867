"""The concurrency limit: a slot is taken without waiting, or the request is refused (429)."""

from __future__ import annotations

import threading


class ConcurrencyLimiter:
    """At most ``limit`` holders at once; :meth:`try_acquire` never blocks."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self.limit = limit
        self._semaphore = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._held = 0

    @property
    def held(self) -> int:
        """Slots taken now."""
        return self._held

    def try_acquire(self) -> bool:
        """Take a slot if one is free; ``False`` at once otherwise."""
        if not self._semaphore.acquire(blocking=False):
            return False
        with self._lock:
            self._held += 1
        return True

    def release(self) -> None:
        """Give a slot back (exactly once per successful :meth:`try_acquire`)."""
        with self._lock:
            self._held -= 1
        self._semaphore.release()

from __future__ import annotations

import pytest

from serve.limits import ConcurrencyLimiter


def test_acquire_up_to_the_limit_then_refuse_at_once() -> None:
    limiter = ConcurrencyLimiter(2)
    assert limiter.try_acquire() and limiter.try_acquire()
    assert limiter.held == 2
    assert not limiter.try_acquire()  # full: refused without waiting
    limiter.release()
    assert limiter.try_acquire()  # a released slot is reusable


def test_release_more_than_acquired_is_an_error() -> None:
    limiter = ConcurrencyLimiter(1)
    with pytest.raises(ValueError):
        limiter.release()  # a BoundedSemaphore catches a double release


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ConcurrencyLimiter(0)

"""Whether the code running now may wait for a tool (a Retry-After, a backoff between attempts) before answering.

The outbox dispatcher must not: a row that cannot be delivered now gets a time of its next attempt stored on it,
and the worker goes on with other work. Pollers and commands may wait (the wait is their own instance's).
A context variable, so the answer is per thread: one lane's rule never leaks into another worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_may_wait: ContextVar[bool] = ContextVar("baton_may_wait", default=True)


def may_wait() -> bool:
    return _may_wait.get()


@contextmanager
def without_waiting() -> Iterator[None]:
    """Calls made inside raise at once instead of sleeping and trying again."""
    token = _may_wait.set(False)
    try:
        yield
    finally:
        _may_wait.reset(token)

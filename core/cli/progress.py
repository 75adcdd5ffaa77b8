"""A progress bar on stderr for long commands; silent when stderr is not a terminal or when asked."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    """Call it as progress(done, total). It redraws only when the shown percentage changes, and at most
    every INTERVAL seconds (the end is always drawn), so a fast import spends next to nothing on it."""

    WIDTH = 30
    INTERVAL = 0.2  # seconds between redraws: a few a second is smooth enough to read

    def __init__(
        self,
        label: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = not quiet and self.stream.isatty()
        self._clock = clock
        self._shown = -1
        self._drawn_at = float("-inf")

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        percent = min(100, done * 100 // total)
        if percent == self._shown:
            return
        now = self._clock()
        if percent < 100 and now - self._drawn_at < self.INTERVAL:
            return
        self._shown, self._drawn_at = percent, now
        filled = self.WIDTH * percent // 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%")
        self.stream.flush()

    def close(self) -> None:
        if self._shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = -1

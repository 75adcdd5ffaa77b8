"""A progress bar on stderr for long commands; silent when stderr is not a terminal or when asked."""
from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Call it as progress(done, total); it redraws only when the shown percentage changes."""

    WIDTH = 30

    def __init__(self, label: str, *, quiet: bool = False, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = not quiet and self.stream.isatty()
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        percent = min(100, done * 100 // total)
        if percent == self._shown:
            return
        self._shown = percent
        filled = self.WIDTH * percent // 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%")
        self.stream.flush()

    def close(self) -> None:
        if self._shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = -1

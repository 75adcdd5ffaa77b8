"""The progress bar: only on a terminal, a few redraws a second at most, and always its end."""

from __future__ import annotations

import io

from baton_itsm.core.cli.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_redraws_are_spaced_out_and_the_end_is_always_drawn():
    stream, now = Terminal(), [0.0]
    bar = ProgressBar("importing", stream=stream, clock=lambda: now[0])
    for done in range(0, 101):  # 101 calls within 0.1 s: one draw at the start, then the end
        now[0] = done / 1000
        bar(done, 100)
    bar.close()
    draws = stream.getvalue().split("\r")[1:]
    assert [d.rstrip("\n")[-4:] for d in draws] == ["  0%", "100%"]
    assert stream.getvalue().endswith("100%\n")


def test_a_slow_import_is_redrawn_as_it_goes():
    stream, now = Terminal(), [0.0]
    bar = ProgressBar("importing", stream=stream, clock=lambda: now[0])
    for done in range(0, 101, 10):
        now[0] += 1
        bar(done, 100)
    assert stream.getvalue().count("\r") == 11


def test_nothing_is_drawn_off_a_terminal_or_when_quiet():
    for stream, quiet in ((io.StringIO(), False), (Terminal(), True)):
        bar = ProgressBar("importing", quiet=quiet, stream=stream)
        bar(50, 100)
        bar.close()
        assert stream.getvalue() == ""

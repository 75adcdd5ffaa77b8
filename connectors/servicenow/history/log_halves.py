"""Reading a log's text in two halves: where the second half starts, and the first half as a bounded stream.

The second half starts at the first incident to start past the middle of the text (the log holds each incident's
rows together), found by a quick scan that also counts the incidents before it, so the first half's tickets can be
given their ids up front (log_import.ServiceNowLogImport._halves, core/history/ledger_import).
"""

from __future__ import annotations

import operator
import re
from typing import IO

CHUNK = 1 << 20  # decoded characters per read: big enough to amortise, small enough to stay lean


class Limited:
    """A text stream's next `remaining` characters, for read(n) only: the first half of a log."""

    def __init__(self, text: IO[str], remaining: int):
        self.text, self.remaining = text, remaining

    def read(self, size: int) -> str:
        block = self.text.read(min(size, self.remaining)) if self.remaining > 0 else ""
        self.remaining -= len(block)
        return block


def skip(text: IO[str], characters: int) -> None:
    while characters > 0:
        block = text.read(min(CHUNK, characters))
        if not block:
            return
        characters -= len(block)


# A line's first field (the incident number), searched in "\n" + whole lines: a match starts where its line does.
# (Anchored on the newline, not on ^ with MULTILINE: ten times faster.)
_FIRST_FIELDS = re.compile(r"\n([^,\n]*),")


def middle_of(text: IO[str], middle: int, done: int) -> tuple[int, int, int] | None:
    """Where the log's second half starts: (its character offset in the text, its line number, how many incidents
    start before it, at most), at the first row past `middle` characters whose number is not the row before's.
    `done` characters (the header) are read already. None when no incident starts past the middle."""
    line_no, incidents, previous, tail = 1, 0, None, ""
    while block := text.read(CHUNK):
        chunk = tail + block
        cut = chunk.rfind("\n") + 1  # whole lines only; the rest starts the next chunk
        chunk, tail = chunk[:cut], chunk[cut:]
        if done + len(chunk) <= middle:  # all before the middle: counted by C loops
            numbers = _FIRST_FIELDS.findall("\n" + chunk)
            incidents += sum(map(operator.ne, numbers, [previous, *numbers[:-1]]))
            previous = numbers[-1] if numbers else previous
            line_no, done = line_no + chunk.count("\n"), done + len(chunk)
            continue
        for match in _FIRST_FIELDS.finditer("\n" + chunk):
            number = match.group(1)
            if number != previous:
                at = done + match.start()
                if at >= middle and previous is not None:
                    return at, line_no + 1 + chunk.count("\n", 0, match.start()), incidents
                incidents += 1
                previous = number
        line_no, done = line_no + chunk.count("\n"), done + len(chunk)
    return None

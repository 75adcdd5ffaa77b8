"""One write is one change: a tool that logs one edit as several changes (Request Tracker records a PUT that sets
Queue and Owner as two transactions, Owner then Queue, same creator, same second) still made one holder change,
from the holder before the first to the holder after the last, never the in-between holder, which nobody chose.

Consecutive holder changes of one ticket by one actor within a second, each changing a part (group or person)
the others did not, are taken as one write. The poll (connectors/rest/timeline.py) and the intake, for webhook
deliveries of one transaction each (core/usecases/joined_deliveries.py), group by this one rule, so both paths read a
write the same way and name it by its first change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from baton_itsm.core.domain.tool_events import ToolEventKind

ONE_WRITE = timedelta(seconds=1)  # RT's times have 1 s resolution; one PUT's transactions share a second


class Change(Protocol):
    """What grouping reads of a change; `part` is None where a change is not of one part of the holder."""

    @property
    def kind(self) -> ToolEventKind: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def part(self) -> str | None: ...


def writes(own: Sequence[Change]) -> list[list[int]]:
    """One ticket's changes (in order) as writes: lists of positions, a holder write holding one or two changes."""
    grouped: list[list[int]] = []
    for position, change in enumerate(own):
        if grouped and continues(own, grouped[-1], change):
            grouped[-1].append(position)
        else:
            grouped.append([position])
    return grouped


def continues(own: Sequence[Change], write: list[int], change: Change) -> bool:
    """Whether `change` belongs to `write` (positions in `own`)."""
    first, parts = own[write[0]], {own[p].part for p in write}
    return (
        change.kind is ToolEventKind.HOLDER_CHANGED
        and first.kind is ToolEventKind.HOLDER_CHANGED
        and change.actor == first.actor
        and abs(change.at - first.at) <= ONE_WRITE
        and change.part is not None
        and None not in parts
        and change.part not in parts
    )

"""The bounce count, defined once.

A bounce is a change of hands after the ticket's first assignment: the ticket moves to another
group, or from one named person to another. Taking a ticket from one's own group queue, or putting
it back there, is not a change of hands; but if someone else in the group picks it up afterwards,
that is one (the group's last named person is remembered across queue spells).
"""
from __future__ import annotations

from collections.abc import Iterable

from baton_itsm.core.domain.holders import Holder


class BounceCounter:
    """Feed it each new holder in order; it counts the bounces."""

    __slots__ = ("bounces", "_group", "_last_person")

    def __init__(self) -> None:
        self.bounces = 0
        self._group: str | None = None
        self._last_person: str | None = None

    def observe(self, holder: Holder) -> bool:
        """Record the ticket's new holder; return True when this change is a bounce."""
        bounced = False
        if self._group is None:
            pass  # the first assignment
        elif holder.group != self._group:
            bounced = True
            self._last_person = None
        elif holder.person is not None and self._last_person not in (None, holder.person):
            bounced = True
        self._group = holder.group
        if holder.person is not None:
            self._last_person = holder.person
        self.bounces += bounced
        return bounced


def count_bounces(holders: Iterable[Holder]) -> int:
    """Bounces in a ticket's sequence of holders, the first assignment first."""
    counter = BounceCounter()
    for holder in holders:
        counter.observe(holder)
    return counter.bounces

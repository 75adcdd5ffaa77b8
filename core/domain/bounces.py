"""The bounce count, defined once.

A bounce is a change of hands after the ticket's first assignment: the ticket moves to another
group, or from one named person to another. A ticket waiting in an intake (triage) queue is not yet
assigned: leaving intake is the first assignment. Taking a ticket from one's own group queue, or putting
it back there, is not a change of hands; but if someone else in the group picks it up afterwards,
that is one (the group's last named person is remembered across queue spells).
"""

from __future__ import annotations

from collections.abc import Iterable

from baton_itsm.core.domain.holders import Holder


class BounceCounter:
    """Feed it each new holder in order; it counts the bounces."""

    __slots__ = ("_assigned", "_group", "_intake_groups", "_last_person", "bounces")

    def __init__(self, intake_groups: frozenset[str] = frozenset()) -> None:
        self._intake_groups = intake_groups
        self._assigned = False
        self._group: str | None = None
        self._last_person: str | None = None
        self.bounces = 0

    def copy(self) -> BounceCounter:
        twin = BounceCounter.__new__(BounceCounter)
        for name in self.__slots__:
            setattr(twin, name, getattr(self, name))
        return twin

    @property
    def assigned(self) -> bool:
        """Whether the first assignment has happened (the ticket left intake)."""
        return self._assigned

    def observe(self, holder: Holder) -> bool:
        """Record the ticket's new holder; return True when this change is a bounce."""
        return self.step(holder.group, holder.person)

    def step(self, group: str, person: str | None) -> bool:
        """`observe` for a holder given as its group and person (bulk readers keep no Holder objects)."""
        if not self._assigned:
            if group in self._intake_groups:
                return False  # still waiting in intake
            self._assigned = True  # the first assignment
            bounced = False
        elif group != self._group:
            bounced = True
            self._last_person = None
        else:
            bounced = person is not None and self._last_person not in (None, person)
        self._group = group
        if person is not None:
            self._last_person = person
        self.bounces += bounced
        return bounced

    def __copy__(self) -> BounceCounter:
        twin = BounceCounter(self._intake_groups)
        twin.bounces, twin._group, twin._last_person, twin._assigned = (
            self.bounces,
            self._group,
            self._last_person,
            self._assigned,
        )
        return twin


def count_bounces(holders: Iterable[Holder], intake_groups: frozenset[str] = frozenset()) -> int:
    """Bounces in a ticket's sequence of holders, the first assignment first."""
    counter = BounceCounter(intake_groups)
    for holder in holders:
        counter.observe(holder)
    return counter.bounces

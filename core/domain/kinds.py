"""The kinds of handoff and the states of the handoff protocol."""

from __future__ import annotations

from enum import StrEnum


class HandoffKind(StrEnum):
    """Why a ticket changes hands."""

    REASSIGN = "reassign"
    TECHNICAL = "technical"  # needs more skill (functional escalation)
    ADMINISTRATIVE_SERVICE = "administrative-service"  # needs a decision about the service
    ADMINISTRATIVE_SALES = "administrative-sales"  # needs a decision about a purchase or contract
    VENDOR = "vendor"

    @property
    def is_escalation(self) -> bool:
        return self is not HandoffKind.REASSIGN

    @property
    def is_administrative(self) -> bool:
        return self in (HandoffKind.ADMINISTRATIVE_SERVICE, HandoffKind.ADMINISTRATIVE_SALES)


class HandoffState(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    APPLIED = "applied"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    FORCED = "forced"

    @property
    def is_open(self) -> bool:
        """Still waiting for the receiver (or, for accepted/forced, for the holder change)."""
        return self in (HandoffState.REQUESTED, HandoffState.ACCEPTED, HandoffState.FORCED)


# requested -> accepted -> applied; requested -> declined | expired | withdrawn; forced -> applied.
TRANSITIONS: dict[HandoffState | None, frozenset[HandoffState]] = {
    None: frozenset({HandoffState.REQUESTED, HandoffState.FORCED}),
    HandoffState.REQUESTED: frozenset(
        {HandoffState.ACCEPTED, HandoffState.DECLINED, HandoffState.EXPIRED, HandoffState.WITHDRAWN}
    ),
    HandoffState.ACCEPTED: frozenset({HandoffState.APPLIED}),
    HandoffState.FORCED: frozenset({HandoffState.APPLIED}),
    HandoffState.APPLIED: frozenset(),
    HandoffState.DECLINED: frozenset(),
    HandoffState.EXPIRED: frozenset(),
    HandoffState.WITHDRAWN: frozenset(),
}

"""Refusals of the handoff protocol. Each message tells the user what rule they met."""

from __future__ import annotations

from baton_itsm.core.errors import BatonError


class ProtocolError(BatonError):
    """The protocol refuses this command; the message says which rule stops it."""


class UnknownHandoff(ProtocolError):
    """No handoff with that id exists for the ticket."""


class NotAllowed(ProtocolError):
    """The person asking may not do this (not the receiver, not in the group, not a manager)."""


class InvalidTransition(ProtocolError):
    """The handoff is not in a state that allows this (already accepted, declined, expired...)."""


class InvalidRequest(ProtocolError):
    """The request itself is incomplete or contradicts the ticket (no reason, same holder...)."""

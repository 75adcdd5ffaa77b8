"""Ticket facts the rules read: their home is core/domain/facts.py (the store keeps them, and the store imports
nothing of the rules); the rules and their callers import them from here as before."""

from __future__ import annotations

from baton_itsm.core.domain.facts import (  # noqa: F401 (re-exported)
    ACTIVITY,
    FACT_FIELDS,
    PUBLIC,
    REPLIES_KEPT,
    REPLY_CHARS,
    RESOLVED_STATUSES,
    SLA_FIELD,
    VISIBILITY,
    Reply,
    TicketFacts,
    replies_from_json,
    replies_to_json,
    sla_of,
)

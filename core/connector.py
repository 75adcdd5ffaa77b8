"""The connector contract: what Baton needs from any help-desk tool, and how instances are built.

A connector type is registered through the `register_connectors` hook as a factory
`factory(instance=..., config=..., environ=...) -> Connector`; docs/plugins.md describes it. Everything
a connector reports is a normalised ToolEvent; everything it fails with is a ToolError (core/errors.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.errors import ConfigError


@dataclass(frozen=True)
class Changes:
    """One read of a tool's changes. `checkpoint` is opaque text to hand back next time; `more` says
    whether the tool has further changes right now (the read stopped at its page budget)."""

    events: Sequence[ToolEvent]
    checkpoint: str | None
    more: bool = False


@dataclass(frozen=True)
class ToolTicket:
    """A ticket as the tool states it now. `version` is the tool's concurrency token (an ETag), if any."""

    key: TicketKey
    holder: Holder | None
    version: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Observation:
    """A ticket as the tool shows it now, for convergence: its holder, or why Baton cannot see it (`deleted`,
    `hidden`: moved where Baton's account may not look)."""

    holder: Holder | None
    lost: str | None = None


class WebhookOutcome(StrEnum):
    ACCEPTED = "accepted"  # events to take in (answer 200)
    IGNORED = "ignored"  # a change Baton deliberately does not watch (200)
    UNSUPPORTED = "unsupported"  # a kind of delivery this connector does not know (200, logged)
    ANOMALOUS = "anomalous"  # malformed or unsigned: not from the tool as configured (400)


@dataclass(frozen=True)
class WebhookResult:
    outcome: WebhookOutcome
    events: Sequence[ToolEvent] = ()
    reason: str = ""
    # The id of this delivery, the same on each retry of it and taken from what its signature covers (Jira: the
    # event's identity in the body; ServiceNow: X-Baton-Delivery, which must equal the signed body's); the intake
    # keeps a delivery under it, so a retried or replayed delivery is taken in once. Empty: the body's SHA-256.
    delivery_id: str = ""
    # Seconds the intake lets this delivery wait for the other deliveries of the same write, for a tool that posts
    # one write as several deliveries (Request Tracker's Scrip: one per transaction); 0: handled as it comes.
    settle_seconds: float = 0.0


@runtime_checkable
class Connector(Protocol):
    """One configured instance of a help-desk tool. Every call may raise a ToolError."""

    instance: str
    account: str | None  # the tool account Baton acts as: events by it are Baton's own writes

    def changes_since(self, checkpoint: str | None) -> Changes:
        """Changes after `checkpoint` (None: the tool's notion of "from now on"), oldest first."""

    def read_ticket(self, ticket_id: str) -> ToolTicket:
        """The ticket's holder, facts and concurrency token, read now."""

    def set_holder(self, ticket_id: str, holder: Holder, expected: Holder | None = None) -> bool | None:
        """Make `holder` hold the ticket. With `expected`, refuse (ToolConflict) if the ticket's holder is
        no longer that; the tool's own optimistic concurrency guards the write where it has one. False when the
        ticket had that holder already and nothing was written (True or None: written)."""

    def add_note(self, ticket_id: str, text: str) -> None:
        """Add an internal note agents see and requesters do not."""

    def reply(self, ticket_id: str, text: str) -> None:
        """Add a reply the requester sees."""

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        """A delivery as events, without I/O. It checks the signature itself (constant-time comparison): a bad or
        missing one makes the delivery anomalous, so nothing unsigned reaches the intake."""

    def check(self) -> str:
        """Reach the tool with Baton's credentials; returns one line saying as whom."""

    # Optional: `observe(ticket_ids, checkpoint) -> Mapping[str, Observation]`, the tickets' state now, leaving out
    # any ticket with changes after `checkpoint` not yet read (the next read brings them, in order). The poller
    # calls it for tickets whose state the ledger must confirm (core/store/convergence_queries.py).


def build_connectors(configs: Mapping, registry, environ: Mapping[str, str] | None = None) -> dict[str, Connector]:
    """Every configured instance, built by its registered type's factory; all problems reported at once."""
    environ = os.environ if environ is None else environ
    built, problems = {}, []
    for instance, config in configs.items():
        try:
            factory = registry.get(config.type)
            built[instance] = factory(instance=instance, config=config, environ=environ)
        except ConfigError as error:
            problems += [f"connectors.{instance}: {p}" for p in error.problems]
    if problems:
        raise ConfigError(problems)
    return built

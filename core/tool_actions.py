"""The dispatcher's handler for channel `tool`: performs a decided action through its connector instance."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from baton_itsm.core.clock import Clock
from baton_itsm.core.connector import Connector
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.errors import ToolRefused
from baton_itsm.core.outbox import OutboxItem
from baton_itsm.core.store.unit_of_work import Store

HolderWritten = Callable[[TicketKey, Holder], None]
LedgerHolder = Callable[[TicketKey], Holder | None]


def _holder(data: Mapping | None) -> Holder | None:
    return None if data is None else Holder(data["group"], data.get("person"))


class ToolActions:
    """Callable as `handler(item)`; raises the connector's ToolError so the dispatcher retries or gives up."""

    channel = "tool"

    def __init__(self, connectors: Mapping[str, Connector], written: HolderWritten | None = None,
                 governing: LedgerHolder | None = None):
        self.connectors = connectors
        self.written = written
        self.governing = governing  # the ledger's holder now: a write it no longer wants is skipped

    def repeatable(self, item: OutboxItem) -> bool:
        """Setting a holder checks the holder it expects, so doing it again is harmless; a note is not."""
        return item.payload.get("action") == "set-holder"

    def __call__(self, item: OutboxItem) -> None:
        payload = item.payload
        connector = self.connectors.get(payload.get("instance"))
        if connector is None:
            known = ", ".join(sorted(self.connectors)) or "none"
            raise ToolRefused(f"{item.idempotency_key}: no connector instance {payload.get('instance')!r} "
                              f"is configured (configured: {known})")
        ticket_id, action = str(payload["ticket_id"]), payload.get("action")
        if action == "set-holder":
            expected = _holder(payload.get("expected_holder"))
            holder = _holder(payload["holder"])
            key = TicketKey(connector.instance, ticket_id)
            if self.governing is not None and self.governing(key) != holder:
                return  # superseded: a later decision (say, an accept after a revert) wants another holder
            connector.set_holder(ticket_id, holder, expected=expected)
            if self.written is not None:
                self.written(TicketKey(connector.instance, ticket_id), holder)
        elif action == "add-note":
            connector.add_note(ticket_id, payload["text"])
        elif action == "reply":
            connector.reply(ticket_id, payload["text"])
        else:
            raise ToolRefused(f"{item.idempotency_key}: unknown tool action {action!r}")


def ledger_holder(store: Store, clock: Clock) -> LedgerHolder:
    """The holder the ledger says a ticket has now."""
    def current(key: TicketKey) -> Holder | None:
        with store.unit_of_work(clock.now()) as uow:
            row = uow.ticket_summary(key)
        return Holder(row.holder_group, row.holder_person) if row is not None and row.holder_group else None
    return current


def remember_tool_holder(store: Store, clock: Clock) -> HolderWritten:
    """After Baton writes a holder, the tool shows it: the rules must not wait for the next poll to know.

    Otherwise a handoff accepted between Baton's revert and that poll compares against the pushed holder
    and decides that nothing needs writing.
    """
    def remember(key: TicketKey, holder: Holder) -> None:
        with store.unit_of_work(clock.now()) as uow:
            uow.save_facts(key, replace(uow.load_facts(key), tool_holder=holder))
    return remember

"""The dispatcher's handler for channel `tool`: performs a decided action through its connector instance."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from baton_itsm.core.clock import Clock
from baton_itsm.core.connector import Connector
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.errors import ToolRefused
from baton_itsm.core.rules.actions import add_note
from baton_itsm.core.store.convergence_queries import newer_holder_write
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.dispatcher import OutboxItem

HolderWritten = Callable[[TicketKey, Holder], None]
LedgerHolder = Callable[[TicketKey], Holder | None]
Superseded = Callable[[TicketKey, int], bool]
NoteAfterWrite = Callable[[TicketKey, str, str], None]


def _holder(data: Mapping) -> Holder:
    return Holder(data["group"], data.get("person"))


class ToolActions:
    """Callable as `handler(item)`; raises the connector's ToolError so the dispatcher retries or gives up."""

    channel = "tool"

    def __init__(
        self,
        connectors: Mapping[str, Connector],
        written: HolderWritten | None = None,
        governing: LedgerHolder | None = None,
        superseded: Superseded | None = None,
        note_after_write: NoteAfterWrite | None = None,
    ):
        self.connectors = connectors
        self.written = written
        self.governing = governing  # the ledger's holder now: a write it no longer wants is skipped
        self.superseded = superseded  # whether a later holder write for the ticket was decided
        self.note_after_write = note_after_write  # queues the write's note once the write is done

    def repeatable(self, item: OutboxItem) -> bool:
        """Setting a holder checks the holder it expects, so doing it again is harmless; a note is not."""
        return item.payload.get("action") == "set-holder"

    def __call__(self, item: OutboxItem) -> None:
        payload = item.payload
        connector = self.connectors.get(payload.get("instance", ""))
        if connector is None:
            known = ", ".join(sorted(self.connectors)) or "none"
            raise ToolRefused(
                f"{item.idempotency_key}: no connector instance {payload.get('instance')!r} "
                f"is configured (configured: {known})"
            )
        ticket_id, action = str(payload["ticket_id"]), payload.get("action")
        if action == "set-holder":
            expected = None if (wanted := payload.get("expected_holder")) is None else _holder(wanted)
            holder = _holder(payload["holder"])
            key = TicketKey(connector.instance, ticket_id)
            if self.governing is not None and self.governing(key) != holder:
                return  # superseded: a later decision (say, an accept after a revert) wants another holder
            if self.superseded is not None and self.superseded(key, item.id):
                return  # a later write for this ticket (a second push's revert) does what this one would
            wrote = connector.set_holder(ticket_id, holder, expected=expected)
            if self.written is not None:
                self.written(key, holder)
            # The note is its own outbox row, queued only now: a note that says the ticket is back is never posted
            # when it is not, and never twice when this repeatable write is repeated (same key). A repeat that finds
            # the holder already written may follow an attempt that wrote it and died before queueing the note.
            if (wrote is not False or item.attempts > 0) and payload.get("note") and self.note_after_write is not None:
                self.note_after_write(key, payload["note"], f"{item.idempotency_key}:note")
        elif action == "add-note":
            connector.add_note(ticket_id, payload["text"])
        elif action == "reply":
            connector.reply(ticket_id, payload["text"])
        else:
            raise ToolRefused(f"{item.idempotency_key}: unknown tool action {action!r}")


def ledger_holder(store: Store, clock: Clock) -> LedgerHolder:
    """The holder the ledger says a ticket has now; None for a ticket Baton lost (deleted, hidden): nothing of
    Baton's moves it."""

    def current(key: TicketKey) -> Holder | None:
        with store.unit_of_work(clock.now()) as uow:
            row = uow.ticket_summary(key)
        if row is None or row.lost or not row.holder_group:
            return None
        return Holder(row.holder_group, row.holder_person)

    return current


def superseded_writes(store: Store, clock: Clock) -> Superseded:
    def superseded(key: TicketKey, outbox_id: int) -> bool:
        with store.unit_of_work(clock.now()) as uow:
            return newer_holder_write(uow, key, outbox_id)

    return superseded


def notes_after_writes(store: Store, clock: Clock) -> NoteAfterWrite:
    def queue(key: TicketKey, text: str, idempotency_key: str) -> None:
        note = add_note(key, text, key=idempotency_key)
        with store.unit_of_work(clock.now()) as uow:
            uow.queue_outgoing(note.idempotency_key, note.channel, note.payload, ticket=key)

    return queue


def remember_tool_holder(store: Store, clock: Clock) -> HolderWritten:
    """After Baton writes a holder, the tool shows it: the rules must not wait for the next poll to know.

    Otherwise a handoff accepted between Baton's revert and that poll compares against the pushed holder
    and decides that nothing needs writing.
    """

    def remember(key: TicketKey, holder: Holder) -> None:
        with store.unit_of_work(clock.now()) as uow:
            uow.save_facts(key, replace(uow.load_facts(key), tool_holder=holder))

    return remember

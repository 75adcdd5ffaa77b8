"""Write a history reading into the ledger, in bulk: holder changes and one summary per ticket.

Each new ticket gets HolderChanged(cause="import") entries, one per holder change, then a HistorySummary
(core/domain/history_events), all kept in ONE ledger row: the summary's, its data holding the moves
(history_events.MOVES; the store and the report read them back as the entries they are). Its `tickets`
row is the projection UnitOfWork.append would keep (holder, owner, bounce count, version) plus the
tool's facts (priority, category, status...). A ticket the ledger holds already gets one row per new
entry, after its last version, as live entries are written.

Re-importing adds nothing, at two levels: the import is recorded in the inbox under the file's
SHA-256 (for history read from a live tool, of what was read), so the same file is refused before
anything is written; and every entry carries a stable source id (ServiceNow: number, sys_mod_count
and time; Jira and RT: the connector's own event id), so another file overlapping this one
appends only the entries the ledger does not hold yet, after the ticket's last version.
Everything is written in one transaction: an import lands whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter, namedtuple
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice

from baton_itsm.core.domain.bounces import BounceCounter, count_bounces
from baton_itsm.core.domain.history_events import IMPORT_CAUSE, MOVES
from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.history.imported import HistoryReading, ImportedTicket, NotGrouped, Rejection, reasons_of
from baton_itsm.core.runtime.in_child import run_in_child, run_in_children
from baton_itsm.core.store.bulk import LEDGER_COLUMNS, TICKET_COLUMNS, BulkConnection

FACT_COLUMNS = ("subject", "url")  # ticket facts only some readers have
BATCH = 1000  # tickets per executemany and per message from a reading child: ~0.7 MB, within its pipe (in_child)
# What a new ticket's one entry fills besides entry_type and recorded_at (the same in every row: SQL literals).
_SUMMARY_COLUMNS = ("ticket_id", "version", "at", "data")
_Holder = namedtuple("_Holder", "group person")  # what count_bounces and owner() read, cheaper than Holder


@dataclass
class ImportOutcome:
    source: str
    kind: str
    instance: str
    digest: str
    already_imported: bool = False
    rows_read: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    odd: list[Rejection] = field(default_factory=list)
    tickets_new: int = 0
    tickets_extended: int = 0  # tickets already in the ledger that got new entries
    entries: int = 0
    entries_known: int = 0  # entries of this file the ledger held already
    entries_older: int = 0  # moves older than what the ledger already holds for their ticket: left out
    compared: int = 0  # tickets with the tool's own reassignment counter
    agreeing: int = 0
    mismatches: Counter = field(default_factory=Counter)


def file_digest(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def tickets_digest(tickets: Iterable[ImportedTicket]) -> str:
    """The SHA-256 of history read from a live tool (it has no file): the same history, the same digest."""
    digest = hashlib.sha256()
    for ticket in tickets:
        digest.update(json.dumps(asdict(ticket), sort_keys=True).encode())
    return digest.hexdigest()


def import_history(
    bulk: BulkConnection,
    read: Callable[[bool], HistoryReading],
    *,
    instance: str,
    digest: str,
    now: str,
    intake_groups: frozenset[str] = frozenset(),
    ownership: OwnershipPolicy | None = None,
    in_child: bool = False,
) -> ImportOutcome:
    """Import what `read(grouped)` yields as `instance`; `now` is `YYYY-MM-DD HH:MM:SS` UTC. `in_child=True`
    reads in a child process while this one writes (core/runtime/in_child): for files, not for HTTP reads."""

    def writer() -> _Writer:
        return _Writer(bulk, instance, now, intake_groups, ownership or OwnershipPolicy(), in_child)

    try:
        return writer().run(read, digest, grouped=False)
    except NotGrouped:
        # The transaction rolled back; read the file again holding every row until the end.
        return writer().run(read, digest, grouped=True)


def _json_text(value: str | None) -> str:
    """A JSON string literal, without json.dumps' cost for the plain text that ids and times are."""
    if value is None:
        return "null"
    if '"' in value or "\\" in value or not value.isprintable():
        return json.dumps(value)
    return f'"{value}"'


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def summary_data(ticket: ImportedTicket, with_moves: bool = False) -> str:
    """The HistorySummary entry's data (its fields besides the ledger columns), as JSON text; `with_moves` adds
    the ticket's holder changes (a compact entry, history_events.MOVES)."""
    moves = f', "{MOVES}": {moves_json(ticket)}' if with_moves and ticket.steps else ""
    return (
        f'{{"source_event_id": {_json_text(ticket.source_event_id)}, '
        f'"opened_at": {_json_text(ticket.opened_at)}, "resolved_at": {_json_text(ticket.resolved_at)}, '
        f'"reopen_count": {_json_int(ticket.reopen_count)}, '
        f'"tool_reassignments": {_json_int(ticket.tool_reassignments)}, '
        f'"derived_reassignments": {_json_int(ticket.derived_reassignments)}, '
        f'"updates": {ticket.updates}, "mismatch": {_json_text(ticket.mismatch)}{moves}}}'
    )


def moves_json(ticket: ImportedTicket) -> str:
    """The ticket's holder changes as a JSON array of [at, actor, group, person, source_event_id]."""
    return (
        "["
        + ", ".join(
            f"[{_json_text(at)}, {_json_text(actor)}, {_json_text(group)}, {_json_text(person)}, "
            f"{_json_text(source_id)}]"
            for at, actor, group, person, source_id in ticket.steps
        )
        + "]"
    )


@dataclass
class _Batch:
    """A batch of tickets made ready for the database (by the reading process, when there are two): the rows
    of the new tickets, the tickets the ledger holds already, and what the outcome counts of them."""

    new: list[str] = field(default_factory=list)  # their external ids
    ticket_rows: list[tuple] = field(default_factory=list)  # the tickets row, less id and instance
    entry_rows: list[tuple] = field(default_factory=list)  # (version, at, data) of each one's compact entry
    entries: int = 0  # the entries a reader sees in them: each move, each summary
    known: list[ImportedTicket] = field(default_factory=list)
    compared: int = 0
    agreeing: int = 0
    mismatches: Counter = field(default_factory=Counter)


class _Writer:
    def __init__(
        self,
        bulk: BulkConnection,
        instance: str,
        now: str,
        intake_groups: frozenset[str],
        ownership: OwnershipPolicy,
        in_child: bool = False,
    ):
        self.bulk, self.instance, self.intake_groups, self.ownership = bulk, instance, intake_groups, ownership
        self.now = bulk.timestamp(now)
        self.source = f"import:{instance}"
        self.in_child = in_child

    def run(self, read: Callable[[bool], HistoryReading], digest: str, *, grouped: bool) -> ImportOutcome:
        bulk = self.bulk
        with bulk.transaction():
            reading = read(grouped)
            outcome = self.outcome = ImportOutcome(reading.source, reading.kind, self.instance, digest)
            if bulk.query("SELECT 1 FROM inbox WHERE source = ? AND event_id = ?", (self.source, digest)):
                outcome.already_imported = True
                return outcome
            self.existing = {
                external: (row_id, version)
                for row_id, external, version in bulk.query(
                    "SELECT id, external_id, version FROM tickets WHERE instance = ?", (self.instance,)
                )
            }
            # The next ticket ids, and the first id not theirs, per half of the file (one half unless read in two).
            self.next_ids, self.limits = [(bulk.query("SELECT MAX(id) FROM tickets")[0][0] or 0) + 1], [None]
            self.known_ids: list[set[str]] = [set(), set()]  # tickets of each half the ledger held already
            for part in self._write_all(reading):
                outcome.rows_read += part.rows_read
                outcome.rejected += part.rejected
                outcome.odd += part.odd
            outcome.rejected_reasons = reasons_of(outcome.rejected)
            self._record_import(outcome)
        return outcome

    def _write_all(self, reading: HistoryReading) -> list[HistoryReading]:
        """Write every ticket `reading` yields; its final counters (of each half, when read in two)."""
        halves = reading.halves() if self.in_child and reading.halves and self.bulk.dialect == "sqlite" else None
        if halves is None:  # one reading: here, or in one child while this process writes
            batches = self._batches(reading)
            items = run_in_child(batches) if self.in_child else batches
            return [item for item in items if self._write_or_keep(item, 0)]
        # Two halves, each read in its own child; the first half's tickets get the ids before the second's,
        # reserved up front, so their order is the file's whichever half's batch comes first.
        first, most, second = halves
        start = self.next_ids[0]
        self.next_ids, self.limits = [start, start + most], [start + most, None]
        finals = [None, None]
        for half, item in run_in_children(self._batches(first), self._batches(second)):
            if self._write_or_keep(item, half):
                finals[half] = item
        if self.known_ids[0] & self.known_ids[1]:
            raise NotGrouped(f"{reading.source}: a ticket's rows are in both halves of the file")
        return finals

    def _write_or_keep(self, item: _Batch | HistoryReading, half: int) -> bool:
        """Write a batch (False); keep the final counters (True)."""
        if isinstance(item, HistoryReading):
            return True
        self.known_ids[half].update(ticket.ticket_id for ticket in item.known)
        self._write_batch(item, half)
        return False

    # --- reading: tickets made ready for the database, in batches (no database access) -----------
    def _batches(self, reading: HistoryReading) -> Iterator[_Batch | HistoryReading]:
        """The reading's tickets as _Batches, then the reading itself, its counters final (tickets emptied)."""
        tickets = iter(reading.tickets)
        while tickets_read := list(islice(tickets, BATCH)):
            yield self._prepare(tickets_read)
        yield HistoryReading(reading.source, reading.kind, iter(()), reading.rows_read, reading.rejected, reading.odd)

    def _prepare(self, tickets: list[ImportedTicket]) -> _Batch:
        batch = _Batch()
        ts, intake, owner, existing = self.bulk.timestamp, self.intake_groups, self.ownership.owner_of, self.existing
        for ticket in tickets:
            if ticket.tool_reassignments is not None:
                batch.compared += 1
                batch.agreeing += ticket.tool_reassignments == ticket.derived_reassignments
                if ticket.mismatch:
                    batch.mismatches[ticket.mismatch] += 1
            if ticket.ticket_id in existing:
                batch.known.append(ticket)
                continue
            steps = ticket.steps
            holders = [(group, person) for _, _, group, person, _ in steps]
            counter = BounceCounter(intake)
            for group, person in holders:
                counter.step(group, person)
            last = holders[-1] if holders else (None, None)
            batch.new.append(ticket.ticket_id)
            batch.ticket_rows.append(
                (
                    ticket.ticket_id,
                    last[0],
                    last[1],
                    owner(holders),
                    len(steps) + 1,
                    counter.bounces,
                    ts(steps[0][0]) if steps else None,
                    ts(steps[-1][0]) if steps else None,
                    self.now,
                    ticket.requester,
                    ticket.priority,
                    ticket.category,
                    ticket.status,
                    ticket.tool_group,
                    ticket.tool_person,
                    ts(ticket.last_activity_at),
                    ticket.subject,
                    ticket.url,
                )
            )
            # One compact entry: the moves inside, at the summary's version (core/domain/history_events).
            batch.entry_rows.append((len(steps) + 1, ts(ticket.last_activity_at), summary_data(ticket, True)))
            batch.entries += len(steps) + 1
        return batch

    # --- writing: new tickets, one ticket row and one entry each, in bulk ---------------------------
    def _write_batch(self, batch: _Batch, half: int = 0) -> None:
        outcome = self.outcome
        outcome.compared += batch.compared
        outcome.agreeing += batch.agreeing
        outcome.mismatches.update(batch.mismatches)
        if batch.known:
            self._extend(batch.known)
        if not batch.new:
            return
        ids = self._insert_tickets(batch.new, batch.ticket_rows, half)
        bulk = self.bulk
        # The columns every row of a statement shares are SQL literals: fewer values to bind per row.
        bulk.executemany(
            bulk.insert_sql("ledger_entries", _SUMMARY_COLUMNS, entry_type="history", recorded_at=self.now),
            ((row_id, *entry) for row_id, entry in zip(ids, batch.entry_rows)),
        )
        outcome.tickets_new += len(batch.new)
        outcome.entries += batch.entries

    def _insert_tickets(self, external_ids: list[str], rows: list[tuple], half: int = 0) -> list[int]:
        bulk = self.bulk
        columns = (*TICKET_COLUMNS[2:], *FACT_COLUMNS)  # id and instance are added below
        if bulk.dialect == "sqlite":
            # One writer holds the database (BEGIN IMMEDIATE), so the next ids are ours to give.
            first = self.next_ids[half]
            self.next_ids[half] += len(rows)
            limit = self.limits[half]
            if limit is not None and self.next_ids[half] > limit:
                raise RuntimeError(f"the first half of {self.outcome.source} has more tickets than it was counted")
            try:
                bulk.executemany(
                    bulk.insert_sql("tickets", ("id", "instance", *columns)),
                    ((first + i, self.instance, *row) for i, row in enumerate(rows)),
                )
            except sqlite3.IntegrityError:
                if len(self.next_ids) == 1:
                    raise
                raise NotGrouped(f"{self.outcome.source}: a ticket's rows are in both halves of the file") from None
            return list(range(first, first + len(rows)))
        bulk.executemany(bulk.insert_sql("tickets", ("instance", *columns)), ((self.instance, *row) for row in rows))
        found = dict(
            (external, row_id)
            for row_id, external in bulk.query(
                "SELECT id, external_id FROM tickets WHERE instance = ? AND external_id = ANY(?)",
                (self.instance, external_ids),
            )
        )
        return [found[external] for external in external_ids]

    # --- tickets the ledger holds already: append what it does not have ---------------------------
    def _extend(self, tickets: Iterable[ImportedTicket]) -> None:
        bulk, ts, outcome = self.bulk, self.bulk.timestamp, self.outcome
        for ticket in tickets:
            row_id, version = self.existing[ticket.ticket_id]
            known, holders, newest = set(), [], None
            for entry_type, at, group, person, data in bulk.query(
                "SELECT entry_type, at, to_group, to_person, data FROM ledger_entries WHERE ticket_id = ? "
                "ORDER BY version",
                (row_id,),
            ):
                data = json.loads(data) if isinstance(data, str) else (data or {})
                for _, _, moved_to, moved_person, source_id in data.get(MOVES) or ():  # a compact entry's moves
                    known.add(source_id)
                    holders.append(_Holder(moved_to, moved_person))
                known.add(data.get("source_event_id", ""))
                if entry_type in ("holder-changed", "applied") and group:
                    holders.append(_Holder(group, person))
                newest = max(filter(None, (newest, bulk.as_datetime(at))), default=None)
            entries = []
            for at, actor, group, person, source_id in ticket.steps:
                current = holders[-1] if holders else _Holder(None, None)
                if source_id in known:
                    outcome.entries_known += 1
                    continue
                if newest is not None and datetime.fromisoformat(at) < newest:
                    # The ledger already goes further (Baton watched the ticket live): an older move appended
                    # now would make a past holder the present one. Left out, and counted.
                    outcome.entries_older += 1
                    continue
                if current == (group, person):
                    continue
                version += 1
                entries.append(
                    (
                        row_id,
                        version,
                        "holder-changed",
                        ts(at),
                        actor,
                        None,
                        current.group,
                        current.person,
                        group,
                        person,
                        None,
                        None,
                        f'{{"source_event_id": {_json_text(source_id)}, "cause": "{IMPORT_CAUSE}"}}',
                        self.now,
                    )
                )
                holders.append(_Holder(group, person))
            if ticket.source_event_id in known:
                outcome.entries_known += 1
            else:
                version += 1
                entries.append(
                    (
                        row_id,
                        version,
                        "history",
                        ts(ticket.last_activity_at),
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        None,
                        summary_data(ticket),
                        self.now,
                    )
                )
            if not entries:
                continue
            bulk.executemany(bulk.insert_sql("ledger_entries", LEDGER_COLUMNS), entries)
            last = holders[-1] if holders else _Holder(None, None)
            bulk.executemany(
                "UPDATE tickets SET holder_group = ?, holder_person = ?, owner = ?, version = ?, bounces = ?, "
                "status = ?, priority = ?, category = ?, tool_group = ?, tool_person = ?, last_activity_at = ?, "
                "subject = COALESCE(?, subject), url = COALESCE(?, url) WHERE id = ?".replace("?", bulk.placeholder),
                [
                    (
                        last.group,
                        last.person,
                        self.ownership.owner(holders),
                        version,
                        count_bounces(holders, self.intake_groups),
                        ticket.status,
                        ticket.priority,
                        ticket.category,
                        ticket.tool_group,
                        ticket.tool_person,
                        ts(ticket.last_activity_at),
                        ticket.subject,
                        ticket.url,
                        row_id,
                    )
                ],
            )
            outcome.entries += len(entries)
            outcome.tickets_extended += 1

    def _record_import(self, outcome: ImportOutcome) -> None:
        payload = json.dumps(
            {
                "file": str(outcome.source),
                "kind": outcome.kind,
                "rows_read": outcome.rows_read,
                "rejected": len(outcome.rejected),
                "tickets_new": outcome.tickets_new,
                "tickets_extended": outcome.tickets_extended,
                "entries": outcome.entries,
            }
        )
        self.bulk.executemany(
            self.bulk.insert_sql(
                "inbox", ("source", "event_id", "received_at", "payload", "status", "attempts", "processed_at")
            ),
            [(self.source, outcome.digest, self.now, payload, "done", 1, self.now)],
        )

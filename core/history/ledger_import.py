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
Everything is written in one transaction: an import lands whole or not at all. New tickets are made ready in
batches (core/history/import_batches.py); tickets the ledger holds are extended by core/history/ledger_extend.py.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from itertools import islice

from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.history.import_batches import BATCH, Batch, prepare_batch
from baton_itsm.core.history.import_outcome import ImportOutcome
from baton_itsm.core.history.imported import HistoryReading, ImportedTicket, NotGrouped, reasons_of
from baton_itsm.core.history.ledger_extend import extend_tickets
from baton_itsm.core.runtime.in_child import run_in_child, run_in_children
from baton_itsm.core.store.bulk import TICKET_COLUMNS, BulkConnection

FACT_COLUMNS = ("subject", "url")  # ticket facts only some readers have
# What a new ticket's one entry fills besides entry_type and recorded_at (the same in every row: SQL literals).
_SUMMARY_COLUMNS = ("ticket_id", "version", "at", "data")


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
        self.existing: dict[str, tuple[int, int]] = {}  # the instance's tickets: external id -> (row id, version)
        # The next ticket ids, and the first id not theirs, per half of the file (one half unless read in two).
        self.next_ids: list[int] = []
        self.limits: list[int | None] = []
        self.known_ids: list[set[str]] = [set(), set()]  # tickets of each half the ledger held already

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
            self.next_ids, self.limits = [(bulk.query("SELECT MAX(id) FROM tickets")[0][0] or 0) + 1], [None]
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
            return [final for item in items if (final := self._write_or_keep(item, 0)) is not None]
        # Two halves, each read in its own child; the first half's tickets get the ids before the second's,
        # reserved up front, so their order is the file's whichever half's batch comes first.
        first, most, second = halves
        start = self.next_ids[0]
        self.next_ids, self.limits = [start, start + most], [start + most, None]
        finals: dict[int, HistoryReading] = {}
        for half, item in run_in_children(self._batches(first), self._batches(second)):
            if (final := self._write_or_keep(item, half)) is not None:
                finals[half] = final
        if self.known_ids[0] & self.known_ids[1]:
            raise NotGrouped(f"{reading.source}: a ticket's rows are in both halves of the file")
        return [finals[0], finals[1]]  # each half's reading ends with its final counters

    def _write_or_keep(self, item: Batch | HistoryReading, half: int) -> HistoryReading | None:
        """Write a batch (None); keep the final counters (the reading they are of)."""
        if isinstance(item, HistoryReading):
            return item
        self.known_ids[half].update(ticket.ticket_id for ticket in item.known)
        self._write_batch(item, half)
        return None

    def _batches(self, reading: HistoryReading) -> Iterator[Batch | HistoryReading]:
        """The reading's tickets as Batches (core/history/import_batches.py), then the reading itself, its counters
        final (tickets emptied)."""
        tickets = iter(reading.tickets)
        while tickets_read := list(islice(tickets, BATCH)):
            yield prepare_batch(
                tickets_read,
                existing=self.existing,
                timestamp=self.bulk.timestamp,
                owner_of=self.ownership.owner_of,
                intake_groups=self.intake_groups,
                now=self.now,
            )
        yield HistoryReading(reading.source, reading.kind, iter(()), reading.rows_read, reading.rejected, reading.odd)

    # --- writing: new tickets, one ticket row and one entry each, in bulk ---------------------------
    def _write_batch(self, batch: Batch, half: int = 0) -> None:
        outcome = self.outcome
        outcome.compared += batch.compared
        outcome.agreeing += batch.agreeing
        outcome.mismatches.update(batch.mismatches)
        if batch.known:  # core/history/ledger_extend.py
            extend_tickets(
                self.bulk,
                batch.known,
                self.existing,
                outcome,
                ownership=self.ownership,
                intake_groups=self.intake_groups,
                now=self.now,
            )
        if not batch.new:
            return
        ids = self._insert_tickets(batch.new, batch.ticket_rows, half)
        bulk = self.bulk
        # The columns every row of a statement shares are SQL literals: fewer values to bind per row.
        bulk.executemany(
            bulk.insert_sql("ledger_entries", _SUMMARY_COLUMNS, entry_type="history", recorded_at=self.now),
            ((row_id, *entry) for row_id, entry in zip(ids, batch.entry_rows, strict=True)),
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

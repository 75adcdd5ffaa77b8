"""An imported ticket the ledger holds already: append the entries it does not have, after its last version.

An entry is known by its stable source id (a compact entry's moves carry theirs); a move older than what the ledger
already holds for the ticket is left out (Baton watched the ticket live: appended now, it would make a past holder
the present one). The ticket's row then gets the projection and facts the new entries leave.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from baton_itsm.core.domain.bounces import BounceCounter
from baton_itsm.core.domain.history_events import IMPORT_CAUSE, MOVES
from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.history.import_outcome import ImportOutcome
from baton_itsm.core.history.imported import ImportedTicket
from baton_itsm.core.history.summary_json import json_text, summary_data
from baton_itsm.core.store.bulk import LEDGER_COLUMNS, BulkConnection

_NOBODY: tuple[str | None, str | None] = (None, None)


def extend_tickets(
    bulk: BulkConnection,
    tickets: Iterable[ImportedTicket],
    existing: dict[str, tuple[int, int]],
    outcome: ImportOutcome,
    *,
    ownership: OwnershipPolicy,
    intake_groups: frozenset[str],
    now: str,
) -> None:
    """Append what each of `tickets` (all in `existing`: external id -> (row id, version)) brings that the ledger
    lacks, and count it in `outcome`; `now` is the database's column value."""
    ts = bulk.timestamp
    for ticket in tickets:
        row_id, version = existing[ticket.ticket_id]
        known: set[str] = set()
        holders: list[tuple[str, str | None]] = []  # (group, person), the first assignment first
        newest: datetime | None = None
        for entry_type, at, group, person, data in bulk.query(
            "SELECT entry_type, at, to_group, to_person, data FROM ledger_entries WHERE ticket_id = ? ORDER BY version",
            (row_id,),
        ):
            data = json.loads(data) if isinstance(data, str) else (data or {})
            for _, _, moved_to, moved_person, source_id in data.get(MOVES) or ():  # a compact entry's moves
                known.add(source_id)
                holders.append((moved_to, moved_person))
            known.add(data.get("source_event_id", ""))
            if entry_type in ("holder-changed", "applied") and group:
                holders.append((group, person))
            newest = max(filter(None, (newest, bulk.as_datetime(at))), default=None)
        entries: list[tuple] = []
        for at, actor, group, person, source_id in ticket.steps:
            current = holders[-1] if holders else _NOBODY
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
                    current[0],
                    current[1],
                    group,
                    person,
                    None,
                    None,
                    f'{{"source_event_id": {json_text(source_id)}, "cause": "{IMPORT_CAUSE}"}}',
                    now,
                )
            )
            holders.append((group, person))
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
                    now,
                )
            )
        if not entries:
            continue
        bulk.executemany(bulk.insert_sql("ledger_entries", LEDGER_COLUMNS), entries)
        last = holders[-1] if holders else _NOBODY
        bulk.executemany(
            "UPDATE tickets SET holder_group = ?, holder_person = ?, owner = ?, version = ?, bounces = ?, "
            "status = ?, priority = ?, category = ?, tool_group = ?, tool_person = ?, last_activity_at = ?, "
            "subject = COALESCE(?, subject), url = COALESCE(?, url) WHERE id = ?".replace("?", bulk.placeholder),
            [
                (
                    last[0],
                    last[1],
                    ownership.owner_of(holders),
                    version,
                    _bounces(holders, intake_groups),
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


def _bounces(holders: Iterable[tuple[str, str | None]], intake_groups: frozenset[str]) -> int:
    """count_bounces (core/domain/bounces.py) of holders given as (group, person)."""
    counter = BounceCounter(intake_groups)
    for group, person in holders:
        counter.step(group, person)
    return counter.bounces

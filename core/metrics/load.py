"""Read the ledger's rows for the metrics, in bulk (core/store/bulk), a ticket at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, cast

from baton_itsm.core.metrics.views import TicketView, build_views
from baton_itsm.core.store.bulk import BulkConnection

_TICKETS = "SELECT id, instance, external_id, priority, category, status FROM tickets"
_ENTRIES = (
    "SELECT e.ticket_id, e.entry_type, e.at, e.actor, e.handoff_id, e.from_group, e.from_person, e.to_group, "
    "e.to_person, e.kind, e.reason, CASE WHEN e.entry_type IN ('holder-changed', 'applied') THEN NULL "
    "ELSE e.data END FROM ledger_entries e"
)


def stream_views(
    bulk: BulkConnection, instances: tuple[str, ...] = (), ids: tuple[int, int | None] = (0, None)
) -> Iterator[TicketView]:
    """Every ticket of the ledger (or of the given instances; with ticket row ids from ids[0], below ids[1] unless
    None) with its entries, one at a time, read as they are needed: keep `bulk` open until the iterator is done."""
    where, params = _where(instances, ids, "id", "instance")
    tickets = bulk.stream(f"{_TICKETS} WHERE {where} ORDER BY id", params)
    join = " JOIN tickets t ON t.id = e.ticket_id" if instances else ""  # the instance is the ticket's
    where, params = _where(instances, ids, "e.ticket_id", "t.instance")
    entries = bulk.stream(f"{_ENTRIES}{join} WHERE {where} ORDER BY e.ticket_id, e.version", params)
    # the entries' `at` is NOT NULL, so the reader never answers None here
    return build_views(tickets, entries, cast(Callable[[Any], datetime], bulk.datetime_reader()))


def middle_ticket_id(bulk: BulkConnection, instances: tuple[str, ...] = ()) -> tuple[int, int | None]:
    """(how many tickets, the row id that parts them in two halves: None without tickets)."""
    where, params = _where(instances, (0, None), "id", "instance")
    count = bulk.query(f"SELECT COUNT(*) FROM tickets WHERE {where}", params)[0][0]
    if not count:
        return 0, None
    return count, bulk.query(f"SELECT id FROM tickets WHERE {where} ORDER BY id LIMIT 1 OFFSET {count // 2}", params)[
        0
    ][0]


def _where(
    instances: tuple[str, ...], ids: tuple[int, int | None], id_column: str, instance_column: str
) -> tuple[str, tuple]:
    conditions, params = [f"{id_column} >= ?"], list[object]([ids[0]])
    if ids[1] is not None:
        conditions.append(f"{id_column} < ?")
        params.append(ids[1])
    if instances:
        conditions.append(f"{instance_column} IN ({', '.join('?' * len(instances))})")
        params += instances
    return " AND ".join(conditions), tuple(params)

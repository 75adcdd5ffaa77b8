"""Read the ledger's rows for the metrics, in bulk (core/store/bulk), a ticket at a time."""
from __future__ import annotations

from collections.abc import Iterator

from baton_itsm.core.metrics.views import TicketView, build_views
from baton_itsm.core.store.bulk import BulkConnection

_TICKETS = "SELECT id, instance, external_id, priority, category, status FROM tickets"
_ENTRIES = ("SELECT e.ticket_id, e.entry_type, e.at, e.actor, e.handoff_id, e.from_group, e.from_person, e.to_group, "
            "e.to_person, e.kind, e.reason, CASE WHEN e.entry_type IN ('holder-changed', 'applied') THEN NULL "
            "ELSE e.data END FROM ledger_entries e")


def stream_views(bulk: BulkConnection, instances: tuple[str, ...] = ()) -> Iterator[TicketView]:
    """Every ticket of the ledger (or of the given instances) with its entries, one at a time, read as they are
    needed: keep `bulk` open until the iterator is done."""
    where, params = "", ()
    if instances:
        where = f" WHERE instance IN ({', '.join('?' * len(instances))})"
        params = tuple(instances)
    tickets = bulk.stream(_TICKETS + where + " ORDER BY id", params)
    entry_where = f" JOIN tickets t ON t.id = e.ticket_id WHERE t.{where.strip()[6:]}" if instances else ""
    entries = bulk.stream(_ENTRIES + entry_where + " ORDER BY e.ticket_id, e.version", params)
    return build_views(tickets, entries, bulk.datetime_reader())

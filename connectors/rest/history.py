"""Request Tracker history through the REST connector: a ticket search, then the tickets' transactions.

Everything goes through the configured connector: its HTTP client (auth from the environment, timeouts,
retries), its paging, its profile's transaction query and item paths, and its cached id -> name lookups.
Tickets are keyed as the connector keys them, (instance, RT ticket id), so `baton run` continues them.
Cost: one paged ticket search, one paged transaction search per TICKETS_PER_SEARCH tickets, and one
lookup per user or queue id never named before.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from baton_itsm.connectors.common import MalformedPayload, parse_time
from baton_itsm.connectors.rest.connector import RestConnector
from baton_itsm.connectors.rest.history_search import HistorySearch
from baton_itsm.connectors.rest.history_ticket import ListedTicket, imported_ticket
from baton_itsm.connectors.rest.mapping import classify, dig, read_change, read_ticket
from baton_itsm.connectors.rest.timeline import NamedChange
from baton_itsm.core.errors import ConfigError, ToolNotFound, ToolRefused
from baton_itsm.core.history.imported import HistoryReading, Progress, Rejection

KIND = "rt-history"
PROFILE = "request-tracker5"
TICKETS_PER_SEARCH = 50  # their ids go into the transaction query, which travels in the URL
EPOCH_TEXT = "1970-01-01T00:00:00Z"  # RT's "not set"


def read_rt_history(
    connector: RestConnector, search: HistorySearch, progress: Progress | None = None
) -> HistoryReading:
    """Every ticket `search` finds, with its history; read whole before it is returned (units: tickets)."""
    if connector.profile.name != PROFILE:
        raise ConfigError(
            [
                f"connectors.{connector.instance}: `baton import rt` reads Request Tracker through "
                f"the {PROFILE} profile, not {connector.profile.name}"
            ]
        )
    reading = HistoryReading(f"{connector.instance} at {connector.http.base_url} ({search.describe()})", KIND, iter(()))
    listed = _tickets(connector, search)
    tickets = []
    for start in range(0, len(listed), TICKETS_PER_SEARCH):
        chunk = listed[start : start + TICKETS_PER_SEARCH]
        changes, counts = _transactions(connector, [t.ticket_id for t in chunk], reading)
        for ticket in chunk:
            imported, odd = imported_ticket(
                connector.instance, ticket, changes[ticket.ticket_id], counts[ticket.ticket_id]
            )
            tickets.append(imported)
            reading.odd.extend(odd)
        if progress is not None:
            progress(start + len(chunk), len(listed))
    reading.tickets = iter(tickets)
    return reading


def _tickets(connector: RestConnector, search: HistorySearch) -> list[ListedTicket]:
    shape = connector.profile.ticket
    params = {**shape.search.params, shape.search.query_param: search.ticket_sql(), "orderby": "id", "order": "ASC"}
    params["fields"] = ",".join(dict.fromkeys([*params.get("fields", "").split(","), "Created", "LastUpdated"]))
    found = []
    for items in connector._pages(shape.search.path, params):
        for item in items:
            raw = read_ticket(item, shape)
            created = _time(dig(item, "Created"))
            if search.wants(created):
                found.append(
                    ListedTicket(raw.ticket_id, connector._ticket_now(raw), created, _time(dig(item, "LastUpdated")))
                )
    return found


def _transactions(connector: RestConnector, ticket_ids: list[str], reading: HistoryReading):
    """The watched transactions of `ticket_ids`, named, by ticket in id order; and how many each ticket had."""
    spec = connector.profile.changes
    only = " OR ".join(f"ObjectId = {t}" for t in ticket_ids)
    params = {k: v.format(cursor=0) for k, v in spec.params.items()}
    params["query"] = f"({params['query']}) AND ({only})"
    params.update(orderby="id", order="ASC")  # ids grow with time: each ticket's history in order
    changes: dict[str, list[NamedChange]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for items in connector._pages(spec.path, params):
        for item in items:
            reading.rows_read += 1
            where = _number(dig(item, spec.item.id))
            try:
                raw = read_change(item, spec.item)
            except MalformedPayload as error:
                reading.rejected.append(Rejection(where, f"unreadable: {error}"))
                continue
            counts[raw.ticket_id] += 1
            rule = classify(raw, spec.kinds)
            if rule is None:  # the query asks only for watched kinds; another profile version might not
                reading.rejected.append(Rejection(where, f"not watched: {raw.type}/{raw.field or '-'}"))
                continue
            try:
                changes[raw.ticket_id].append(connector._named(raw, rule))
            except (ToolNotFound, ToolRefused) as error:
                # An id Baton's account cannot name (a queue it may not see): the move cannot be placed.
                reading.rejected.append(
                    Rejection(
                        where,
                        f"unnamed {raw.field or raw.type}: ids {raw.old} -> "
                        f"{raw.new}, one Baton's account cannot name ({error})",
                    )
                )
    return changes, counts


def _time(value) -> datetime | None:
    if value in (None, "", EPOCH_TEXT):
        return None
    return parse_time(value)


def _number(value) -> int:
    return int(value) if str(value).isdigit() else 0

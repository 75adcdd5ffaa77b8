"""RT history import, the pure parts: which tickets a search asks for, and one ticket's history as holders.

The calls themselves are tested on the real RT 5 (tests/e2e/test_rt5_history_import.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton_itsm.connectors.http import HttpClient, RetryPolicy
from baton_itsm.connectors.rest.connector import RestConnector
from baton_itsm.connectors.rest.history import read_rt_history
from baton_itsm.connectors.rest.history_search import HistorySearch
from baton_itsm.connectors.rest.history_ticket import ListedTicket, imported_ticket
from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow
from baton_itsm.core.domain.tool_events import ToolEventKind as Kind
from baton_itsm.core.errors import ConfigError, ToolUnavailable
from tests.connectors.rest.rt5 import PROFILE

SD, NETWORK = "Service Desk", "Network"


def at(minute: int) -> datetime:
    return datetime(2026, 11, 23, 9, minute, tzinfo=UTC)


def change(
    id_: int,
    kind: Kind,
    part: str | None = None,
    old: str | None = None,
    new: str | None = None,
    minute: int = 0,
    by: str = "bob",
) -> NamedChange:
    return NamedChange(str(id_), "7", at(minute), by, kind, part, old, new)


def listed(group: str, person: str | None, status: str = "open") -> ListedTicket:
    return ListedTicket("7", TicketNow(group, person, {"status": status, "subject": "Printer"}), at(0), at(59))


def test_the_ticket_search_is_ticketsql_with_a_day_of_margin_on_the_date():
    assert HistorySearch().ticket_sql() == "id >= 1"
    since = datetime(2026, 11, 1, tzinfo=UTC)
    search = HistorySearch(("Service Desk", "O'Brien's"), since, 5, 9)
    assert search.ticket_sql() == (
        "id >= 5 AND id <= 9 AND (Queue = 'Service Desk' OR Queue = 'O\\'Brien\\'s') "
        "AND Created > '2026-10-31 00:00:00'"
    )
    # RT may read that date in another time zone: the margin is trimmed by the UTC time RT returns
    assert not search.wants(datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)) and search.wants(since)
    assert search.describe() == "tickets in Service Desk, O'Brien's created since 2026-11-01 00:00:00 UTC ids 5-9"


def test_a_history_is_its_holders_in_order_with_nobody_as_the_queue_alone():
    changes = [
        change(55, Kind.CREATED),
        change(57, Kind.HOLDER_CHANGED, "person", None, "alice", 1, "alice"),
        change(59, Kind.HOLDER_CHANGED, "person", "alice", None, 2, "alice"),
        change(61, Kind.HOLDER_CHANGED, "group", SD, NETWORK, 2, "alice"),
        change(62, Kind.RESOLVED, minute=30),
        change(63, Kind.REOPENED, minute=40),
        change(64, Kind.RESOLVED, minute=50),
    ]
    ticket, odd = imported_ticket("rt", listed(NETWORK, None, "resolved"), changes, transactions=7)
    # alice's release and move, in one second, are one write: from Service Desk/alice to the Network queue
    assert [(s[2], s[3], s[4]) for s in ticket.steps] == [(SD, None, "55"), (SD, "alice", "57"), (NETWORK, None, "59")]
    assert (ticket.reopen_count, ticket.resolved_at, ticket.updates) == (1, "2026-11-23 09:50:00", 7)
    assert ticket.source_event_id == "7#summary@2026-11-23 09:59:00#7" and ticket.subject == "Printer"
    assert odd == []


def test_a_move_that_does_not_start_where_the_last_one_ended_is_imported_and_reported():
    changes = [
        change(55, Kind.CREATED),
        change(57, Kind.HOLDER_CHANGED, "person", None, "alice", 1),
        change(60, Kind.HOLDER_CHANGED, "person", "carol", "bob", 2),
    ]  # carol's spell is missing
    ticket, odd = imported_ticket("rt", listed(SD, "bob"), changes, transactions=3)
    assert [s[3] for s in ticket.steps] == [None, "alice", "bob"]
    (gap,) = odd
    assert gap.line == 60 and gap.reason == (
        "gap: ticket 7's Owner moved from carol, but the history before left it at alice"
    )


def test_a_ticket_without_a_create_starts_where_its_first_move_came_from():
    changes = [change(57, Kind.HOLDER_CHANGED, "group", SD, NETWORK, 5)]
    ticket, odd = imported_ticket("rt", listed(NETWORK, None), changes, transactions=1)
    assert [(s[0], s[2], s[4]) for s in ticket.steps] == [
        ("2026-11-23 09:00:00", SD, "created:7"),
        ("2026-11-23 09:05:00", NETWORK, "57"),
    ]
    assert [o.reason.split(":")[0] for o in odd] == ["no Create"]


def _connector(profile=PROFILE, base: str = "http://127.0.0.1:1/REST/2.0") -> RestConnector:
    http = HttpClient(base, retry=RetryPolicy(attempts=2), sleep=lambda s: None)  # nobody waits here
    return RestConnector("rt", profile, http, account="baton")


def test_only_a_request_tracker5_profile_is_read():
    other = PROFILE.model_copy(update={"name": "some-other-tool"})
    with pytest.raises(ConfigError, match="through the request-tracker5 profile, not some-other-tool"):
        read_rt_history(_connector(other), HistorySearch())


def test_an_unreachable_rt_is_a_clear_error():
    with pytest.raises(ToolUnavailable, match=r"GET /tickets: no answer from http://127.0.0.1:1/REST/2.0"):
        read_rt_history(_connector(), HistorySearch())  # loopback port 1: nothing listens

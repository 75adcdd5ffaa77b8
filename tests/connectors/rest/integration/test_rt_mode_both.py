"""`mode: both` on Request Tracker: a transaction the Scrip delivers and the poll reads is taken once, in either order.

The delivery is the Scrip's (one transaction, names resolved, the ticket as it is now: docs/request-tracker5.md),
signed and read by the RT 5 profile's webhook parser; the poll's event is what the connector makes of the same
transaction once read (timeline.to_events, the transactions search of tests/connectors/rest/fixtures/rt5). Both
name the change by its transaction id, so the real intake and ledger store take it once: one rule decision, one
request, one revert.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow, to_events
from baton_itsm.connectors.rest.webhook import signature
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.usecases.receive_webhook import receive_webhook
from tests.connectors.rest.integration.rt_intake import intake_with_ticket
from tests.connectors.rest.rt5 import captured, connector

SECRET = b"webhook-secret"
SD = "Service Desk"
KEY = TicketKey("rt", "1")
PUSHED_AT = datetime(2026, 3, 2, 8, 59, 30, tzinfo=UTC)


def scrip_delivery() -> tuple[dict, bytes]:
    """Alice gives ticket 1 to bob (transaction 57, as RT's transactions search shows it, names resolved)."""
    (item,) = captured("transactions_owner_search.json")["items"]
    item = {
        **item,
        "OldValue": "alice",
        "NewValue": "bob",
        "Creator": {"id": "alice"},
        "Created": PUSHED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    body = json.dumps(
        {"transaction": item, "ticket": {"id": 1, "Queue": {"id": SD}, "Owner": {"id": "bob"}, "Status": "open"}}
    ).encode()
    return {"X-Baton-Signature": "sha256=" + signature(SECRET, body)}, body


def polled() -> list:
    """The same transaction as a poll reads it: its id, the Owner change, the ticket as the search shows it."""
    change = NamedChange(
        event_id="57",
        ticket_id="1",
        at=PUSHED_AT,
        actor="alice",
        kind=ToolEventKind.HOLDER_CHANGED,
        part="person",
        old="alice",
        new="bob",
    )
    return to_events("rt", [change], {"1": TicketNow(SD, "bob", {"status": "open"})})


@pytest.fixture
def intake(store, clock, directory):
    return intake_with_ticket(store, clock, directory, PUSHED_AT.replace(second=0), {"status": "new"})


@pytest.mark.parametrize("first", ["webhook", "poll"])
def test_a_push_delivered_and_polled_is_taken_once(intake, store, clock, first):
    rt = connector(webhook_secret=SECRET)
    (webhook_event,), (poll_event,) = rt.parse_webhook(*scrip_delivery()).events, polled()
    assert webhook_event.event_id == poll_event.event_id == "57"

    entries, duplicates = [], {}
    for path in (first, "poll" if first == "webhook" else "webhook"):
        if path == "webhook":
            assert receive_webhook(rt, intake, *scrip_delivery()).outcome == "accepted"
            clock.advance(seconds=2)  # past the wait for the rest of its write (core/usecases/joined_deliveries.py)
            report = intake.process_pending()
        else:
            report = intake.ingest("rt", polled())
        entries += report.entries
        duplicates[path] = report.duplicates
    assert duplicates == {first: 0, ("poll" if first == "webhook" else "webhook"): 1}
    assert entries == ["rule", "requested"]  # as from one path alone
    with store.unit_of_work(clock.now()) as uow:
        assert uow.load_ticket(KEY).open_handoff().to_holder == Holder(SD, "bob")
        keys = uow.connection.execute(select(outbox.c.idempotency_key)).scalars().all()
    assert sum(key.startswith("revert:rt:1:") for key in keys) == 1

"""One RT write of Queue and Owner, delivered by the Scrip as two transactions, is one change, as the poll reads it.

`PUT /ticket/1 {"Queue": "Network", "Owner": "carol"}` is two RT transactions, Owner (69) then Queue (70), and the
shipped Scrip posts each on its own with the ticket as that transaction left it (docs/request-tracker5.md): the
Owner change with the ticket still in Service Desk, then the Queue change. The poll reads the two as one change
from the holder before to the holder after, named 69 (connectors/rest/timeline.py). Here the deliveries are signed
and read by the RT 5 profile's webhook parser and kept and handled by the real intake, on SQLite and PostgreSQL,
arriving in order, in reverse order, and with a poll of the same write before, between or after them (`mode:
both`): the ledger reads one change either way, the rules decide once, and the requester hears the right team.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow, to_events
from baton_itsm.connectors.rest.webhook import signature
from baton_itsm.core.domain.events import HolderChanged
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.store.schema import inbox, outbox
from baton_itsm.core.usecases.receive_webhook import receive_webhook
from tests.connectors.rest.integration.rt_intake import intake_with_ticket
from tests.connectors.rest.rt5 import connector

SECRET = b"webhook-secret"
SD, NET = "Service Desk", "Network"
KEY = TicketKey("rt", "1")
WRITTEN_AT = datetime(2026, 3, 2, 8, 59, 30, tzinfo=UTC)
REQUESTER = {"id": "jo@example.test", "RealName": "Jo Bloggs", "EmailAddress": "jo@example.test"}
# The two halves of one PUT as RT records them: (transaction id, field, old, new, the ticket's queue after it).
OWNER_HALF = ("69", "Owner", "alice", "carol", SD)
QUEUE_HALF = ("70", "Queue", SD, NET, NET)

# Each way the write can reach Baton: the deliveries ("owner", "queue"), the poll ("poll": the whole write;
# "poll-second": a poll whose checkpoint lay between the two transactions, so it reads the Queue change alone),
# and "wait": the deliveries' wait for the rest of their write is over, and the inbox worker has handled them.
ARRIVALS = {
    "in order": ["owner", "queue"],
    "reverse order": ["queue", "owner"],
    "poll before": ["poll", "owner", "queue"],
    "poll between": ["owner", "poll", "queue"],
    "poll after": ["owner", "queue", "wait", "poll"],
    "poll of the second half after": ["owner", "queue", "wait", "poll-second"],
}


def scrip_delivery(half: tuple, actor: str) -> tuple[dict, bytes]:
    """What the shipped Scrip posts for one transaction: names resolved, the ticket as that transaction left it."""
    txn, field, old, new, queue = half
    body = json.dumps(
        {
            "transaction": {
                "id": txn,
                "Type": "Set",
                "Field": field,
                "OldValue": old,
                "NewValue": new,
                "Created": WRITTEN_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Creator": {"id": actor},
                "ObjectType": "RT::Ticket",
                "ObjectId": "1",
            },
            "ticket": {
                "id": 1,
                "Queue": {"id": queue},
                "Owner": {"id": "carol"},
                "Status": "open",
                "Subject": "VPN down",
                "Priority": "0",
                "Requestor": [REQUESTER],
            },
        }
    ).encode()
    return {"X-Baton-Signature": "sha256=" + signature(SECRET, body)}, body


def polled(actor: str, halves=(OWNER_HALF, QUEUE_HALF)) -> list:
    """The same transactions as the poll reads them (timeline.to_events, the ticket as the search shows it now)."""
    parts = {"Owner": "person", "Queue": "group"}
    changes = [
        NamedChange(
            event_id=txn,
            ticket_id="1",
            at=WRITTEN_AT,
            actor=actor,
            kind=ToolEventKind.HOLDER_CHANGED,
            part=parts[field],
            old=old,
            new=new,
        )
        for txn, field, old, new, _ in halves
    ]
    return to_events("rt", changes, {"1": TicketNow(NET, "carol", {"status": "open", "requester": "jo@example.test"})})


@pytest.fixture
def intake(store, clock, directory):
    return intake_with_ticket(
        store, clock, directory, WRITTEN_AT.replace(second=0), {"status": "new", "requester": "jo@example.test"}
    )


def arrive(intake, clock, arrivals: list[str], actor: str) -> list[str]:
    """The write reaches Baton the given ways; the inbox worker runs after each. The ledger entries written."""
    rt = connector(webhook_secret=SECRET)
    entries = []
    for way in arrivals:
        if way in ("owner", "queue"):
            delivery = scrip_delivery(OWNER_HALF if way == "owner" else QUEUE_HALF, actor)
            assert receive_webhook(rt, intake, *delivery).outcome == "accepted"
        elif way == "wait":
            clock.advance(seconds=5)
        elif way == "poll":
            entries += intake.ingest("rt", polled(actor)).entries
        else:
            entries += intake.ingest("rt", polled(actor, [QUEUE_HALF])).entries
        entries += intake.process_pending().entries
        clock.advance(seconds=0.2)  # the next way arrives a moment later
    clock.advance(seconds=5)  # past any wait for the rest of a write
    entries += intake.process_pending().entries
    return entries


def requester_notices(store, clock) -> list[tuple[str, str]]:
    """(holder before, holder after) of each ownership notice for the requester: what their email tells them."""
    with store.unit_of_work(clock.now()) as uow:
        payloads = (
            uow.connection.execute(
                select(outbox.c.payload).where(outbox.c.idempotency_key.like("%status-update%")).order_by(outbox.c.id)
            )
            .scalars()
            .all()
        )
    return [(p["previous_holder"], p["holder"]) for p in payloads if p["to_requester"]]


@pytest.mark.parametrize("arrivals", ARRIVALS.values(), ids=ARRIVALS.keys())
def test_carol_taking_the_ticket_into_network_is_one_holder_change(intake, store, clock, arrivals):
    """A pull in one write: the ledger moves once, from alice in Service Desk to carol in Network, and the requester
    is told Network has it, never that carol holds it in Service Desk."""
    entries = arrive(intake, clock, arrivals, actor="carol")

    assert entries == ["holder-changed"]
    with store.unit_of_work(clock.now()) as uow:
        changes = [e.event for e in uow.ledger(KEY) if isinstance(e.event, HolderChanged)]
        pending = uow.connection.execute(select(inbox.c.status).where(inbox.c.status == "pending")).all()
    assert [(c.from_holder, c.to_holder) for c in changes[1:]] == [(Holder(SD, "alice"), Holder(NET, "carol"))]
    assert changes[-1].source_event_id == "69"  # the poll's name for the write
    assert requester_notices(store, clock)[1:] == [(f"{SD}/alice", f"{NET}/carol")]
    assert pending == []


@pytest.mark.parametrize("arrivals", ARRIVALS.values(), ids=ARRIVALS.keys())
def test_alice_pushing_the_ticket_to_carol_in_network_is_one_push_reverted_whole(intake, store, clock, arrivals):
    """A push in one write: one rule decision, one request to Network (queue-first: to the group's queue), one
    revert to alice in Service Desk (never to carol in Service Desk, a holder nobody chose)."""
    entries = arrive(intake, clock, arrivals, actor="alice")

    assert entries == ["rule", "requested"]
    with store.unit_of_work(clock.now()) as uow:
        assert uow.load_ticket(KEY).open_handoff().to_holder == Holder(NET, None)
        tool_actions = (
            uow.connection.execute(select(outbox.c.payload).where(outbox.c.idempotency_key.like("revert:rt:1:%")))
            .scalars()
            .all()
        )
    # back to alice in Service Desk, written only while RT still shows what alice's write left: carol in Network
    assert [(a["holder"], a["expected_holder"]) for a in tool_actions] == [
        ({"group": SD, "person": "alice"}, {"group": NET, "person": "carol"})
    ]

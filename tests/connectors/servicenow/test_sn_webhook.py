"""Deliveries of the ServiceNow business rule, parsed without I/O: signature, age, shape, outcome."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton_itsm.connectors.servicenow.webhook import DELIVERY, SIGNATURE, TIMESTAMP
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.connector import WebhookOutcome
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from tests.connectors.servicenow.sn import NOW, SIGNED_AT, connector, delivery, payload


def parse(headers, data, now: datetime = NOW):
    return connector(clock=FixedClock(now)).parse_webhook(headers, data)


def test_a_signed_holder_change_is_one_event_named_as_the_poll_names_that_update():
    result = parse(*delivery(payload()))
    assert result.outcome is WebhookOutcome.ACCEPTED and result.delivery_id == "d8c1f0e2a4b64c0e9f5b3a7d2c1e0f9a"
    (event,) = result.events
    assert (event.ticket.ticket_id, event.event_id, event.kind, event.actor) == (
        "INC0010001",
        "6c6ad91e588641f787e151d94083bfcb#3",
        ToolEventKind.HOLDER_CHANGED,
        "bob",
    )
    assert (event.old_holder, event.new_holder) == (Holder("Service Desk", "alice"), Holder("Service Desk", "carol"))
    assert event.at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert event.fields["requester"] == "dana@example.com" and event.fields["reassignment_count"] == "0"
    assert event.fields["status"] == "in progress"
    assert event.fields["url"].endswith("/incident.do?sys_id=6c6ad91e588641f787e151d94083bfcb")


def test_a_creation_is_a_created_event_with_its_holder():
    body = payload(
        operation="insert",
        assigned_to={"old": {"value": "", "user_name": ""}, "new": {"value": "u1", "user_name": "alice"}},
    )
    (event,) = parse(*delivery(body)).events
    assert (event.kind, event.old_holder) == (ToolEventKind.CREATED, None)
    assert event.new_holder == Holder("Service Desk", "alice")


def test_the_signature_is_checked_in_constant_time_over_timestamp_and_body():
    headers, data = delivery(payload())
    sn = connector()
    assert sn.verify_signature(headers, data)
    assert not sn.verify_signature(headers, data + b" ")
    assert not sn.verify_signature({**headers, TIMESTAMP: str(int(SIGNED_AT) + 1)}, data)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("wrong secret", "wrong X-Baton-Signature"),
        ("no signature", "needs X-Baton-Signature"),
        ("no delivery id", "needs X-Baton-Signature, X-Baton-Timestamp and X-Baton-Delivery"),
        ("stale", "more than 300 s from now"),
        ("from the future", "more than 300 s from now"),
        ("body and header disagree", "delivery_id differs"),
        ("not json", "not a Baton holder-change delivery"),
        ("no holder parts", "no assignment_group object"),
    ],
)
def test_anything_not_signed_as_configured_or_not_the_rules_shape_is_anomalous(kind, reason):
    body, headers_for = payload(), {}
    if kind == "wrong secret":
        headers, data = delivery(body, secret=b"guessed")
    elif kind == "no signature":
        headers, data = delivery(body, drop=SIGNATURE)
    elif kind == "no delivery id":
        headers, data = delivery(body, drop=DELIVERY)
    elif kind == "stale":
        headers, data = delivery(body, signed_at=str(int(NOW.timestamp()) - 301))
    elif kind == "from the future":
        headers, data = delivery(body, signed_at=str(int(NOW.timestamp()) + 301))
    elif kind == "body and header disagree":
        headers, data = delivery(body)
        headers_for = {DELIVERY: "another-id"}
    elif kind == "not json":
        headers, data = delivery(b"<html>Instance Hibernating page</html>")
        headers_for = {DELIVERY: "d1"}
    else:
        headers, data = delivery({k: v for k, v in body.items() if k != "assignment_group"})
    result = parse({**headers, **headers_for}, data)
    assert result.outcome is WebhookOutcome.ANOMALOUS and reason in result.reason and not result.events


def test_without_a_secret_nothing_is_accepted():
    headers, data = delivery(payload())
    sn = connector(clock=FixedClock(NOW))
    sn.webhook_secret = None
    assert parse(headers, data).outcome is WebhookOutcome.ACCEPTED
    assert sn.parse_webhook(headers, data).outcome is WebhookOutcome.ANOMALOUS
    assert not sn.verify_signature(headers, data)


def test_another_table_or_no_holder_change_is_ignored():
    other = parse(*delivery(payload(table="sc_req_item")))
    assert other.outcome is WebhookOutcome.IGNORED and "watches 'incident'" in other.reason
    alice = {"value": "u1", "user_name": "alice"}
    same = payload(assigned_to={"old": alice, "new": alice})
    assert parse(*delivery(same)).outcome is WebhookOutcome.IGNORED

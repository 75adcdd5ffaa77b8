"""Webhook deliveries through the RT 5 profile: signed, sans-I/O, and one test per outcome."""

from __future__ import annotations

import json

from baton_itsm.connectors.rest.webhook import signature
from baton_itsm.core.connector import WebhookOutcome
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from tests.connectors.rest.rt5 import captured, connector

SECRET = b"webhook-secret"


def delivery(change: dict | None = None, ticket: dict | None = None, **overrides) -> dict:
    (item,) = captured("transactions_owner_search.json")["items"]
    item = {**item, "OldValue": "alice", "NewValue": "carol", "Creator": {"id": "bob"}, **(change or {})}
    state = {"id": 1, "Queue": {"id": "Service Desk"}, "Owner": {"id": "carol"}, "Status": "open", **(ticket or {})}
    return {"transaction": item, "ticket": state, **overrides}


def signed(payload, secret: bytes = SECRET) -> tuple[dict, bytes]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return {"X-Baton-Signature": "sha256=" + signature(secret, body)}, body


def test_a_signed_owner_change_is_one_event():
    headers, body = signed(delivery())
    result = connector(webhook_secret=SECRET).parse_webhook(headers, body)
    assert result.outcome is WebhookOutcome.ACCEPTED
    (event,) = result.events
    assert (event.event_id, event.kind, event.actor) == ("57", ToolEventKind.HOLDER_CHANGED, "bob")
    assert (event.old_holder, event.new_holder) == (Holder("Service Desk", "alice"), Holder("Service Desk", "carol"))


def test_signature_header_name_is_case_insensitive():
    headers, body = signed(delivery())
    assert connector(webhook_secret=SECRET).verify_signature({"x-baton-signature": headers["X-Baton-Signature"]}, body)


def test_a_wrong_or_missing_signature_is_anomalous():
    headers, body = signed(delivery(), secret=b"someone else")
    rt = connector(webhook_secret=SECRET)
    assert rt.parse_webhook(headers, body).outcome is WebhookOutcome.ANOMALOUS
    assert rt.parse_webhook({}, body).outcome is WebhookOutcome.ANOMALOUS
    assert not connector().verify_signature(*signed(delivery()))  # no secret configured: nothing verifies


def test_a_body_that_is_not_json_is_anomalous():
    assert connector(webhook_secret=SECRET).parse_webhook(*signed(b"{not json")).outcome is WebhookOutcome.ANOMALOUS


def test_a_delivery_without_a_ticket_is_anomalous():
    payload = delivery()
    del payload["ticket"]
    assert connector(webhook_secret=SECRET).parse_webhook(*signed(payload)).outcome is WebhookOutcome.ANOMALOUS


def test_a_watcher_change_is_ignored():
    payload = delivery({"Type": "SetWatcher"})
    assert connector(webhook_secret=SECRET).parse_webhook(*signed(payload)).outcome is WebhookOutcome.IGNORED


def test_a_change_to_something_not_a_ticket_is_ignored():
    payload = delivery({"ObjectType": "RT::User"})
    assert connector(webhook_secret=SECRET).parse_webhook(*signed(payload)).outcome is WebhookOutcome.IGNORED


def test_an_unknown_kind_of_change_is_unsupported():
    result = connector(webhook_secret=SECRET).parse_webhook(*signed(delivery({"Type": "SetTimeWorked"})))
    assert result.outcome is WebhookOutcome.UNSUPPORTED and "SetTimeWorked" in result.reason


def test_nobody_as_owner_means_the_group_queue_holds_it():
    payload = delivery({"NewValue": "Nobody"}, {"Owner": {"id": "Nobody"}})
    (event,) = connector(webhook_secret=SECRET).parse_webhook(*signed(payload)).events
    assert event.new_holder == Holder("Service Desk")

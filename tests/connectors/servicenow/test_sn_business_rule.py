"""The shipped business rule, run under Node with stand-ins for the Glide APIs, and Baton reading its delivery.

This pins the contract between config/servicenow/baton-holder-change.business-rule.js and the webhook
parser: the same signing (base64 HMAC-SHA256 over TIMESTAMP.BODY), headers and payload shape.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from baton_itsm.core.clock import FixedClock
from baton_itsm.core.connector import WebhookOutcome
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from tests.connectors.servicenow.sn import SECRET, connector

REPO = Path(__file__).resolve().parents[3]
RULE = REPO / "config" / "servicenow" / "baton-holder-change.business-rule.js"
HARNESS = Path(__file__).with_name("sn_business_rule_harness.js")
SENT_AT = datetime(2026, 3, 2, 9, 0, 0, 250000, tzinfo=UTC)
REFS = {
    "assignment_group": {"g1": {"name": "Service Desk"}, "g2": {"name": "Network"}},
    "assigned_to": {"u1": {"user_name": "alice"}, "u3": {"user_name": "carol"}},
    "caller_id": {"u9": {"user_name": "jo.user", "email": "jo@example.com"}},
}


def run_rule(operation: str, current: dict, previous: dict | None, user: str = "bob") -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the business rule cannot be run here")
    spec = {
        "table": "incident",
        "operation": operation,
        "current": current,
        "previous": previous,
        "refs": REFS,
        "guid": "5f1e0c2ad7b84d5fa0c3e6b9d1a2f4c8",
        "user": user,
        "secret": SECRET.decode(),
        "now_ms": int(SENT_AT.timestamp() * 1000),
    }
    done = subprocess.run(
        [node, str(HARNESS), str(RULE), json.dumps(spec)], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def ticket(**values) -> dict:
    base = {
        "sys_id": "6c6ad91e588641f787e151d94083bfcb",
        "number": "INC0010001",
        "sys_updated_on": "2026-03-02 09:00:00",
        "sys_updated_by": "bob",
        "sys_mod_count": "3",
        "reassignment_count": "0",
        "state": "2",
        "priority": "3",
        "category": "network",
        "short_description": "Café VPN drops",
        "caller_id": "u9",
        "assignment_group": "g1",
        "assigned_to": "u1",
    }
    return {**base, **values}


def test_the_rules_delivery_of_a_push_is_accepted_as_that_push():
    sent = run_rule("update", ticket(assigned_to="u3"), ticket())
    assert sent["message"] == ["Baton", "post_holder_change"] and sent["executed"]
    assert set(sent["headers"]) == {"Content-Type", "X-Baton-Delivery", "X-Baton-Timestamp", "X-Baton-Signature"}
    body = sent["body"].encode()
    sn = connector(clock=FixedClock(SENT_AT))
    assert sn.verify_signature(sent["headers"], body)
    result = sn.parse_webhook(sent["headers"], body)
    assert result.outcome is WebhookOutcome.ACCEPTED, result.reason
    (event,) = result.events
    assert (event.kind, event.actor, event.old_holder, event.new_holder) == (
        ToolEventKind.HOLDER_CHANGED,
        "bob",
        Holder("Service Desk", "alice"),
        Holder("Service Desk", "carol"),
    )
    assert event.fields["subject"] == "Café VPN drops" and event.fields["requester"] == "jo@example.com"


def test_the_rules_delivery_of_a_new_ticket_is_a_creation():
    sent = run_rule("insert", ticket(assignment_group="g2", assigned_to=""), None, user="dana")
    (event,) = connector(clock=FixedClock(SENT_AT)).parse_webhook(sent["headers"], sent["body"].encode()).events
    assert (event.kind, event.actor, event.new_holder) == (ToolEventKind.CREATED, "dana", Holder("Network"))


def test_a_delivery_replayed_later_than_the_tolerance_is_refused():
    sent = run_rule("update", ticket(assigned_to="u3"), ticket())
    later = FixedClock(SENT_AT.replace(minute=6))
    result = connector(clock=later).parse_webhook(sent["headers"], sent["body"].encode())
    assert result.outcome is WebhookOutcome.ANOMALOUS and "more than 300 s" in result.reason

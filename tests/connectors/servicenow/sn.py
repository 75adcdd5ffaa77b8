"""Shared helpers for the ServiceNow tests: the reference payloads, and a connector that needs no instance."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from baton_itsm.connectors.http import HttpClient, RetryPolicy
from baton_itsm.connectors.servicenow.client import TableClient
from baton_itsm.connectors.servicenow.connector import ServiceNowConnector
from baton_itsm.connectors.servicenow.webhook import DELIVERY, SIGNATURE, TIMESTAMP, sign
from baton_itsm.core.clock import FixedClock
from tests.reference import reference_payloads

BASE = "https://instance.service-now.com"
SECRET = b"webhook-secret"


def reference_dir() -> Path:
    return reference_payloads("servicenow")


def fixture(name: str):
    return json.loads((reference_dir() / name).read_text())


def connector(clock: FixedClock | None = None, **kwargs) -> ServiceNowConnector:
    """A connector on a mocked transport (tests register answers with `responses`); no retries, no waits."""
    http = HttpClient(
        BASE,
        headers={"Accept": "application/json"},
        auth=("baton", "pw"),
        retry=RetryPolicy(attempts=1),
        sleep=lambda s: None,
    )
    sn = ServiceNowConnector("sn", TableClient(http), account="baton", webhook_secret=SECRET, **kwargs)
    if clock is not None:
        sn.clock = clock
    return sn


NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
SIGNED_AT = str(int(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC).timestamp()))


def payload(**changes) -> dict:
    """What baton-holder-change.business-rule.js sends when bob moves INC0010001 from alice to carol."""
    body = {
        "delivery_id": "d8c1f0e2a4b64c0e9f5b3a7d2c1e0f9a",
        "operation": "update",
        "table": "incident",
        "sys_id": "6c6ad91e588641f787e151d94083bfcb",
        "number": "INC0010001",
        "sys_updated_on": "2026-03-02 09:00:00",
        "sys_updated_by": "bob",
        "sys_mod_count": "3",
        "reassignment_count": "0",
        "state": "2",
        "priority": "3",
        "category": "network",
        "short_description": "VPN drops",
        "actor": "bob",
        "caller": {"user_name": "dana", "email": "dana@example.com"},
        "assignment_group": {
            "old": {"value": "g1", "name": "Service Desk"},
            "new": {"value": "g1", "name": "Service Desk"},
        },
        "assigned_to": {"old": {"value": "u1", "user_name": "alice"}, "new": {"value": "u3", "user_name": "carol"}},
    }
    body.update(changes)
    return body


def delivery(body: dict | bytes, *, secret: bytes = SECRET, signed_at: str = SIGNED_AT, drop: str | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    delivery_id = body["delivery_id"] if isinstance(body, dict) else "d1"
    headers = {
        DELIVERY: delivery_id,
        TIMESTAMP: signed_at,
        SIGNATURE: sign(secret, signed_at, data),
        "Content-Type": "application/json",
    }
    headers.pop(drop, None)
    return headers, data

"""Shared helpers for the Jira connector tests: the reference payloads, readers and a connector that sends nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from baton_itsm.connectors.jira.client import JiraClient
from baton_itsm.connectors.jira.connector import JiraConnector
from baton_itsm.connectors.jira.mapping import Reader
from baton_itsm.connectors.jira.options import parse_options
from baton_itsm.connectors.jira.people import People
from baton_itsm.connectors.jira.webhook import sign
from baton_itsm.core.clock import FixedClock
from tests.reference import reference_payloads

BASE = "http://127.0.0.1:9"  # loopback, nothing listens: a test that sent a request would fail loudly
SECRET = b"jira-webhook-secret"
TESS = "5c5f880629be9642ba529340"  # the accountId of "Test User" (admin) in the 2019 Cloud payloads


def reference_dir() -> Path:
    return reference_payloads("jira")  # real payloads, each with its .source.txt


def raw(name: str) -> bytes:
    return (reference_dir() / name).read_bytes()


def fixture(name: str):
    return json.loads(raw(name))


def reader(cloud: bool = True, **options) -> Reader:
    parsed = parse_options({"deployment": "cloud" if cloud else "datacenter", **options})
    return Reader(parsed, People(parsed.cloud, parsed.users), BASE)


def connector(
    cloud: bool = True, secret: bytes | None = SECRET, now: datetime | None = None, **options
) -> JiraConnector:
    """`now`: the connector's clock, which a webhook body's own timestamp must be near (default: 2019-02-16,
    when most recorded deliveries were made; `sent_at` gives a body's own)."""
    read = reader(cloud, **options)
    client = JiraClient.connect(BASE, basic=("baton", "pw"), cloud=cloud, timeout=5, sleep=lambda s: None)
    clock = FixedClock(now or datetime(2019, 2, 16, 3, 20, tzinfo=UTC))
    return JiraConnector("jira", client, read, account="baton", webhook_secret=secret, clock=clock)


def sent_at(body: bytes) -> datetime | None:
    """A few seconds after a recorded delivery's own `timestamp`: when Baton receives it; None without one."""
    try:
        stamp = json.loads(body).get("timestamp")
    except (ValueError, AttributeError):
        return None
    return datetime.fromtimestamp(stamp / 1000, UTC) + timedelta(seconds=3) if isinstance(stamp, int) else None


def signed(body: bytes, secret: bytes = SECRET, delivery: str | None = "c1a2b3-delivery", **extra) -> dict:
    headers = {"X-Hub-Signature": sign(secret, body), **extra}
    if delivery:
        headers["X-Atlassian-Webhook-Identifier"] = delivery
    return headers

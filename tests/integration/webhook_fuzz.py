"""Generated webhook deliveries for the fuzz test: every shape a sender could post, signed or not.

Each connector has a valid delivery built from a real payload (its fixtures), a way to sign it, and the same
generator of shapes: random bytes, truncated JSON, JSON nested far too deep, one field of the real payload
replaced by a value of another type (every field in turn, inner objects included) or removed, huge numbers,
non-ASCII and unpaired surrogates, NUL, and enormous or non-ASCII header values. Plain seeded `random`, so a
seed replays a run exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.web import create_app
from tests.desk import DESK
from tests.integration.loopback import LoopbackServer

NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)

HUGE_DIGITS = "9" * 5000  # more digits than Python converts to an int by default
WRONG_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    -(2**63),
    1e308,
    -1e308,
    0.5,
    "",
    "x" * 5000,
    "ü漢字🙂\u202e",
    "\ud800",
    "a\u0000b",
    [],
    {},
    [1, "two", None],
    {"id": {"id": {"id": "deep"}}},
    "2019-13-45T99:99:99",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "NaN",
    "-0",
    " ",
    "Nobody",
    "../../etc/passwd",
    "HUGE",
    "9" * 400,
]


@dataclass(frozen=True)
class Tool:
    """One connector's deliveries: a fresh valid payload, and headers that sign a body (or fail to)."""

    name: str  # the connector type, as in /hooks/{type}/{instance}
    instance: str
    valid: Callable[[random.Random], dict]
    sign: Callable[[bytes, dict], dict]  # (body, payload or {}) -> headers


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path to a value inside a payload: objects' keys and lists' indexes, inner values included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*prefix, index)
            yield from _paths(item, (*prefix, index))


def _replace(payload: Any, path: tuple, value: Any, delete: bool = False) -> None:
    for step in path[:-1]:
        payload = payload[step]
    if delete and isinstance(payload, dict):
        del payload[path[-1]]
    else:
        payload[path[-1]] = value


def _dumps(payload: Any) -> bytes:
    # a number of 5,000 digits cannot be written by json.dumps: it goes in as a marker, replaced in the text
    return json.dumps(payload).replace('"HUGE"', HUGE_DIGITS).encode()


def _nested(rng: random.Random) -> bytes:
    depth = rng.choice([33, 64, 1000, 100_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return (opener * depth + "1" + closer * depth).encode()


def delivery(tool: Tool, rng: random.Random) -> tuple[dict, bytes, str]:
    """(headers, body, what was done) of one generated delivery."""
    payload = tool.valid(rng)
    shape = rng.choices(
        ["bytes", "truncated", "nested", "field", "delete", "top", "valid", "headers"],
        weights=[8, 10, 6, 45, 12, 4, 5, 10],
    )[0]
    what = shape
    if shape == "bytes":
        body = rng.randbytes(rng.randrange(0, 2000))
    elif shape == "truncated":
        full = _dumps(payload)
        body = full[: rng.randrange(0, len(full))]
    elif shape == "nested":
        body = _nested(rng)
    elif shape == "top":
        body = _dumps(rng.choice(WRONG_VALUES))
    elif shape in ("field", "delete"):
        path = rng.choice(list(_paths(payload)))
        value = rng.choice(WRONG_VALUES)
        _replace(payload, path, value, delete=shape == "delete")
        body, what = _dumps(payload), f"{shape} {'.'.join(map(str, path))} = {str(value)[:30]!r}"
    else:
        body = _dumps(payload)
    headers = tool.sign(body, payload if isinstance(payload, dict) else {})
    if shape != "headers" and rng.random() < 0.15:  # the same body, unsigned or signed wrongly
        headers = {k: v for k, v in headers.items() if rng.random() < 0.5}
        what += " (signature dropped or headers lost)"
    if shape == "headers":
        name = rng.choice([*headers, "X-Unknown"])
        value = rng.choice(["x" * 8000, "\u00e9t\u00e9", "9" * 5000, "", " ", "²"])
        headers = {**headers, name: value}
        what = f"header {name} = {value[:20]!r}"
    return headers, body, what


# --- the service, its three webhook instances and a loopback tool behind them -------------------------------
SECRETS = {"SN_WEBHOOK_SECRET": b"sn-secret", "JIRA_WEBHOOK_SECRET": b"jira-secret", "RT_WEBHOOK_SECRET": b"rt-sec"}
CONNECTORS = """\
connectors:
  sn:
    type: servicenow
    url: {url}
    account: baton
    mode: webhook
    auth: {{username_env: TOOL_USER, password_env: TOOL_PASSWORD}}
    webhook_secret_env: SN_WEBHOOK_SECRET
  jira:
    type: jira
    url: {url}
    account: baton
    mode: webhook
    auth: {{username_env: TOOL_USER, password_env: TOOL_PASSWORD}}
    webhook_secret_env: JIRA_WEBHOOK_SECRET
    options: {{deployment: cloud}}
  rt:
    type: rest
    url: {url}/REST/2.0
    account: baton
    mode: webhook
    auth: {{type: basic, username_env: TOOL_USER, password_env: TOOL_PASSWORD}}
    webhook_secret_env: RT_WEBHOOK_SECRET
    options: {{profile: request-tracker5}}
"""


def every_tool_answers(method: str, path: str, headers: dict, body: bytes):
    """What each connector's check() reads, in one answer: ServiceNow's sys_user row, Jira's /myself, RT's user."""
    me = {
        "result": [{"sys_id": "u0"}],
        "accountId": "baton-account",
        "name": "baton",
        "displayName": "Baton",
        "timeZone": "UTC",
        "id": "baton",
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(me).encode()


@contextmanager
def running_service(tmp_path, monkeypatch):
    """(app, client): `baton run`'s web app on the three webhook instances, its clock fixed at NOW."""
    clock = FixedClock(NOW)
    for name, value in {
        "TOOL_USER": "baton",
        "TOOL_PASSWORD": "pw",
        **{k: v.decode() for k, v in SECRETS.items()},
    }.items():
        monkeypatch.setenv(name, value)
    with LoopbackServer(every_tool_answers) as tools:
        (tmp_path / "baton.yaml").write_text(DESK + CONNECTORS.format(url=tools.url))
        app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
        for connector in app.connectors.values():
            if hasattr(connector, "clock"):
                connector.clock = clock
        with TestClient(create_app(app), raise_server_exceptions=False) as client:
            yield app, client


# --- the three tools' valid deliveries -------------------------------------------------------------------------
def servicenow(secret: bytes, now: datetime) -> Tool:
    from baton_itsm.connectors.servicenow.webhook import DELIVERY, SIGNATURE, TIMESTAMP, sign
    from tests.connectors.servicenow.sn import payload

    signed_at = str(int(now.timestamp()))

    def valid(rng: random.Random) -> dict:
        return payload(delivery_id=rng.randbytes(16).hex(), number=f"INC{rng.randrange(10**7):07d}")

    def headers(body: bytes, sent: dict) -> dict:
        delivery_id = sent.get("delivery_id") if isinstance(sent.get("delivery_id"), str) else "d1"
        return {
            DELIVERY: delivery_id[:500],
            TIMESTAMP: signed_at,
            SIGNATURE: sign(secret, signed_at, body),
            "Content-Type": "application/json",
        }

    return Tool("servicenow", "sn", valid, headers)


def jira(secret: bytes, now: datetime, fixture: Callable[[str], dict]) -> Tool:
    from baton_itsm.connectors.jira.webhook import sign

    names = [
        "jira_webhook_mattermost_issue-updated-assigned.json",
        "jira_webhook_mattermost_issue-created.json",
        "jira_webhook_mattermost_issue-updated-resolved.json",
        "jira_webhook_mattermost_cloud-comment-created-mention-user.json",
        "jira_webhook_real_cloud_2025_issue_created_TM-100.json",
        "jira_webhook_mattermost_issue-updated-assigned-nobody.json",
    ]
    payloads = [fixture(name) for name in names]
    stamp = int(now.timestamp() * 1000) - 2000

    def valid(rng: random.Random) -> dict:
        payload = json.loads(json.dumps(rng.choice(payloads)))
        payload["timestamp"] = stamp
        if isinstance(payload.get("issue"), dict):
            payload["issue"]["id"] = str(rng.randrange(10**6))
        if isinstance(payload.get("changelog"), dict):
            payload["changelog"]["id"] = str(rng.randrange(10**7))
        if isinstance(payload.get("comment"), dict):
            payload["comment"]["id"] = str(rng.randrange(10**7))
        return payload

    def headers(body: bytes, sent: dict) -> dict:
        return {
            "X-Hub-Signature": sign(secret, body),
            "X-Atlassian-Webhook-Identifier": "d-" + hashlib.md5(body).hexdigest(),
            "Content-Type": "application/json",
        }

    return Tool("jira", "jira", valid, headers)


def request_tracker(secret: bytes, now: datetime) -> Tool:
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def valid(rng: random.Random) -> dict:
        ticket = str(rng.randrange(1, 10**5))
        owner = rng.choice(["alice", "bob", "carol", "Nobody"])
        return {
            "transaction": {
                "id": str(rng.randrange(10**7)),
                "Type": "Set",
                "Field": "Owner",
                "OldValue": "Nobody",
                "NewValue": owner,
                "Created": at,
                "Creator": {"id": "bob"},
                "ObjectType": "RT::Ticket",
                "ObjectId": ticket,
            },
            "ticket": {
                "id": int(ticket),
                "Queue": {"id": "Service Desk"},
                "Owner": {"id": owner},
                "Status": "open",
                "Subject": "VPN drops",
                "Priority": "3",
            },
        }

    def headers(body: bytes, sent: dict) -> dict:
        return {
            "X-Baton-Signature": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json",
        }

    return Tool("rest", "rt", valid, headers)

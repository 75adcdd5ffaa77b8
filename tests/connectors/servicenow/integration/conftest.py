"""ServiceNow over recorded HTTP: one vcrpy cassette per test under tests/connectors/servicenow/cassettes/.

Tests replay only (`record_mode="none"`): no network, no ServiceNow. To record again (after changing what
Baton sends), run `BATON_RECORD_CASSETTES=1 pytest tests/connectors/servicenow/integration`: every test then talks to
an in-memory instance on 127.0.0.1 (fake_instance.py, shaped like the captured payloads) and its cassette
is rewritten. Cassettes show the instance as https://baton-test.service-now.com and carry no credentials
or cookies. What the tool's people do (create, reassign) goes through the Table API too, as themselves,
so it is in the cassette; whatever a test does to the instance directly happens only when recording.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import vcr

from baton_itsm.connectors.servicenow.connector import ServiceNowConnector
from baton_itsm.core.settings.models import ConnectorConfig
from tests.connectors.servicenow.integration.fake_instance import HOST, FakeInstance, sys_id
from tests.connectors.servicenow.integration.fake_server import FakeServer

RECORD = os.environ.get("BATON_RECORD_CASSETTES") == "1"
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"  # tests/connectors/servicenow/cassettes
PASSWORDS = {"baton": "baton-pw", "alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dana": "dana-pw"}
GROUPS = ("Service Desk", "Network")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the instance's clock, and Baton's in the scenarios
ENV = {"SN_USER": "baton", "SN_PASSWORD": PASSWORDS["baton"], "SN_WEBHOOK_SECRET": "webhook-secret"}


def _canonical(request):
    """Cassettes name the instance, never the loopback port the recording ran on."""
    parts, host = urlsplit(request.uri), urlsplit(HOST)
    request.uri = urlunsplit((host.scheme, host.netloc, parts.path, parts.query, parts.fragment))
    return request


def _without_cookies(response):
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() != "set-cookie"}
    return response


RECORDER = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    serializer="yaml",
    filter_headers=["authorization", "cookie"],
    before_record_request=_canonical,
    before_record_response=_without_cookies,
    decode_compressed_response=True,
    match_on=["method", "scheme", "host", "port", "path", "query", "body"],  # the body: a write must be the same
)


@dataclass
class Tool:
    """The instance a test talks to: the stub while recording, the cassette's instance when replaying."""

    url: str
    server: FakeServer | None

    def recording(self, change: Callable[[FakeServer], object]) -> None:
        """Do something to the instance itself (queue an error, expire a password): only while recording."""
        if self.server is not None:
            change(self.server)

    def connector(self, mode: str = "poll", **options) -> ServiceNowConnector:
        config = ConnectorConfig(
            type="servicenow",
            url=self.url,
            account="baton",
            mode=mode,
            auth={"username_env": "SN_USER", "password_env": "SN_PASSWORD"},
            webhook_secret_env="SN_WEBHOOK_SECRET",
            options=options,
        )
        connector = ServiceNowConnector.from_config(instance="sn", config=config, environ=ENV)
        connector.http.sleep = lambda seconds: None  # nobody waits in tests; a test that cares records the waits
        return connector

    def agent(self, name: str) -> Agent:
        return Agent(self, name)


@dataclass
class Agent:
    """Someone working in ServiceNow through the Table API as themselves (what agents do beside Baton)."""

    tool: Tool
    name: str

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        answer = requests.request(
            method,
            f"{self.tool.url}/api/now/table/{path}",
            timeout=10,
            auth=(self.name, PASSWORDS[self.name]),
            headers={"Accept": "application/json"},
            **kwargs,
        )
        answer.raise_for_status()
        return answer

    def create(self, group: str, person: str | None = None, subject: str = "a ticket", **fields) -> str:
        body = {
            "short_description": subject,
            "assignment_group": sys_id("group", group),
            "assigned_to": sys_id("user", person) if person else "",
            "caller_id": sys_id("user", "dana"),
            **fields,
        }
        return self._call("POST", "incident", json=body).json()["result"]["number"]

    def assign(self, number: str, group: str | None = None, person: str | None = "") -> None:
        """Set the group and/or the person (`person=None` clears it; leave it out to keep it)."""
        body = {}
        if group is not None:
            body["assignment_group"] = sys_id("group", group)
        if person != "":
            body["assigned_to"] = sys_id("user", person) if person else ""
        self._call("PATCH", f"incident/{sys_id('incident', number)}", json=body)

    def update(self, number: str, **fields) -> None:
        self._call("PATCH", f"incident/{sys_id('incident', number)}", json=fields)

    def delete(self, number: str) -> None:
        self._call("DELETE", f"incident/{sys_id('incident', number)}")


@pytest.fixture
def tool(request):
    """Per test: its cassette, and (recording only) a fresh instance with the desk's people and groups."""
    name = f"{request.node.name}.yaml"
    if RECORD:
        (CASSETTES / name).unlink(missing_ok=True)  # record mode "all" would append to the old recording
    with RECORDER.use_cassette(name):
        if not RECORD:
            yield Tool(HOST, None)
            return
        instance = FakeInstance(now=START)
        for user, password in PASSWORDS.items():
            instance.add_user(user, password)
        for group in GROUPS:
            instance.add_group(group)
        with FakeServer(instance) as server:
            yield Tool(server.url, server)

"""/healthz and /metrics through HTTP (TestClient) on a real SQLite store: what a monitoring system scrapes."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import App
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.inbox_spool import SpoolWriter
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher
from baton_itsm.core.web import create_app
from tests.integration.test_inbox_spool import payload as spooled_payload

CONFIG = """
groups:
  Service Desk: {members: [alice], managers: [dana]}
"""
SERVICENOW = """
connectors:
  sn:
    type: servicenow
    url: http://127.0.0.1:9
    account: baton
    mode: webhook
    auth: {username_env: OPS_TEST_SN_USER, password_env: OPS_TEST_SN_PASSWORD}
    webhook_secret_env: OPS_TEST_SN_SECRET
"""


def make_app(tmp_path, clock, config: str = CONFIG, url: str | None = None) -> App:
    if url is None:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        upgrade(make_engine(url))
    return App(parse_config(config, "baton.yaml"), None, url, clock)


def serve(app: App) -> TestClient:
    return TestClient(create_app(app), raise_server_exceptions=False)  # a 500 is an answer here, not an exception


class CheckFails:
    """A connector whose check() fails in a way nobody planned for."""

    instance = "odd"

    def check(self) -> str:
        raise KeyError("result")


@pytest.mark.parametrize("broken", ["a connector that cannot be built", "a check that raises", "an unreachable store"])
def test_healthz_answers_503_never_500(tmp_path, clock, broken):
    if broken == "a connector that cannot be built":  # its credentials' variables are not set
        app = make_app(tmp_path, clock, CONFIG + SERVICENOW)
    elif broken == "a check that raises":
        app = make_app(tmp_path, clock)
        app.__dict__["connectors"] = {"odd": CheckFails()}
    else:
        app = make_app(tmp_path, clock, url="postgresql+psycopg://baton@127.0.0.1:9/nothing-listens-here")
    with serve(app) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 503, answer.text
    assert answer.json()["status"] == "failing"
    failing = {**answer.json().get("tools", {}), "store": answer.json().get("store", "")}
    assert any(state.startswith("failing") for state in failing.values())


def test_healthz_is_ok_with_nothing_wrong(tmp_path, clock):
    with serve(make_app(tmp_path, clock)) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {
        "status": "ok",
        "store": "ok",
        "tools": {},
        "deliveries": {"email": "ok"},
    }


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text: str) -> tuple[dict[str, str], dict[tuple[str, tuple], float]]:
    """Prometheus text: the family types, and each sample's value by (name, labels). Fails on what is not valid."""
    types, helps, samples = {}, set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in {"counter", "gauge"} and name not in types, line
            types[name] = kind
        else:
            match = SAMPLE.match(line)
            assert match, f"not a valid sample line: {line!r}"
            name, _, labels, value = match.groups()
            assert name in types and name in helps, f"{name}: a sample before its HELP and TYPE"
            samples[(name, tuple(sorted(LABEL.findall(labels or ""))))] = float(value)
    return types, samples


def test_counters_only_go_up_and_depths_are_gauges(tmp_path, clock):
    app = make_app(tmp_path, clock)
    ticket = TicketKey("rt", "7")
    event = ToolEvent(
        ticket=ticket,
        event_id="txn-1",
        kind=ToolEventKind.CREATED,
        at=clock.now(),
        actor="alice",
        new_holder=Holder("Service Desk", "alice"),
    )
    app.intake.receive("rt", "delivery-1", [event])  # kept, not yet handled
    with app.store.unit_of_work(clock.now()) as uow:
        uow.queue_outgoing("note-1", "tool", {"instance": "rt", "ticket_id": "7", "action": "add-note", "text": "x"})
    with serve(app) as client:
        types, before = parse(client.get("/metrics").text)
        assert app.intake.process_pending().new == 1
        assert OutboxDispatcher(app.store, {"tool": lambda item: None}, clock).run_once().sent == 1
        _, after = parse(client.get("/metrics").text)

    for name, kind in types.items():
        assert (kind == "counter") == name.endswith("_total"), f"{name} is a {kind}"
    went_down = {
        key: (value, after.get(key))
        for key, value in before.items()
        if types[key[0]] == "counter" and after.get(key, -1) < value
    }
    assert not went_down, f"counters went down (or vanished): {went_down}"
    by_name = defaultdict(dict)
    for (name, labels), value in after.items():
        by_name[name][labels] = value
    assert by_name["baton_outbox_sent_total"][(("channel", "tool"),)] == 1
    assert before[("baton_outbox_items", (("channel", "tool"), ("status", "pending")))] == 1
    assert by_name["baton_outbox_items"][(("channel", "tool"), ("status", "sent"))] == 1
    assert (("channel", "tool"), ("status", "pending")) not in by_name["baton_outbox_items"]
    assert before[("baton_inbox_items", (("source", "rt"), ("status", "pending")))] == 1
    assert by_name["baton_inbox_items"] == {(("source", "rt"), ("status", "done")): 1}
    assert by_name["baton_events_total"] == {(("source", "rt"),): 1}


def test_metrics_count_the_deliveries_still_in_the_spool_as_inbox_items_spooled(tmp_path, clock):
    """On SQLite the receiver keeps deliveries in the spool until the workers' process moves them into the inbox:
    a burst's backlog is there, so the inbox gauge says how many wait in it."""
    app = make_app(tmp_path, clock)
    writer = SpoolWriter(app.store)
    writer.write([("rt", f"d{n}", spooled_payload(clock, f"e{n}")) for n in range(3)], clock.now())
    writer.close()
    with serve(app) as client:
        _, before = parse(client.get("/metrics").text)
        assert app.inbox_spool.drain() == 3
        _, after = parse(client.get("/metrics").text)

    assert before[("baton_inbox_items", (("source", "rt"), ("status", "spooled")))] == 3
    assert ("baton_inbox_items", (("source", "rt"), ("status", "spooled"))) not in after
    assert after[("baton_inbox_items", (("source", "rt"), ("status", "pending")))] == 3


def test_metrics_can_ask_for_their_own_token(tmp_path, clock, monkeypatch):
    with serve(make_app(tmp_path, clock)) as client:
        assert client.get("/metrics").status_code == 200, "open while BATON_METRICS_TOKEN is unset"
        monkeypatch.setenv("BATON_METRICS_TOKEN", "scrape-token-0123")
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer sçrape".encode()}).status_code == 401
        good = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123"})
        assert good.status_code == 200 and "baton_timers" in good.text
        assert client.get("/healthz").status_code == 200, "health stays open to the load balancer"

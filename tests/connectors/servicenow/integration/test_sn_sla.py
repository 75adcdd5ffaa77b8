"""SLA-aware escalation on ServiceNow, from a cassette: the connector reads each ticket's task_sla beside it,
the SLA steps fire at their shares (50 % remind, 75 % escalate), once per cycle, and people hear of it by
email on a real SMTP server while the work notes in ServiceNow say what Baton did.

Baton is its own composition root (build_app) on a clock the test moves; the fake instance plays ServiceNow's SLA
engine while recording (it sets the task_sla the engine would have computed; see fake_instance.set_sla).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from baton_itsm.core.app import build_app
from baton_itsm.core.cli.main import cli
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.errors import ToolRefused
from tests.connectors.servicenow.integration.conftest import ENV, START
from tests.connectors.servicenow.integration.test_sn_scenarios import notes_by_baton
from tests.desk import ledger_readers

SD, NETWORK = "Service Desk", "Network"
DESK = """\
ownership: {{model: follows, desk_groups: [Service Desk]}}
groups:
  Service Desk: {{members: [alice, bob], managers: [dana], escalates_to: Network}}
  Network: {{members: [carol], managers: [erin]}}
people:
  alice: {{name: Alice Agent, email: alice@example.com}}
  dana: {{name: Dana Manager, email: dana@example.com}}
  carol: {{name: Carol Agent, email: carol@example.com}}
rules:
  accept_before_reassign: {{mode: revert, triage_groups: [], exempt_groups: []}}
  stale: {{default: {{remind_after: null, escalate_after: null}}}}
  sla:
    steps:
      - {{at: 50, do: remind}}
      - {{at: 75, do: escalate}}
notifications:
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com, from_name: Baton}}
connectors:
  sn:
    type: servicenow
    url: {url}
    account: baton
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
    options: {{table: incident, page_size: 50, read_slas: true}}
"""
ledger, requests_to = ledger_readers("sn")


@pytest.fixture
def baton(tool, tmp_path, monkeypatch, mail_server):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "baton.yaml"
    config.write_text(DESK.format(url=tool.url, smtp_port=mail_server.port))
    app = build_app(str(config), str(tmp_path / "ledger.db"), clock=FixedClock(START))
    app.connectors["sn"].clock = app.clock
    app.connectors["sn"].http.sleep = lambda seconds: None
    app.poller.run_once()  # the first poll only sets the checkpoint
    return app


def later(app, tool, minutes: int) -> None:
    """Time passes for Baton and for the instance alike; due timers fire and what they decided is sent."""
    app.clock.advance(minutes=minutes)
    tool.recording(lambda server: setattr(server.instance, "now", app.clock.now()))
    app.scheduler.tick()
    app.dispatcher.run_once()


def sla_entries(app, number: str) -> list[tuple[str, str]]:
    return [
        (e.outcome, e.source_event_id.rsplit("@", 1)[1])
        for e in ledger(app, number)
        if e.entry_type == "rule" and e.rule == "sla"
    ]


def test_the_tickets_sla_reminds_at_half_and_escalates_at_three_quarters(
    tool, baton, mail_server, tmp_path, monkeypatch
):
    # an 8-hour P2 resolution SLA starts with the ticket; ServiceNow's SLA engine has measured 1 hour of it
    number = tool.agent("alice").create(SD, "alice", "Mail server slow")
    tool.recording(
        lambda server: server.instance.set_sla(
            number, "Priority 2 resolution (8 hour)", started=START, goal=timedelta(hours=8), used=timedelta(hours=1)
        )
    )
    tool.agent("alice").update(number, description="users in building B too")  # the ticket changes: Baton reads it
    assert baton.poller.run_once().ok
    assert sla_entries(baton, number) == []

    # the instance measured at 09:00:01 (its clock ticks a second per write): 50 % is 3 hours after that
    later(baton, tool, 3 * 60 - 1)  # a minute short
    assert sla_entries(baton, number) == []
    later(baton, tool, 2)  # a minute past
    assert sla_entries(baton, number) == [("reminded", "0.5")]
    later(baton, tool, 2 * 60)  # 6 of 8 hours: 75 %
    assert sla_entries(baton, number) == [("reminded", "0.5"), ("escalated", "0.75")]
    (request,) = requests_to(baton, number)
    assert request.to_holder == Holder(NETWORK) and request.by == "rule:sla"

    baton.poller.run_once()  # read again: each step fired once in this cycle, and stays so
    later(baton, tool, 60)
    assert len(sla_entries(baton, number)) == 2

    notes = [n.value for n in notes_by_baton(tool, number)]
    assert any(
        n.startswith("SLA reminder to alice (Service Desk): 50 % of SLA 'Priority 2 resolution (8 hour)'")
        for n in notes
    ), notes
    assert any(n.startswith("SLA escalation: 75 % of SLA 'Priority 2 resolution (8 hour)' used") for n in notes)
    (reminder,) = [m for m in mail_server.to("alice@example.com") if "SLA" in m.message["Subject"]]
    assert "50 % of the SLA used" in reminder.message["Subject"] and "Mail server slow" in reminder.part("plain")
    (escalation,) = [m for m in mail_server.to("dana@example.com") if "SLA" in m.message["Subject"]]
    assert "Escalated: 75 % of the SLA used" in escalation.message["Subject"]
    assert "Baton has asked Network" in escalation.part("plain")
    assert mail_server.to("carol@example.com"), "the Network queue hears of the request"
    # the requester (dana, the caller) was told when to expect news: the SLA's breach, 7 hours after it was read
    (status,) = [m for m in mail_server.to("dana@example.com") if "SLA" not in m.message["Subject"]][:1]
    assert (
        "When to expect news: by Mon 2 Mar 2026, 16:00 UTC (the service level agreed for your ticket)."
        in status.part("plain")
    )

    # the report counts the SLA steps as it counts every rule
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    report = CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "ledger.db"), "report", "--format", "json", "--no-charts", "--out", "out"],
        catch_exceptions=False,
    )
    metrics = json.loads(report.output)
    assert {k: v for k, v in metrics["rule_outcomes"].items() if k.startswith("sla")} == {
        "sla: reminded": 1,
        "sla: escalated": 1,
    }
    assert {"rule": "sla: escalated", "count": 1} in metrics["escalations_by_rule"]


def test_a_paused_sla_waits_and_a_ticket_without_one_has_no_sla_step(tool, baton):
    paused = tool.agent("alice").create(SD, "alice", "Waiting for the user")
    tool.recording(
        lambda server: server.instance.set_sla(
            paused,
            "Priority 3 resolution (2 day)",
            started=START,
            goal=timedelta(hours=16),
            used=timedelta(hours=10),
            paused=True,
        )
    )
    plain = tool.agent("alice").create(SD, "alice", "No SLA on this one")
    tool.agent("alice").update(paused, state="3")  # on hold: ServiceNow pauses the SLA
    assert baton.poller.run_once().ok
    later(baton, tool, 3 * 24 * 60)
    assert sla_entries(baton, paused) == [] and sla_entries(baton, plain) == []
    with baton.store.unit_of_work(baton.clock.now()) as uow:
        assert uow.load_ticket(TicketKey("sn", plain)).holder == Holder(SD, "alice")


def test_check_says_when_baton_may_not_read_task_sla(tool):
    sn = tool.connector(read_slas=True)
    assert sn.check().endswith(" as baton, reading incident and its task_sla")
    tool.recording(lambda server: server.instance.forbidden.add("task_sla"))
    with pytest.raises(ToolRefused, match=r"task_sla: not allowed .*Insufficient rights"):
        sn.check()

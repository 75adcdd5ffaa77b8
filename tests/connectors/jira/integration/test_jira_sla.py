"""SLA-aware escalation on Jira Service Management, from a cassette: issues carry their SLA in a custom field
(the real JSM shape of TACEA-4540's customfield_12151), the connector reads it with every poll, and the steps fire
at 50 % (remind) and 75 % (escalate), once each, with internal notes in Jira and emails on a real SMTP server.
"""

from __future__ import annotations

import json

from baton_itsm.core.app import build_app
from baton_itsm.core.domain.holders import Holder
from tests.connectors.jira.integration.jira_cassettes import CONNECTOR, LOGINS, deployment_options, jira_site
from tests.connectors.jira.integration.test_jira_scenarios import notes_by_baton
from tests.desk import ledger_readers

SLA_FIELD = "customfield_12151"
DEPLOYMENT = """
ownership: {{model: follows, desk_groups: [Service Desk]}}
groups:
  Service Desk: {{members: [alice, bob], managers: [dana], escalates_to: Network}}
  Network: {{members: [carol], managers: [erin]}}
people:
  alice: {{name: Alice Agent, email: alice@example.com}}
  dana: {{name: Dana Manager, email: dana@example.com}}
rules:
  accept_before_reassign: {{mode: revert, triage_groups: [], exempt_groups: []}}
  stale: {{default: {{remind_after: null, escalate_after: null}}}}
  sla: {{steps: [{{at: 50, do: remind}}, {{at: 75, do: escalate}}]}}
notifications:
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com}}
"""
ledger, requests_to = ledger_readers("jira")


def sla_steps(app, ticket: str) -> list[tuple[str, str]]:
    return [
        (e.outcome, e.source_event_id.rsplit("@", 1)[1])
        for e in ledger(app, ticket)
        if e.entry_type == "rule" and e.rule == "sla"
    ]


def later(app, clock, minutes: int) -> None:
    clock.advance(minutes=minutes)
    app.scheduler.tick()
    app.dispatcher.run_once()  # the notices: the tool's notes, and the emails they become
    app.dispatcher.run_once()  # the emails


def test_the_issues_jsm_sla_reminds_at_half_and_escalates_at_three_quarters(
    request, clock, tmp_path, monkeypatch, mail_server
):
    with jira_site(request, clock, "cloud", sla_field=SLA_FIELD) as site:
        login, (_, secret) = next(iter(LOGINS["cloud"].items()))
        monkeypatch.setenv("BATON_JIRA_USER", login)
        monkeypatch.setenv("BATON_JIRA_SECRET", secret)
        config = tmp_path / "baton.yaml"
        config.write_text(
            DEPLOYMENT.format(smtp_port=mail_server.port)
            + CONNECTOR.format(url=site.url, options=json.dumps(deployment_options("cloud", sla_fields=[SLA_FIELD])))
        )
        app = build_app(str(config), str(tmp_path / "ledger.db"), clock=clock)
        app.connectors["jira"].http.sleep = site.waits.append
        app.connectors["jira"].clock = clock  # SLAs are measured when read: on the test's clock
        app.poller.run_once()  # from now on

        clock.advance(minutes=1)
        ticket = site.fake.create("Mail server slow", assignee="alice")  # its 8-hour SLA starts now
        assert app.poller.run_once().ok

        later(app, clock, 4 * 60 - 1)
        assert sla_steps(app, ticket) == []
        later(app, clock, 1)  # 4 of 8 hours: 50 %
        assert sla_steps(app, ticket) == [("reminded", "0.5")]
        app.poller.run_once()  # Baton's note changed the issue: read again, same cycle, nothing fires twice
        later(app, clock, 2 * 60)  # 6 of 8 hours: 75 %
        assert sla_steps(app, ticket) == [("reminded", "0.5"), ("escalated", "0.75")]
        (escalation,) = requests_to(app, ticket)
        assert escalation.to_holder == Holder("Network") and escalation.by == "rule:sla"

        notes = notes_by_baton(site, ticket)
        assert any(
            n.startswith("SLA reminder to alice (Service Desk): 50 % of SLA 'Time to resolution' used") for n in notes
        ), notes
        assert any(n.startswith("SLA escalation: 75 % of SLA 'Time to resolution' used") for n in notes), notes
    (reminder,) = [m for m in mail_server.to("alice@example.com") if "SLA" in m.message["Subject"]]
    assert "50 % of the SLA used" in reminder.message["Subject"]
    (lead,) = [m for m in mail_server.to("dana@example.com") if "SLA" in m.message["Subject"]]
    assert "Baton has asked Network" in lead.part("plain")

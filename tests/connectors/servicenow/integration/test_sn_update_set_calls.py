"""What `baton servicenow update-set` installs calls Baton where Baton answers: its scripts, run under Node with
stand-ins for the Glide APIs, against a running Baton (the ASGI app, its real store and token check).

The business rule's delivery, signed by the rule itself, is accepted by the webhook; the buttons' script include
requests, accepts and declines handoffs through the REST message's methods, with the clicking agent's own token,
and Baton answers each call (never 404). Each REST call is resolved as ServiceNow would: the method's endpoint
from the update set, its ${variables} filled in, its query parameters added.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from baton_itsm.connectors.servicenow.options import ServiceNowOptions
from baton_itsm.connectors.servicenow.update_set import update_set_xml
from baton_itsm.connectors.servicenow.update_set_records import UpdateSetRecords
from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.store.api_tokens import ApiTokens
from baton_itsm.core.web import create_app
from tests.connectors.servicenow.integration.test_sn_webhook_receiver import CONNECTORS
from tests.connectors.servicenow.test_sn_business_rule import HARNESS as RULE_HARNESS
from tests.connectors.servicenow.test_sn_business_rule import REFS, SENT_AT, ticket
from tests.desk import DESK

BATON = "https://baton.example.test"
INCLUDE_HARNESS = Path(__file__).with_name("sn_script_include_harness.js")


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed: the update set's scripts cannot be run here")
    return found


def records_of(xml: str) -> dict[str, list[ET.Element]]:
    """The update set's records by table, each the record element inside its payload."""
    found: dict[str, list[ET.Element]] = {}
    for update in ET.fromstring(xml).findall("sys_update_xml"):
        record = ET.fromstring(update.findtext("payload"))[0]
        found.setdefault(record.tag, []).append(record)
    return found


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The update set's scripts written out, its REST methods, and a running Baton beside the instance."""
    for name, value in {"SN_USER": "baton", "SN_PASSWORD": "pw", "SN_WEBHOOK_SECRET": "webhook-secret"}.items():
        monkeypatch.setenv(name, value)
    xml = update_set_xml("Baton for sn", "test", UpdateSetRecords("sn", BATON, ServiceNowOptions()).all(), SENT_AT)
    records = records_of(xml)
    rule = tmp_path / "rule.js"
    rule.write_text(records["sys_script"][0].findtext("script"))
    include = tmp_path / "include.js"
    include.write_text(records["sys_script_include"][0].findtext("script"))
    methods = {
        fn.findtext("function_name"): (fn.findtext("http_method").upper(), fn.findtext("rest_endpoint"))
        for fn in records["sys_rest_message_fn"]
    }
    (tmp_path / "baton.yaml").write_text(DESK + CONNECTORS)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=FixedClock(SENT_AT))
    app.connectors["sn"].clock = FixedClock(SENT_AT)
    with TestClient(create_app(app)) as client:
        yield Installed(app, client, rule, include, methods)


class Installed:
    def __init__(self, app, client, rule: Path, include: Path, methods: dict):
        self.app, self.client, self.rule, self.include, self.methods = app, client, rule, include, methods

    def send(self, call: dict):
        """One REST call as ServiceNow makes it from the REST message method the script named."""
        verb, endpoint = self.methods[call["method"]]
        for name, value in call["variables"].items():
            endpoint = endpoint.replace("${" + name + "}", value)
        assert "${" not in endpoint, f"{call['method']}: a variable the script did not set: {endpoint}"
        assert endpoint.startswith(BATON)
        path = urlsplit(endpoint).path + (f"?{urlencode(call['query'])}" if call["query"] else "")
        return self.client.request(verb, path, headers=call["headers"], content=call["body"])

    def rule_delivers(self, operation: str, current: dict, previous: dict | None, user: str) -> dict:
        spec = {
            "table": "incident",
            "operation": operation,
            "current": current,
            "previous": previous,
            "refs": REFS,
            "guid": f"{operation}0c2ad7b84d5fa0c3e6b9d1a2f4c8"[:32],
            "user": user,
            "secret": "webhook-secret",
            "now_ms": int(SENT_AT.timestamp() * 1000),
        }
        sent = json.loads(
            subprocess.run(
                [node(), str(RULE_HARNESS), str(self.rule), json.dumps(spec)],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
        )
        assert sent["message"] == ["Baton", "post_holder_change"]
        return self.send(
            {
                "method": "post_holder_change",
                "variables": {},
                "query": {},
                "headers": sent["headers"],
                "body": sent["body"],
            }
        )

    def click(self, person: str, groups: list[str], call: str, args: list | None = None, **parameters) -> tuple:
        """A button's server side as `person` (with their Baton token): (its answer, Baton's answers)."""
        token = ApiTokens(self.app.store).create(person, SENT_AT).token
        answers, statuses = [], []
        while True:  # each run stops at the first call not answered yet; Baton answers it; run again
            spec = {
                "call": call,
                "args": args or [],
                "user": person,
                "groups": groups,
                "answers": answers,
                "preferences": {"baton.api_token": token},
                "parameters": parameters,
            }
            ran = json.loads(
                subprocess.run(
                    [node(), str(INCLUDE_HARNESS), str(self.include), json.dumps(spec)],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=True,
                ).stdout
            )
            if ran["done"]:
                return ran["result"], statuses
            call_made = ran["calls"][-1]
            assert call_made["headers"]["Authorization"] == f"Bearer {token}"
            answer = self.send(call_made)
            statuses.append((call_made["method"], answer.status_code))
            answers.append({"status": answer.status_code, "body": answer.text})


def test_the_rules_deliveries_are_accepted_and_the_buttons_request_accept_and_decline(installed):
    created = installed.rule_delivers("insert", ticket(assigned_to="u1"), None, user="dana")
    assert (created.status_code, created.json()["outcome"]) == (200, "accepted")
    installed.app.intake.process_pending()

    result, calls = installed.click(
        "alice",
        ["Service Desk"],
        "requestHandoff",
        sysparm_number="INC0010001",
        sysparm_to="Network",
        sysparm_reason="the VPN concentrator",
        sysparm_summary="",
    )
    assert calls == [("request_handoff", 201)] and json.loads(result)["ok"], result

    # carol is in Network: the Accept button shows for her, and not for bob (not in Network, not named)
    shown, _ = installed.click("carol", ["Service Desk", "Network"], "waitingFor", ["INC0010001"])
    hidden, calls = installed.click("bob", ["Service Desk"], "waitingFor", ["INC0010001"])
    assert shown and hidden == "" and calls == [("pending_handoffs", 200)]

    result, calls = installed.click("carol", ["Service Desk", "Network"], "acceptHandoff", sysparm_number="INC0010001")
    assert calls == [("pending_handoffs", 200), ("accept_handoff", 200)] and json.loads(result)["ok"], result
    key = TicketKey("sn", "INC0010001")
    accepted = [e.event for e in installed.app.handoffs.ledger(key) if e.event.entry_type == "accepted"]
    assert accepted and accepted[0].by == "carol" and accepted[0].handoff_id == shown

    installed.click(
        "alice",
        ["Service Desk"],
        "requestHandoff",
        sysparm_number="INC0010001",
        sysparm_to="Network",
        sysparm_reason="again",
        sysparm_summary="",
    )
    result, calls = installed.click(
        "carol", ["Network"], "declineHandoff", sysparm_number="INC0010001", sysparm_reason="not a network fault"
    )
    assert calls == [("pending_handoffs", 200), ("decline_handoff", 200)] and json.loads(result)["ok"], result
    declined = [e.event for e in installed.app.handoffs.ledger(key) if e.event.entry_type == "declined"]
    assert declined[0].by == "carol" and declined[0].reason == "not a network fault"


def test_baton_refusing_a_button_is_shown_in_batons_words(installed):
    installed.rule_delivers("insert", ticket(assigned_to="u1"), None, user="dana")
    installed.app.intake.process_pending()
    result, calls = installed.click(
        "alice",
        ["Service Desk"],
        "requestHandoff",
        sysparm_number="INC0010001",
        sysparm_to="Nowhere",
        sysparm_reason="x",
        sysparm_summary="",
    )
    said = json.loads(result)
    assert calls[0][0] == "request_handoff" and calls[0][1] not in (201, 404)
    assert not said["ok"] and said["message"].startswith(f"Baton answered {calls[0][1]}: ")


def test_a_holder_change_by_the_rule_is_taken_as_that_change(installed):
    installed.rule_delivers("insert", ticket(assigned_to="u1"), None, user="dana")
    moved = installed.rule_delivers("update", ticket(assigned_to="u3"), ticket(assigned_to="u1"), user="bob")
    assert (moved.status_code, moved.json()["outcome"]) == (200, "accepted")
    installed.app.intake.process_pending()
    held = installed.app.handoffs.ledger(TicketKey("sn", "INC0010001"))
    assert any(getattr(e.event, "to_holder", None) == Holder("Service Desk", "carol") for e in held)

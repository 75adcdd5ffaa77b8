"""The model-based test of issue 15 on ServiceNow: the fake instance live on loopback (not a cassette), agents
writing through the Table API as themselves, Baton built by its composition root on a SQLite ledger.

See tests/integration/model_run.py for the run and the invariants, protocol_model.py for the prediction.
"""

from __future__ import annotations

import random
from datetime import datetime

import requests

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder
from tests.connectors.servicenow.integration.conftest import START
from tests.connectors.servicenow.integration.fake_instance import FakeInstance, sys_id
from tests.connectors.servicenow.integration.fake_server import FakeServer
from tests.connectors.servicenow.integration.test_sn_scenarios import CONNECTOR
from tests.integration.model_run import KEEP, Change, play_and_check
from tests.integration.protocol_model import DEPLOYMENT, NET, PEOPLE, REFUSED_ASSIGNEE, SD

STATES = ("1", "2", "3", "6", "2")  # New, In Progress, On Hold, Resolved, and reopened
RESOLVED = "6"
RESTRICTED = "Restricted"  # a read ACL hides its incidents from Baton's account


class ServiceNowDriver:
    instance = "sn"

    def __init__(self, fake: FakeInstance, url: str):
        self.fake, self.url = fake, url
        self.groups = {sys_id("group", g): g for g in (SD, NET, RESTRICTED)}
        self.users = {sys_id("user", p): p for p in [*PEOPLE, "baton"]}

    def _call(self, method: str, path: str, by: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}/api/now/table/{path}",
            timeout=10,
            auth=(by, f"{by}-pw"),
            headers={"Accept": "application/json"},
            **kwargs,
        )

    def _record(self, number: str) -> dict | None:
        return next((r for r in self.fake.tables["incident"].values() if r["number"] == number), None)

    def now(self) -> datetime:
        return self.fake.now

    def before_act(self) -> None:
        pass

    def before_cycle(self, app) -> None:
        app.clock.set(self.fake.now)

    def create(self, holder: Holder, by: str) -> str:
        body = {
            "short_description": "model ticket",
            "assignment_group": sys_id("group", holder.group),
            "assigned_to": sys_id("user", holder.person) if holder.person else "",
            "caller_id": sys_id("user", "dana"),
        }
        answer = self._call("POST", "incident", by, json=body)
        answer.raise_for_status()
        return answer.json()["result"]["number"]

    def write(self, ticket: str, by: str, group: str | None, person) -> bool:
        body = {}
        if group is not None:
            body["assignment_group"] = sys_id("group", group)
        if person != KEEP:
            body["assigned_to"] = sys_id("user", person) if person else ""
        answer = self._call("PATCH", f"incident/{sys_id('incident', ticket)}", by, json=body)
        if answer.status_code == 403:
            return False
        answer.raise_for_status()
        return True

    def set_status(self, ticket: str, by: str, rng: random.Random) -> bool:
        state = rng.choice(STATES)
        self._call("PATCH", f"incident/{sys_id('incident', ticket)}", by, json={"state": state}).raise_for_status()
        return state == RESOLVED

    def comment(self, ticket: str, by: str, text: str) -> None:
        self._call("PATCH", f"incident/{sys_id('incident', ticket)}", by, json={"comments": text}).raise_for_status()

    def hide(self, ticket: str, by: str) -> None:
        self.write(ticket, by, RESTRICTED, KEEP)

    def delete(self, ticket: str, by: str) -> None:
        self._call("DELETE", f"incident/{sys_id('incident', ticket)}", by).raise_for_status()

    def holder(self, ticket: str) -> Holder | None:
        record = self._record(ticket)
        if record is None or not record["assignment_group"]:
            return None
        return Holder(self.groups[record["assignment_group"]], self.users.get(record["assigned_to"]))

    def history(self, ticket: str) -> list[Change]:
        """The instance's own sys_audit rows of the incident, one change per update (record_checkpoint)."""
        sid = sys_id("incident", ticket)
        rows = [r for r in self.fake.tables["sys_audit"].values() if r["documentkey"] == sid]
        updates: dict[int, list[dict]] = {}
        for row in rows:
            updates.setdefault(int(row["record_checkpoint"]), []).append(row)
        changes, group, person = [], None, None
        first = sorted(updates.items())
        if first:  # the holder at creation: the values before the first audited update of each field
            olds = {}
            for _, batch in first:
                for row in batch:
                    olds.setdefault(row["fieldname"], row["oldvalue"])
            group, person = olds.get("assignment_group"), olds.get("assigned_to")
        record = self._record(ticket)
        group = group if group is not None else (record or {}).get("assignment_group")
        person = person if person is not None else (record or {}).get("assigned_to")
        for _, batch in first:
            before = self._holder(group, person)
            for row in batch:
                if row["fieldname"] == "assignment_group":
                    group = row["newvalue"]
                else:
                    person = row["newvalue"]
            changes.append(
                Change(
                    batch[0]["user"],
                    datetime.strptime(batch[0]["sys_created_on"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=START.tzinfo),
                    before,
                    self._holder(group, person),
                )
            )
        return changes

    def _holder(self, group: str | None, person: str | None) -> Holder | None:
        return Holder(self.groups[group], self.users.get(person or "")) if group else None

    def notes_by_baton(self, ticket: str) -> list[str]:
        sid = sys_id("incident", ticket)
        return [
            j["value"]
            for j in sorted(self.fake.tables["sys_journal_field"].values(), key=lambda j: j["sys_created_on"])
            if j["element_id"] == sid and j["element"] == "work_notes" and j["sys_created_by"] == "baton"
        ]


def test_baton_and_servicenow_agree_after_a_random_day_of_handoffs(tmp_path, monkeypatch):
    fake = FakeInstance(now=START)
    for person in [*PEOPLE, "baton"]:
        fake.add_user(person, f"{person}-pw")
    for group in (SD, NET, RESTRICTED):
        fake.add_group(group)
    fake.refused_assignees.add(REFUSED_ASSIGNEE)
    fake.hidden_groups["baton"] = {RESTRICTED}
    monkeypatch.setenv("SN_USER", "baton")
    monkeypatch.setenv("SN_PASSWORD", "baton-pw")
    with FakeServer(fake) as server:
        config = tmp_path / "baton.yaml"
        config.write_text(DEPLOYMENT + CONNECTOR.format(url=server.url))
        app = build_app(str(config), str(tmp_path / "ledger.db"), clock=FixedClock(START))
        app.connectors["sn"].clock = app.clock
        app.connectors["sn"].http.sleep = lambda seconds: None
        play_and_check(ServiceNowDriver(fake, server.url), app)

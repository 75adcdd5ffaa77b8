"""The model-based test of issue 15 on Jira (Cloud and Data Center): the fake Jira live on loopback (not a
cassette), agents changing issues in it as themselves, Baton built by its composition root on a SQLite ledger.
The group is the issue's component, as in the Jira scenarios.

See tests/integration/model_run.py for the run and the invariants, protocol_model.py for the prediction.
"""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest

from baton_itsm.connectors.jira.mapping import parse_time
from baton_itsm.core.app import build_app
from baton_itsm.core.domain.holders import Holder
from tests.connectors.jira.integration.jira_cassettes import CONNECTOR, LOGINS, STANDIN
from tests.connectors.jira.integration.jira_fake import FakeJira
from tests.connectors.jira.integration.jira_shapes import account_id
from tests.integration.model_run import KEEP, Change, play_and_check
from tests.integration.protocol_model import DEPLOYMENT, PEOPLE, REFUSED_ASSIGNEE

EVERYONE = [*PEOPLE, "baton", "rita"]
STATUSES = ("Waiting for support", "In Progress", "Done")


class JiraDriver:
    instance = "jira"
    comment_commands = True  # Baton reads `/baton accept|decline ID` in internal comments

    def __init__(self, fake: FakeJira, clock):
        self.fake, self.clock = fake, clock
        self.created: dict[str, Holder] = {}

    def _person(self, ref: dict | None) -> str | None:
        if not ref:
            return None
        field = "accountId" if self.fake.cloud else "name"
        return next(p for p, u in self.fake.users.items() if u.get(field) == ref.get(field))

    def _person_by_id(self, jira_id: str | None) -> str | None:
        field = "accountId" if self.fake.cloud else "key"
        return next((p for p, u in self.fake.users.items() if u.get(field) == jira_id), None) if jira_id else None

    def now(self) -> datetime:
        return self.clock.now()

    def before_act(self) -> None:
        self.clock.advance(minutes=1)  # people take a moment; Jira's times then tell their changes apart

    def before_cycle(self, app) -> None:
        pass  # Baton and Jira share the test's clock

    def create(self, holder: Holder, by: str) -> str:
        ticket = self.fake.create("model ticket", component=holder.group, assignee=holder.person, by=by)
        self.created[ticket] = holder
        return ticket

    def write(self, ticket: str, by: str, group: str | None, person) -> bool:
        if person != KEEP and self.fake.refusal(person) is not None:
            return False  # what Jira answers the edit: 400, nothing written
        if group is not None:
            self.fake.move(ticket, group, by=by, assignee=person)
        else:
            self.fake.assign(ticket, person, by=by)
        return True

    def set_status(self, ticket: str, by: str, rng: random.Random) -> bool:
        issue = self.fake.issues[ticket]
        status = rng.choice([s for s in STATUSES if s != issue.status])
        self.fake.transition(ticket, status, by=by)
        return status == "Done"

    def comment(self, ticket: str, by: str, text: str) -> None:
        self.fake.comment(ticket, text, by=by, public=False)

    def delete(self, ticket: str, by: str) -> None:
        self.fake.delete(ticket)

    def holder(self, ticket: str) -> Holder | None:
        issue = self.fake.issues.get(ticket)
        return Holder(issue.component, issue.assignee) if issue and issue.component else None

    def history(self, ticket: str) -> list[Change]:
        """Jira's own changelog of the issue: one history per edit, its Component and assignee items."""
        issue = self.fake.issues.get(ticket)
        if issue is None:
            return []
        holder, changes = self.created[ticket], []
        for history in issue.histories:
            group, person = holder.group, holder.person
            touched = False
            for item in history["items"]:
                if item["field"] == "Component":
                    touched = True
                    group = item["toString"] or (None if item["fromString"] == group else group)
                elif item["field"] == "assignee":
                    touched, person = True, self._person_by_id(item["to"])
            if touched:
                after = Holder(group, person) if group else None
                changes.append(Change(self._person(history["author"]), parse_time(history["created"]), holder, after))
                holder = after
        return changes

    def notes_by_baton(self, ticket: str) -> list[str]:
        issue = self.fake.issues.get(ticket)
        return [
            c["body"]
            for c in (issue.comments if issue else [])
            if self._person(c["author"]) == "baton" and c["jsdPublic"] is False
        ]


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_baton_and_jira_agree_after_a_random_day_of_handoffs(flavour, clock, tmp_path, monkeypatch):
    cloud = flavour == "cloud"
    fake = FakeJira(clock, cloud=cloud, public_url=STANDIN, zone="UTC", logins=LOGINS[flavour], people=EVERYONE)
    fake.unassignable.add(REFUSED_ASSIGNEE)
    login, (_, secret) = next(iter(LOGINS[flavour].items()))
    monkeypatch.setenv("BATON_JIRA_USER", login)
    monkeypatch.setenv("BATON_JIRA_SECRET", secret)
    options = {
        "deployment": flavour,
        "projects": ["SD"],
        "group_field": {"SD": {"field": "components"}},
        "timezone": "UTC",
        **({"users": {p: account_id(p) for p in EVERYONE}} if cloud else {}),
    }
    with fake.serve() as server:
        config = tmp_path / "baton.yaml"
        config.write_text(DEPLOYMENT + CONNECTOR.format(url=server.url, options=json.dumps(options)))
        app = build_app(str(config), str(tmp_path / "ledger.db"), clock=clock)
        app.connectors["jira"].http.sleep = lambda seconds: None
        play_and_check(JiraDriver(fake, clock), app)

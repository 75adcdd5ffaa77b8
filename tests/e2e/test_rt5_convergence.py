"""Issue 15 on a real Request Tracker 5: Baton's ledger agrees with RT after what agents really do.

Agents act in RT through REST2 with their own accounts, several fields at once; every test asserts Baton's own
state (ledger, notes, emails) against RT's, not only RT's end state. Each numbered test is the regression test of
the numbered problem of the issue and failed on the code before its fix.
"""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from baton_itsm.core.app import build_app
from baton_itsm.core.cli.main import cli
from baton_itsm.core.clock import FixedClock, SystemClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.store.schema import outbox
from tests.e2e import rt5
from tests.e2e.model_run import write_deployment
from tests.e2e.rt5 import Person, holder_in_rt
from tests.mail import MailServer

SD, NETWORK, RESTRICTED = "Service Desk", "Network", "Restricted"
alice, bob, carol, dana, erin, root = (Person(n) for n in ("alice", "bob", "carol", "dana", "erin", "root"))
REQUESTER = "Jo Bloggs <jo.bloggs@example.test>"

# The desk of the issue (tests/e2e/model_run.py): Service Desk {alice, bob; lead dana}, Network {carol; lead erin}.
# dave is in Network as Baton knows it, but RT refuses him as an owner: an accept by dave is a write RT refuses.


@pytest.fixture
def desk(rt, tmp_path, monkeypatch, mail):
    """Baton on the issue's desk beside the freshly reset RT, watching from now on; returns a Desk."""
    monkeypatch.setenv("BATON_E2E_RT_USER", "baton")
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", rt5.PASSWORDS["baton"])
    monkeypatch.setenv("BATON_LINK_SECRET", "e2e-link-secret-0123456789abcdef")
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER"):
        monkeypatch.delenv(var, raising=False)
    config, db = write_deployment(tmp_path, mail.port)
    return Desk(config, db, mail)


class Desk:
    def __init__(self, config: str, db: str, mail: MailServer, start: bool = True):
        self.config, self.db, self.mail = config, db, mail
        self.app = build_app(config, db, clock=FixedClock(SystemClock().now()))
        if start:
            self.app.poller.run_once()  # the first poll only finds where RT is now

    def cycle(self, times: int = 2):
        """Poll and dispatch; a minute passes between cycles (past retry backoff), so emails go out too."""
        report = None
        for _ in range(times):
            report = self.app.poller.run_once()
            self.app.clock.advance(minutes=1)
        return report

    def baton(self, *args: str):
        return CliRunner().invoke(cli, ["--config", self.config, "--db", self.db, *args], catch_exceptions=False)

    def ticket(self, ticket_id: str):
        with self.app.store.unit_of_work(self.app.clock.now()) as uow:
            return uow.load_ticket(TicketKey("rt", ticket_id))

    def entries(self, ticket_id: str) -> list:
        return [entry.event for entry in self.app.handoffs.ledger(TicketKey("rt", ticket_id))]

    def types(self, ticket_id: str) -> list[str]:
        return [e.entry_type if e.entry_type != "rule" else f"rule:{e.outcome}" for e in self.entries(ticket_id)]

    def requests(self, ticket_id: str) -> list:
        return [e for e in self.entries(ticket_id) if e.entry_type == "requested"]

    def outbox_rows(self, status: str | None = None) -> list:
        query = outbox.select()
        if status:
            query = query.where(outbox.c.status == status)
        with self.app.store.engine.connect() as connection:
            return list(connection.execute(query))

    def emails_to(self, address: str) -> list:
        return [m for m in self.mail.received if address in m.envelope_to]

    def agrees_with_rt(self, ticket_id: str) -> None:
        queue, owner = holder_in_rt(ticket_id)
        rt_holder = Holder(queue, None if owner == "Nobody" else owner)
        ledger = self.ticket(ticket_id)
        assert ledger.holder == rt_holder, (
            f"ledger {ledger.holder} != RT {rt_holder} for rt:{ticket_id}\nRT: {rt_changes(ticket_id)}\n"
            f"ledger: {self.types(ticket_id)}"
        )


def rt_changes(ticket_id: str) -> list[tuple]:
    return [
        (t["id"], t["Type"], t.get("Field"), t.get("OldValue"), t.get("NewValue"), t["Creator"]["id"])
        for t in root.history(ticket_id)
        if t["Type"] in ("Create", "Set", "Status")
    ]


def notes_by_baton(ticket_id: str) -> list[str]:
    return [
        root.content(t["id"])
        for t in root.history(ticket_id)
        if t["Type"] == "Comment" and t["Creator"]["id"] == "baton"
    ]


def create(queue: str, subject: str, owner: str | None = None) -> str:
    body = {
        "Queue": queue,
        "Subject": subject,
        "Requestor": REQUESTER,
        "Content": subject,
        "ContentType": "text/plain",
        **({"Owner": owner} if owner else {}),
    }
    return str(root._call("POST", "/ticket", json=body).json()["id"])


def pushed_to_network(desk: Desk, subject: str) -> tuple[str, object]:
    """A ticket alice holds, pushed by bob to the Network queue in RT: reverted, and a request to Network."""
    ticket = create(SD, subject, owner="alice")
    desk.cycle()
    bob.update(ticket, Queue=NETWORK)
    desk.cycle()
    (request,) = desk.requests(ticket)
    return ticket, request


def status_lines(received) -> dict[str, str]:
    text = received.part("plain")
    return {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if ":" in line
        and line.split(":", 1)[0].strip() in ("Team", "Person working on it", "Your contact", "What is pending")
    }


# --- 1. one action, two changes -------------------------------------------------------------------------------------
def test_1_one_put_of_queue_and_owner_is_one_push_one_request_one_note_and_the_ledger_follows_rt(desk):
    ticket = create(SD, "Printer on fire", owner="alice")
    desk.cycle()
    bob.update(ticket, Queue=NETWORK, Owner="carol")  # one PUT: RT records Owner, then Queue
    polled = desk.baton("poll", "--once", "rt")

    assert polled.exit_code == 0, polled.output
    assert desk.types(ticket).count("rule:reverted") == 1
    (request,) = desk.requests(ticket)
    assert request.to_holder == Holder(NETWORK)  # queue-first: the Network queue, not carol
    (note,) = notes_by_baton(ticket)
    assert request.handoff_id in note and "the Network queue" in note and "Network/carol" in note
    assert desk.outbox_rows("failed") == []
    desk.cycle()
    assert holder_in_rt(ticket) == (SD, "alice")
    desk.agrees_with_rt(ticket)
    assert desk.ticket(ticket).bounces == 0, "a push Baton put back is no change of hands"

    # carol accepts; Baton writes queue and owner (two transactions again), recorded as one holder: Network/carol
    assert desk.baton("handoff", "accept", request.handoff_id, "--by", "carol").exit_code == 0
    desk.cycle()
    assert holder_in_rt(ticket) == (NETWORK, "carol")
    desk.agrees_with_rt(ticket)
    assert Holder(SD, "carol") not in desk.ticket(ticket).holders, "the in-between holder nobody chose"
    assert desk.ticket(ticket).bounces == 1

    # carol gives it back to her own queue: a release, not a push into Service Desk
    carol.untake(ticket)
    desk.cycle()
    assert holder_in_rt(ticket) == (NETWORK, "Nobody")
    desk.agrees_with_rt(ticket)
    assert len(desk.requests(ticket)) == 1

    # Network's lead moves a ticket in her own queue to carol: a force, done in RT as she did it
    erin.update(ticket, Owner="carol")
    desk.cycle()
    assert holder_in_rt(ticket) == (NETWORK, "carol") and "forced" in desk.types(ticket)
    desk.agrees_with_rt(ticket)

    # the requester heard the truth: the Network team and carol, never "Service Desk (Carol Agent)"
    desk.cycle()  # the last change's email goes out
    updates = desk.emails_to("jo.bloggs@example.test")
    assert updates, "the requester is told of every ownership change"
    assert all("Service Desk (Carol" not in m.part("plain") for m in updates)
    assert status_lines(updates[-1])["Team"] == NETWORK
    assert status_lines(updates[-1])["Person working on it"] == "Carol Agent"


# --- 2. a fresh ledger replays history ------------------------------------------------------------------------------
def test_2_a_fresh_ledger_starts_from_rts_present_even_when_the_newest_change_is_hidden_from_baton(desk):
    old = create(SD, "Settled long ago", owner="alice")
    bob.update(old, Owner="carol")  # a push made before Baton was there: history, not Baton's business
    for number in range(3):  # the newest changes are in a queue Baton's account cannot see
        alice.update(create(RESTRICTED, f"HR case {number}"), Status="open")
    fresh = Desk(desk.config, desk.db + ".fresh", desk.mail, start=False)
    first = fresh.app.poller.run_once()

    assert first.polls[0].after not in (None, "0"), first.polls[0]
    fresh.cycle()
    assert fresh.entries(old) == [] and notes_by_baton(old) == [] and desk.mail.received == []
    assert holder_in_rt(old) == (SD, "carol")


# --- 3. failures are silent and the ledger says otherwise -----------------------------------------------------------
def test_3_a_write_rt_refuses_is_recorded_noted_emailed_logged_and_the_ledger_follows_rt(desk, caplog):
    ticket, request = pushed_to_network(desk, "Switch port dead")
    assert desk.baton("handoff", "accept", request.handoff_id, "--by", "dave").exit_code == 0  # dave: RT says no
    with caplog.at_level(logging.ERROR, logger="baton_itsm"):
        polled = desk.baton("poll", "--once", "rt")
    desk.cycle()

    assert polled.exit_code == 0, "a failure Baton recorded and told is no polling failure"
    (failed,) = [e for e in desk.entries(ticket) if e.entry_type == "action-failed"]
    assert failed.action == "apply" and "dave" in failed.reason and failed.handoff_id == request.handoff_id
    assert any("failed for good" in r.getMessage() and request.handoff_id in r.getMessage() for r in caplog.records)
    assert any("could not move the ticket" in n and request.handoff_id in n for n in notes_by_baton(ticket))
    for address in ("dave@example.test", "erin@example.test"):  # the one who accepted, and Network's lead
        assert any("could not" in m.message["Subject"] for m in desk.emails_to(address)), address
    desk.agrees_with_rt(ticket)
    assert [r.idempotency_key for r in desk.outbox_rows("failed")] == [f"apply:rt:{ticket}:{request.handoff_id}"]


def test_3_a_revert_made_moot_by_the_holder_taking_the_ticket_back_posts_no_put_back_note(desk):
    ticket = create(SD, "Laptop battery", owner="alice")
    desk.cycle()
    bob.update(ticket, Owner="carol")
    desk.app.poller.poll("rt")  # the push is read and its revert decided, not yet done
    alice.steal(ticket)  # alice takes it back herself before Baton writes
    desk.cycle(3)

    assert holder_in_rt(ticket) == (SD, "alice")
    desk.agrees_with_rt(ticket)
    assert not any("put this ticket back" in n for n in notes_by_baton(ticket)), "Baton did not put it back"


# --- 4. requests dropped silently -----------------------------------------------------------------------------------
def test_4_a_push_to_someone_outside_the_group_asks_the_groups_queue_and_the_request_exists(desk):
    ticket = create(SD, "Mailbox full", owner="alice")
    desk.cycle()
    bob.update(ticket, Owner="erin")  # erin may own tickets in RT, but is no member of Service Desk in Baton
    desk.cycle()

    (request,) = desk.requests(ticket)
    assert request.to_holder == Holder(SD)
    (note,) = notes_by_baton(ticket)
    assert request.handoff_id in note and "the Service Desk queue" in note
    accepted = desk.baton("handoff", "accept", request.handoff_id, "--by", "bob")
    assert accepted.exit_code == 0, accepted.output
    desk.cycle()
    assert holder_in_rt(ticket) == (SD, "bob")
    desk.agrees_with_rt(ticket)


# --- 5. notes that mislead ------------------------------------------------------------------------------------------
def test_5_each_decision_is_noted_once_naming_the_real_receiver_and_a_withdrawn_request_tells_its_receiver(desk):
    ticket = create(SD, "VPN drops", owner="alice")
    desk.cycle()
    bob.update(ticket, Queue=NETWORK, Owner="carol")
    desk.app.poller.poll("rt")
    first = desk.requests(ticket)[0]
    desk.app.poller.run_once()  # reverted, and carol asked to accept
    bob.update(ticket, Owner="bob")  # bob pushes again, to himself in Service Desk: that is a pull...
    desk.cycle()
    desk.baton("handoff", "withdraw", first.handoff_id, "--by", "bob")  # ...and he withdraws his request
    desk.cycle()

    notes = notes_by_baton(ticket)
    assert sum("Baton put this ticket back" in n for n in notes) == 1
    assert sum(f"{first.handoff_id} to the Network queue was withdrawn" in n for n in notes) == 1
    assert all(h in desk.ticket(ticket).handoffs for n in notes for h in _handoff_ids(n))
    withdrawn = [m for m in desk.emails_to("carol@example.test") if "withdrawn" in m.message["Subject"]]
    assert len(withdrawn) == 1 and first.handoff_id in withdrawn[0].part("plain")
    desk.agrees_with_rt(ticket)


def test_5_an_expired_request_is_noted_in_the_ticket(desk):
    ticket, request = pushed_to_network(desk, "Printer jam")
    desk.app.clock.advance(hours=3)  # past the acceptance timeout (60 business minutes, always open)
    desk.app.scheduler.tick()
    desk.cycle()

    notes = notes_by_baton(ticket)
    assert any(f"{request.handoff_id} to the Network queue expired" in n for n in notes), notes


# --- 6. edge cases --------------------------------------------------------------------------------------------------
def test_6_an_owner_moving_her_own_ticket_to_a_group_not_hers_asks_that_group(desk):
    ticket = create(SD, "Firewall rule", owner="alice")
    desk.cycle()
    alice.update(ticket, Queue=NETWORK)  # alice stays the owner
    desk.cycle()

    (request,) = desk.requests(ticket)
    assert request.to_holder == Holder(NETWORK)
    assert holder_in_rt(ticket) == (SD, "alice")
    desk.agrees_with_rt(ticket)


def test_6_a_deleted_ticket_loses_its_open_request_and_cannot_be_moved(desk):
    ticket, request = pushed_to_network(desk, "Duplicate of 12")
    root.update(ticket, Status="deleted")
    desk.cycle()

    assert desk.ticket(ticket).open_handoff() is None and desk.ticket(ticket).lost == "deleted"
    accepted = desk.baton("handoff", "accept", request.handoff_id, "--by", "carol")
    assert accepted.exit_code != 0 and "deleted" in accepted.output + accepted.stderr
    assert holder_in_rt(ticket) == (SD, "alice")


def test_6_a_ticket_moved_where_baton_cannot_see_loses_its_request(desk):
    ticket, _ = pushed_to_network(desk, "Payroll question")
    alice.update(ticket, Queue=RESTRICTED)  # HR's queue: Baton's account has no rights there
    desk.cycle()

    assert desk.ticket(ticket).open_handoff() is None and desk.ticket(ticket).lost == "hidden"
    assert any(e.entry_type == "ticket-lost" for e in desk.entries(ticket))


def test_6_after_a_pull_the_requester_email_names_the_person_and_greets_them_by_name(desk):
    ticket = create(NETWORK, "Wi-Fi in room 4")
    desk.cycle(3)
    carol.take(ticket)
    desk.cycle(3)

    created, update = desk.emails_to("jo.bloggs@example.test")
    assert status_lines(created)["Person working on it"].startswith("no one yet")
    text = update.part("plain")
    assert text.startswith("Hello Jo Bloggs,")
    assert status_lines(update)["Team"] == NETWORK and status_lines(update)["Person working on it"] == "Carol Agent"
    assert "no one person owns" not in text and "no one yet" not in text


def test_6_the_analyst_who_escalated_hears_what_the_resolver_wrote_when_resolving(desk):
    ticket = create(SD, "Switch port flaps", owner="alice")
    desk.cycle()
    asked = desk.baton(
        "handoff",
        "request",
        f"rt:{ticket}",
        "--to",
        NETWORK,
        "--by",
        "alice",
        "--kind",
        "technical",
        "--reason",
        "port flaps",
        "--summary",
        "re-patched",
    )
    assert asked.exit_code == 0, asked.output
    (request,) = desk.requests(ticket)
    desk.baton("handoff", "accept", request.handoff_id, "--by", "carol")
    desk.cycle()
    carol._call(
        "POST",
        f"/ticket/{ticket}/correspond",
        json={"Content": "Replaced the SFP module on port 12.", "ContentType": "text/plain"},
    )
    carol.update(ticket, Status="resolved")
    desk.cycle()

    (report,) = [m for m in desk.emails_to("alice@example.test") if "Replaced the SFP module" in m.part("plain")]
    assert "no resolution note" not in report.part("plain")


def _handoff_ids(note: str) -> list[str]:
    import re

    return re.findall(r"\b[0-9a-f]{12}\b", note)

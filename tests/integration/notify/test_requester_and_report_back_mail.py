"""Through the engine, the store and a real SMTP server: the requester's email after a queue+owner push that
was accepted, greeted by the tool's name for them; and the report-back quoting the resolver's reply.

Tool events go in through the intake (as a poller hands them over), so the facts they carry (the requester's
name, each author's latest reply) are saved and read back by the store, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from baton_itsm.core.domain.commands import AcceptHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.facts import PUBLIC, VISIBILITY

REQUESTER = "jo.bloggs@example.test"


def open_ticket(desk) -> None:
    desk.tool(
        ToolEventKind.CREATED,
        "alice",
        "Service Desk/alice",
        subject="Printer on fire",
        requester=REQUESTER,
        requester_name="Jo Bloggs",
        url="https://desk.example.com/t/42",
    )


def reply(desk, event_id: str, actor: str, text: str, **fields: str) -> None:
    """A reply in the tool (RT's Correspond), with its text, as the poller hands it over."""
    desk.app.intake.ingest(
        "test",
        [
            ToolEvent(
                ticket=desk.key,
                event_id=event_id,
                kind=ToolEventKind.COMMENTED,
                at=desk.app.clock.now(),
                actor=actor,
                text=text,
                fields={VISIBILITY: PUBLIC, **fields},
            )
        ],
    )


def status_lines(text: str) -> list[str]:
    labels = ("Team:", "Person working on it:", "Your contact:", "What is pending:")
    return [line for line in text.splitlines() if line.startswith(labels)]


def test_after_an_accepted_push_the_requester_reads_who_has_it_and_who_stays_their_contact(
    make_desk, mail_server, clock, database_url
):
    desk = make_desk(database_url=database_url)
    open_ticket(desk)
    clock.advance(seconds=121)
    desk.drain()  # the first assignment's email
    desk.tool(ToolEventKind.HOLDER_CHANGED, "bob", "Network/carol")  # bob pushes: queue and owner in one write
    [request] = [e for e in (x.event for x in desk.app.handoffs.ledger(desk.key)) if e.entry_type == "requested"]
    assert request.to_holder == Holder("Network")  # queue-first
    clock.advance(minutes=5)
    desk.app.handoffs.execute(AcceptHandoff(ticket=desk.key, handoff_id=request.handoff_id, by="carol"))
    clock.advance(seconds=121)
    desk.drain()

    first, accepted = mail_server.to(REQUESTER)
    assert accepted.message["To"] == "Jo Bloggs <jo.bloggs@example.test>"
    # strip(): Python's email package folds a subject of this length right after "Subject:" (a separate issue)
    assert (
        accepted.message["Subject"].strip()
        == "[local:42] Your request is now with Carol Agent of Network: Printer on fire"
    )
    text = accepted.part("plain")
    assert text.startswith("Hello Jo Bloggs,")
    assert status_lines(text) == [
        "Team: Network",
        "Person working on it: Carol Agent",
        "Your contact: Alice Agent. Alice Agent still owns your ticket and stays your contact, while Carol Agent "
        "of Network works on it for now.",
        "What is pending: nothing; Carol Agent is working on it.",
    ]
    assert "Hello Jo Bloggs," in accepted.part("html")
    assert (
        status_lines(first.part("plain"))[2] == "Your contact: Alice Agent, who now owns your ticket and is "
        "working on it."
    )


def test_the_analyst_who_escalated_reads_what_the_resolver_wrote_when_resolving(
    make_desk, mail_server, clock, database_url
):
    desk = make_desk(database_url=database_url)
    open_ticket(desk)
    desk.app.handoffs.execute(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="switch port dead",
            kind=HandoffKind.TECHNICAL,
        )
    )
    desk.app.handoffs.execute(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    clock.advance(hours=1)
    reply(desk, "c-1", "carol", "Replaced the switch port; the printer is back online.")
    clock.advance(minutes=2)
    reply(desk, "c-2", REQUESTER, "Thank you, it prints!")  # the requester's thanks is not what solved it
    desk.tool(ToolEventKind.RESOLVED, "carol", status="resolved")
    desk.drain()

    [report] = [r for r in mail_server.to("alice@example.com") if "Resolved" in r.message["Subject"]]
    text = report.part("plain")
    assert "has been resolved by Carol Agent" in text
    assert (
        "What solved it, in Carol Agent's words (Mon 2 Mar 2026, 10:00 UTC):\r\n"
        "Replaced the switch port; the printer is back online." in text
    )
    assert "no resolution note" not in text
    assert "Replaced the switch port; the printer is back online." in report.part("html")


def test_a_baton_command_in_a_reply_the_requester_reads_is_not_run(make_desk, clock):
    desk = make_desk()
    open_ticket(desk)
    desk.app.handoffs.execute(
        RequestHandoff(
            ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch port dead"
        )
    )
    clock.advance(minutes=1)
    reply(desk, "c-1", "carol", "/baton accept")
    assert [x.event.entry_type for x in desk.app.handoffs.ledger(desk.key)][-1] == "requested"

"""The analyst who escalated hears what solved it, in the resolver's own words, from the reply or comment
they wrote when resolving (RT: the Correspond just before the status change; Jira: the comment before the
resolution), else the tool's resolution note (ServiceNow's close notes)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton_itsm.core.domain.commands import AcceptHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.context import MessageContext
from baton_itsm.core.notify.notices import Notice, Recipient
from baton_itsm.core.notify.rendering import Renderer
from baton_itsm.core.rules.facts import PUBLIC, VISIBILITY, TicketFacts
from baton_itsm.core.rules.report_back import what_solved_it
from baton_itsm.core.settings.models import PersonConfig

BOOK = AddressBook(
    {
        "alice": PersonConfig(name="Alice Agent"),
        "carol": PersonConfig(name="Carol Agent"),
        "frank": PersonConfig(name="Frank Net"),
    },
    {},
)
REPLY = {VISIBILITY: PUBLIC}  # RT's Correspond: a reply the requester reads


@pytest.fixture
def escalated(make_desk, clock):
    """alice's ticket, escalated to Network and taken by carol there; the requester is jo."""
    desk = make_desk()
    desk.tool(ToolEventKind.CREATED, "alice", "Service Desk/alice", requester="jo@example.test")
    desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="switch port dead",
            kind=HandoffKind.TECHNICAL,
        )
    )
    desk.command(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    return desk


def later(clock, minutes: int = 5) -> None:
    clock.set(clock.now() + timedelta(minutes=minutes))


def report(decisions) -> dict:
    (notice,) = [
        Notice.from_row(o.idempotency_key, o.payload)
        for o in decisions.outgoing
        if o.channel == "notify" and o.payload["template"] == "report-back"
    ]
    assert notice.to_people == ("alice",)
    return dict(notice.details)


def rendered(details: dict):
    notice = Notice.from_row("k", {"template": "report-back", "ticket": "rt:1", **details})
    alice = Recipient("Alice Agent", "alice@example.com", "alice")
    context = MessageContext(notice.ticket, TicketFacts(subject="Switch port dead"), alice, BOOK.display_name).build(
        notice.details
    )
    return Renderer().render("report-back", context)


def test_the_reply_written_when_resolving_is_what_solved_it(escalated, clock):
    later(clock)
    escalated.tool(ToolEventKind.COMMENTED, "carol", text="Replaced the switch port; the link is up.", **REPLY)
    resolved = escalated.tool(ToolEventKind.RESOLVED, "carol", status="resolved")  # the same write, next change
    details = report(resolved)
    assert (details["resolution"], details["resolution_by"]) == ("Replaced the switch port; the link is up.", "carol")
    text = rendered(details).text
    assert "What solved it, in Carol Agent's words (" in text
    assert "Replaced the switch port; the link is up." in text and "no resolution note" not in text
    html = rendered(details).html
    assert "Replaced the switch port; the link is up." in html and "Carol Agent&rsquo;s words" in html


def test_the_resolvers_latest_reply_wins_over_the_requesters_thanks_and_baton_notes(escalated, clock):
    later(clock)
    escalated.tool(ToolEventKind.COMMENTED, "carol", text="Internal: port 12 was dead, patched to 14.")
    later(clock)
    escalated.tool(ToolEventKind.COMMENTED, "jo@example.test", text="Thanks, it works now!", **REPLY)
    escalated.tool(ToolEventKind.COMMENTED, "baton", text="Baton: reminder")
    later(clock)
    details = report(escalated.tool(ToolEventKind.RESOLVED, "carol"))
    assert details["resolution"] == "Internal: port 12 was dead, patched to 14."


def test_without_a_word_from_the_resolver_the_latest_staff_reply_is_quoted_with_its_author(escalated, clock):
    later(clock)
    escalated.tool(ToolEventKind.COMMENTED, "frank", text="Fixed by the vendor's firmware 2.1.")  # Jira: last comment
    details = report(escalated.tool(ToolEventKind.RESOLVED, "carol", resolution="Done"))
    assert (details["resolution"], details["resolution_by"]) == ("Fixed by the vendor's firmware 2.1.", "frank")
    assert "in Frank Net's words" in rendered(details).text


def test_the_tools_resolution_note_comes_first(escalated, clock):
    """ServiceNow's close notes are the resolution as the resolver filed it."""
    later(clock)
    escalated.tool(ToolEventKind.COMMENTED, "carol", text="Looking at it.", **REPLY)
    details = report(escalated.tool(ToolEventKind.RESOLVED, "carol", resolution_note="Rebooted the core switch."))
    assert (details["resolution"], details["resolution_by"]) == ("Rebooted the core switch.", "")
    assert "What solved it:\nRebooted the core switch." in rendered(details).text


def test_a_reply_after_the_resolution_is_not_what_solved_it(escalated, clock):
    """Facts may hold a reply written after the resolution (a re-read): it did not solve anything. Only each
    author's latest reply is kept, so carol's earlier one is gone too: better no quote than a wrong one."""
    escalated.tool(ToolEventKind.COMMENTED, "carol", text="Will look tomorrow.", **REPLY)
    later(clock)
    escalated.tool(ToolEventKind.COMMENTED, "carol", text="Reopen if it happens again.", **REPLY)
    resolved_at = clock.now() - timedelta(minutes=1)
    event = ToolEvent(ticket=escalated.key, event_id="r", kind=ToolEventKind.RESOLVED, at=resolved_at, actor="carol")
    assert what_solved_it(escalated.engine.policy, escalated.facts, event) == (
        "(the tool gave no resolution note)",
        None,
    )


def test_with_nothing_written_the_tools_label_or_nothing_is_said(escalated):
    assert report(escalated.tool(ToolEventKind.RESOLVED, "carol", resolution="Fixed"))["resolution"] == "Fixed"


def test_a_baton_command_in_a_public_reply_is_not_run_but_in_an_internal_comment_it_is(make_desk):
    desk = make_desk()
    desk.tool(ToolEventKind.CREATED, "alice", "Service Desk/alice")
    desk.command(
        RequestHandoff(
            ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch port dead"
        )
    )
    public = desk.tool(ToolEventKind.COMMENTED, "carol", text="/baton accept", **REPLY)
    assert public.events == [] and public.outgoing == []
    assert desk.ticket.handoff("h1").state.value == "requested"
    internal = desk.comment("carol", "/baton accept")
    assert desk.entries(internal)[:2] == ["accepted", "applied"]


def test_the_requesters_own_reply_does_not_restart_ageing_but_an_agents_does(make_desk, clock):
    desk = make_desk()
    desk.tool(ToolEventKind.CREATED, "alice", "Service Desk/alice", requester="jo@example.test")
    created = desk.facts.last_activity_at
    later(clock)
    desk.tool(ToolEventKind.COMMENTED, "jo@example.test", text="Any news?", **REPLY)
    assert desk.facts.last_activity_at == created
    assert desk.facts.latest_reply().text == "Any news?"  # still kept: the latest reply of its author
    later(clock)
    desk.tool(ToolEventKind.COMMENTED, "alice", text="On it.", **REPLY)
    assert desk.facts.last_activity_at == clock.now()

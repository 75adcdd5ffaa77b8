"""Every notice the rules decide renders, in text and HTML, with what the contract promises it carries.

The notices come from the real rules engine (the simulated desk of tests/unit/conftest.py), so a change to
a notice's payload that a template relies on fails here, not in someone's inbox.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from baton_itsm.core.domain.commands import DeclineHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.ownership import OwnershipModel, OwnershipPolicy
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.context import MessageContext
from baton_itsm.core.notify.notices import TEMPLATES, Notice, Recipient
from baton_itsm.core.notify.rendering import Renderer
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.settings.models import PersonConfig

BOOK = AddressBook({"alice": PersonConfig(name="Alice Agent"), "carol": PersonConfig(name="Carol Agent")},
                   {"Network": ("carol", "frank")})
FACTS = TicketFacts(subject="Printer <on> fire", url="https://desk.example.com/t/1")
LINKS = {"accept": "https://baton/handoff/accept?t=x", "decline": "https://baton/handoff/decline?t=x",
         "expires_at": "2026-03-05T09:00:00+00:00"}


def notices_from_a_busy_day(desk, clock) -> dict[str, Notice]:
    """Drive the rules through every kind of notice; the last notice of each template wins."""
    outgoing = []
    outgoing += desk.tool(ToolEventKind.CREATED, "tina", "Triage").outgoing
    outgoing += desk.reassign("tina", "Service Desk/alice").outgoing
    outgoing += desk.command(RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"),
                                            by="alice", reason="switch port dead", summary="re-patched")).outgoing
    outgoing += desk.command(DeclineHandoff(ticket=desk.key, handoff_id="h1", by="carol", reason="cabling")).outgoing
    outgoing += desk.command(RequestHandoff(ticket=desk.key, handoff_id="h2", to_holder=Holder("Network"),
                                            by="alice", reason="it is the switch", kind=HandoffKind.TECHNICAL)).outgoing
    desk.run_until(clock.now() + timedelta(hours=2))  # reminder, then expiry
    desk.command(RequestHandoff(ticket=desk.key, handoff_id="h3", to_holder=Holder("Network"), by="alice",
                                reason="really the switch", kind=HandoffKind.TECHNICAL))
    desk.reassign("carol", "Network/carol")  # carol takes it in the tool: accepts h3
    desk.run_until(clock.now() + timedelta(days=3))  # stale: reminder, then escalation
    outgoing += desk.tool(ToolEventKind.RESOLVED, "carol", resolution="replaced the switch").outgoing
    outgoing += desk.outbox
    return {n.template: n for n in (Notice.from_row(o.idempotency_key, o.payload)
                                    for o in outgoing if o.channel == "notify")}


@pytest.fixture
def notices(make_desk, clock):
    desk = make_desk(leads={"Network": "erin", "Service Desk": "dana"}, escalates_to={"Network": "Vendor"},
                     ownership=OwnershipPolicy(OwnershipModel.DESK, frozenset({"Service Desk"})))
    return notices_from_a_busy_day(desk, clock)


def test_the_rules_decide_every_kind_of_notice(notices):
    assert set(notices) == TEMPLATES


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_notice_renders_in_text_and_html(notices, template):
    notice = notices[template]
    context = MessageContext(notice.ticket, FACTS, Recipient("Carol Agent", "carol@example.com", "carol"),
                             BOOK.display_name)
    if template == "status-update":
        values = context.status([dict(notice.details)], None)
    else:
        values = context.build(notice.details, links=LINKS if "handoff_id" in notice.details else None)
    rendered = Renderer().render(template, values)
    assert rendered.subject.startswith("[rt:1] ") and "\n" not in rendered.subject
    assert "Printer <on> fire" in rendered.text, "text parts are not HTML-escaped"
    assert "Printer &lt;on&gt; fire" in rendered.html, "HTML parts are escaped"
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")


def test_under_desk_ownership_the_requester_hears_the_owner_stays(notices):
    notice = notices["status-update"]
    assert notice.details["ownership_model"] == "desk" and notice.details["owner"] == "alice"
    context = MessageContext(notice.ticket, FACTS, Recipient(None, "rita@example.org"), BOOK.display_name)
    text = Renderer().render("status-update", context.status([dict(notice.details)], None)).text
    assert "Alice Agent still owns your ticket and stays your contact, while Carol Agent of Network works on it" \
        in text


def test_an_administrators_template_replaces_the_built_in_one(notices, tmp_path):
    (tmp_path / "report-back.txt.j2").write_text(
        "{% block subject %}Done: {{ ticket.key }}{% endblock %}{% block body %}Fixed: {{ notice.resolution }}"
        "{% endblock %}")
    notice = notices["report-back"]
    context = MessageContext(notice.ticket, FACTS, Recipient("Alice Agent", "alice@example.com", "alice"),
                             BOOK.display_name)
    rendered = Renderer(tmp_path).render("report-back", context.build(notice.details))
    assert (rendered.subject, rendered.text) == ("Done: rt:1", "Fixed: replaced the switch\n")
    assert "What solved it" in rendered.html, "the HTML part not overridden stays the built-in one"

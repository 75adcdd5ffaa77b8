"""Every notice the rules decide renders, in text and HTML, with what the contract promises it carries.

The notices come from the real rules engine (the simulated desk of tests/unit/conftest.py), so a change to
a notice's payload that a template relies on fails here, not in someone's inbox.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton_itsm.core.domain.commands import DeclineHandoff, RequestHandoff, WithdrawHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.ownership import OwnershipModel, OwnershipPolicy
from baton_itsm.core.domain.sla import Sla
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ToolRefused
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.context import MessageContext
from baton_itsm.core.notify.notices import TEMPLATES, Notice, Recipient
from baton_itsm.core.notify.rendering import Renderer
from baton_itsm.core.notify.router import PAGE_LINKS
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import BounceLimit, SlaStep
from baton_itsm.core.rules.review_requests import ReviewPolicy
from baton_itsm.core.settings.models import PersonConfig
from baton_itsm.core.usecases.action_failures import failure_notices
from baton_itsm.core.usecases.dispatcher import OutboxItem

BOOK = AddressBook(
    {"alice": PersonConfig(name="Alice Agent"), "carol": PersonConfig(name="Carol Agent")},
    {"Network": ("carol", "frank")},
)
FACTS = TicketFacts(subject="Printer <on> fire", url="https://desk.example.com/t/1")
LINKS = {
    "accept": "https://baton/handoff/accept?t=x",
    "decline": "https://baton/handoff/decline?t=x",
    "expires_at": "2026-03-05T09:00:00+00:00",
}
PAGE_LINK = {"url": "https://baton/page?t=x", "expires_at": "2026-03-05T09:00:00+00:00"}
GUIDANCE = "It was not needed if the answer was in the knowledge base."


def notices_from_a_busy_day(desk, clock) -> dict[str, Notice]:
    """Drive the rules through every kind of notice; the last notice of each template wins."""
    outgoing = []
    outgoing += desk.tool(ToolEventKind.CREATED, "tina", "Triage").outgoing
    outgoing += desk.reassign("tina", "Service Desk/alice").outgoing
    outgoing += desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="switch port dead",
            summary="re-patched",
        )
    ).outgoing
    outgoing += desk.command(DeclineHandoff(ticket=desk.key, handoff_id="h1", by="carol", reason="cabling")).outgoing
    outgoing += desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h2",
            to_holder=Holder("Network"),
            by="alice",
            reason="it is the switch",
            kind=HandoffKind.TECHNICAL,
        )
    ).outgoing
    desk.run_until(clock.now() + timedelta(hours=2))  # reminder, then expiry
    desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h3",
            to_holder=Holder("Network"),
            by="alice",
            reason="really the switch",
            kind=HandoffKind.TECHNICAL,
        )
    )
    desk.reassign("carol", "Network/carol")  # carol takes it in the tool: accepts h3; her review is asked
    # the tool's SLA, 60 % used: the 50 % reminder at once, the 75 % escalation 72 minutes later
    desk.tool(ToolEventKind.UPDATED, "carol", sla=Sla("P2 resolution", "c1", clock.now(), 288, 480).to_text())
    desk.run_until(clock.now() + timedelta(days=3))  # stale: reminder, then escalation
    desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h4",
            to_holder=Holder("Desktop"),
            by="carol",
            reason="needs a purchase",
            kind=HandoffKind.ADMINISTRATIVE_SALES,
        )
    )  # its review opens
    outgoing += desk.tool(ToolEventKind.RESOLVED, "carol", resolution="replaced the switch").outgoing
    outgoing += desk.command(
        WithdrawHandoff(ticket=desk.key, handoff_id="h4", by="carol", reason="the purchase was approved without it")
    ).outgoing
    outgoing += desk.outbox
    refused = OutboxItem(
        1,
        f"apply:{desk.key}:h3",
        "tool",
        {
            "instance": "rt",
            "ticket_id": "1",
            "action": "set-holder",
            "purpose": "apply",
            "handoff_id": "h3",
            "holder": {"group": "Network", "person": "dave"},
            "decided_by": "dave",
        },
        1,
    )
    outgoing += failure_notices(
        desk.engine.policy, ["admin"], refused, ToolRefused("RT refused owner dave"), desk.ticket
    )
    return {
        n.template: n
        for n in (Notice.from_row(o.idempotency_key, o.payload) for o in outgoing if o.channel == "notify")
    }


@pytest.fixture
def notices(make_desk, clock):
    desk = make_desk(
        leads={"Network": "erin", "Service Desk": "dana", "Desktop": "dana"},
        escalates_to={"Network": "Vendor"},
        ownership=OwnershipPolicy(OwnershipModel.DESK, frozenset({"Service Desk"})),
        reviews=ReviewPolicy(ask="all", audit_share=1.0),
        bounce_limits=(BounceLimit(bounces=1),),  # carol's taking it is its first bounce
        sla_steps=(SlaStep(0.5, "remind"), SlaStep(0.75, "escalate")),
    )
    return notices_from_a_busy_day(desk, clock)


def test_the_rules_decide_every_kind_of_notice(notices):
    assert set(notices) == TEMPLATES


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_notice_renders_in_text_and_html(notices, template):
    notice = notices[template]
    context = MessageContext(
        notice.ticket, FACTS, Recipient("Carol Agent", "carol@example.com", "carol"), BOOK.display_name
    )
    if template == "status-update":
        values = context.status([dict(notice.details)], None)
    else:
        links = PAGE_LINK if template in PAGE_LINKS else LINKS if "handoff_id" in notice.details else None
        values = context.build(notice.details, links=links, guidance=GUIDANCE)
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
    assert "Alice Agent still owns your ticket and stays your contact, while Carol Agent of Network works on it" in text


def test_an_administrators_template_replaces_the_built_in_one(notices, tmp_path):
    (tmp_path / "report-back.txt.j2").write_text(
        "{% block subject %}Done: {{ ticket.key }}{% endblock %}{% block body %}Fixed: {{ notice.resolution }}"
        "{% endblock %}"
    )
    notice = notices["report-back"]
    context = MessageContext(
        notice.ticket, FACTS, Recipient("Alice Agent", "alice@example.com", "alice"), BOOK.display_name
    )
    rendered = Renderer(tmp_path).render("report-back", context.build(notice.details))
    assert (rendered.subject, rendered.text) == ("Done: rt:1", "Fixed: replaced the switch\n")
    assert "What solved it" in rendered.html, "the HTML part not overridden stays the built-in one"


def _render(notice, recipient, links):
    context = MessageContext(notice.ticket, FACTS, recipient, BOOK.display_name)
    return Renderer().render(notice.template, context.build(notice.details, links=links, guidance=GUIDANCE))


def test_the_receiver_hears_they_have_the_ticket_and_may_review_it_from_one_link(notices):
    carol = Recipient("Carol Agent", "carol@example.com", "carol")
    rendered = _render(notices["handoff-review"], carol, PAGE_LINK)
    assert rendered.subject == "[rt:1] You have it now: Printer <on> fire"
    assert 'You have ticket rt:1, "Printer <on> fire", now (Network/carol).' in rendered.text
    for part in (rendered.text, rendered.html):
        assert "You have ticket" in part and "really the switch" in part and "Alice Agent" in part
        assert "Optional, one screen" in part and "https://baton/page?t=x" in part and "works once" in part


def test_without_links_the_receiver_is_told_how_to_review_by_comment_or_cli(notices):
    carol = Recipient("Carol Agent", "carol@example.com", "carol")
    rendered = _render(notices["handoff-review"], carol, None)
    for part in (rendered.text, rendered.html):
        assert "/baton review needed=yes prepared=no timely=late" in part
        assert "baton review handoff h3 --as carol --needed yes" in part
        assert "?t=" not in part


def test_the_lead_gets_the_audit_link_and_the_configured_guidance(notices):
    erin = Recipient("Erin Lead", "erin@example.com", "erin")
    notice = notices["handoff-audit"]
    assert notice.to_people == ("erin",) and notice.details["receiver"] == "carol"
    rendered = _render(notice, erin, PAGE_LINK)
    assert "Drawn for your audit" in rendered.subject
    for part in (rendered.text, rendered.html):
        assert GUIDANCE in part and "https://baton/page?t=x" in part and "Carol Agent received it" in part
    assert "baton review audit h3 --as erin" in _render(notice, erin, None).text


def test_the_escalation_review_invites_its_editors_with_a_reusable_link(notices):
    notice = notices["escalation-review"]
    assert notice.to_people == ("dana",)
    rendered = _render(notice, Recipient("Dana Manager", "dana@example.com", "dana"), PAGE_LINK)
    assert rendered.subject == "[rt:1] Escalation review opened: Printer <on> fire"
    for part in (rendered.text, rendered.html):
        assert "administrative-sales" in part and "names no one to blame" in part
        assert "https://baton/page?t=x" in part and "use it as often as you need" in part


def test_the_lead_of_the_group_it_started_in_is_asked_to_coordinate_a_ticket_that_bounced(notices):
    notice = notices["bounce-escalation"]
    assert notice.to_people == ("dana",) and notice.details["owner"] == "alice"
    rendered = _render(notice, Recipient("Dana Manager", "dana@example.com", "dana"), None)
    assert rendered.subject == "[rt:1] Bounce limit: please coordinate"
    for part in (rendered.text, rendered.html):
        assert "it bounced once; the limit is 1" in part and "Alice Agent" in part, "the owner by her name"
    assert "Its path: Service Desk/alice -> Network/carol" in rendered.text
    assert "first assigned in <strong>Service Desk</strong>" in rendered.html

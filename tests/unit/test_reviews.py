"""Handoff reviews and audits: who is asked, who may answer (once), the audit draw, comment commands."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.commands import AcceptHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed
from baton_itsm.core.domain.review_commands import AuditHandoff, ReviewHandoff
from baton_itsm.core.domain.reviews import HandoffAnswers, Timeliness
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.rules.comment_commands import parse
from baton_itsm.core.rules.review_requests import ReviewPolicy, draw
from tests.unit.test_rules_accept_before_reassign import held_by_alice

LATE = HandoffAnswers(needed=True, prepared=False, timely=Timeliness.LATE, note="the logs were missing")


def handed_to_carol(desk, handoff_id="h1", to="Network"):
    desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id=handoff_id,
            to_holder=Holder.parse(to),
            by="alice",
            reason="switch port down",
            summary="rebooted the switch",
        )
    )
    return desk.command(AcceptHandoff(ticket=desk.key, handoff_id=handoff_id, by="carol"))


def review(desk, by="carol", answers=LATE, handoff_id="h1"):
    return desk.command(ReviewHandoff(ticket=desk.key, handoff_id=handoff_id, by=by, answers=answers, via="cli"))


# --- who is asked ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("ask", "asked"), [("all", True), ("cross-group", True), ("none", False)])
def test_an_applied_cross_group_handoff_asks_its_receiver_per_the_setting(make_desk, ask, asked):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask=ask)))
    accepted = handed_to_carol(desk)
    assert ("review-asked" in desk.entries(accepted)) is asked
    assert (("handoff-review", ("carol",)) in desk.notices(accepted)) is asked
    if asked:
        assert desk.ticket.handoff("h1").review_of == "carol"


def test_cross_group_only_does_not_ask_about_a_handoff_inside_a_group(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="cross-group")))
    desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Service Desk", "bob"),
            by="alice",
            reason="my shift ends",
        )
    )
    accepted = desk.command(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="bob"))
    assert "review-asked" not in desk.entries(accepted)
    all_desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="all")))
    all_desk.command(
        RequestHandoff(
            ticket=all_desk.key,
            handoff_id="h1",
            to_holder=Holder("Service Desk", "bob"),
            by="alice",
            reason="my shift ends",
        )
    )
    assert "review-asked" in all_desk.entries(
        all_desk.command(AcceptHandoff(ticket=all_desk.key, handoff_id="h1", by="bob"))
    )


def test_a_first_assignment_asks_nobody(make_desk):
    desk = make_desk(reviews=ReviewPolicy(ask="all", audit_share=1.0))
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    decisions = desk.reassign("tina", "Service Desk/alice")
    assert "review-asked" not in desk.entries(decisions)


# --- the audit draw -------------------------------------------------------------------------------------
def test_the_drawn_share_matches_the_setting_over_many_handoffs():
    policy = ReviewPolicy(audit_share=0.1, seed="2026")
    drawn = sum(policy.drawn_for_audit(f"{i:012x}") for i in range(20_000))
    # binomial(20,000, 0.1): standard deviation ~42; 5 sigma either side
    assert 2000 - 212 <= drawn <= 2000 + 212


def test_the_draw_is_reproducible_from_the_seed_and_differs_between_seeds():
    ids = [f"{i:012x}" for i in range(500)]
    first = [ReviewPolicy(audit_share=0.2, seed="2026").drawn_for_audit(h) for h in ids]
    again = [ReviewPolicy(audit_share=0.2, seed="2026").drawn_for_audit(h) for h in ids]
    other = [ReviewPolicy(audit_share=0.2, seed="2027").drawn_for_audit(h) for h in ids]
    assert first == again and first != other
    # an auditor can redo it by hand: the number is a hash of seed, purpose and id
    assert all((draw("2026", "audit", h) < 0.2) == d for h, d in zip(ids, first, strict=True))
    assert ReviewPolicy(audit_share=0.0).drawn_for_audit(ids[0]) is False


def test_the_sample_of_receivers_asked_is_its_own_draw():
    policy = ReviewPolicy(ask="sample", sample_share=0.3, audit_share=0.3, seed="s")
    ids = [f"{i:012x}" for i in range(5000)]
    asked = {h for h in ids if draw("s", "ask", h) < 0.3}
    audited = {h for h in ids if policy.drawn_for_audit(h)}
    assert 1350 <= len(asked) <= 1650 and asked != audited, "asking and auditing are independent draws"


def test_a_handoff_drawn_for_audit_asks_the_receiving_groups_lead(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="none", audit_share=1.0), leads={"Network": "erin"}))
    accepted = handed_to_carol(desk)
    assert ("handoff-audit", ("erin",)) in desk.notices(accepted)
    assert desk.ticket.handoff("h1").auditor == "erin" and desk.ticket.handoff("h1").review_of is None


# --- who may answer, once -----------------------------------------------------------------------------
def test_only_the_receiver_reviews_and_only_once(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="all")))
    handed_to_carol(desk)
    with pytest.raises(NotAllowed, match="only its receiver"):
        review(desk, by="frank")
    with pytest.raises(NotAllowed):
        review(desk, by="alice")  # the sender does not rate their own handoff
    reviewed = review(desk)
    event = reviewed.events[0]
    assert (event.entry_type, event.by, event.needed, event.prepared, event.timely, event.note, event.via) == (
        "reviewed",
        "carol",
        True,
        False,
        "late",
        "the logs were missing",
        "cli",
    )
    with pytest.raises(InvalidTransition, match="already reviewed by carol"):
        review(desk)


def test_an_open_request_is_not_reviewed_and_an_empty_review_is_refused(make_desk):
    desk = held_by_alice(make_desk())
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch")
    )
    with pytest.raises(InvalidTransition, match="only a handoff that took place"):
        review(desk)
    desk.command(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    with pytest.raises(InvalidRequest, match="answers no question"):
        review(desk, answers=HandoffAnswers())


def test_a_lead_audits_beside_the_receiver_and_the_receiver_cannot_audit(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(audit_share=1.0), leads={"Network": "erin"}))
    handed_to_carol(desk)
    verdict = HandoffAnswers(needed=False, note="the answer was in KB0012")
    with pytest.raises(NotAllowed, match="the receiver reviews it"):
        desk.command(AuditHandoff(ticket=desk.key, handoff_id="h1", by="carol", answers=verdict))
    with pytest.raises(NotAllowed, match="only erin"):
        desk.command(AuditHandoff(ticket=desk.key, handoff_id="h1", by="bob", answers=verdict))
    audited = desk.command(AuditHandoff(ticket=desk.key, handoff_id="h1", by="erin", answers=verdict))
    assert [(e.entry_type, e.by, e.needed) for e in audited.events] == [("audited", "erin", False)]
    assert verdict.disagrees_with(LATE) == ["needed"]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (dict(needed="yes", prepared="No", timely="too late"), HandoffAnswers(True, False, Timeliness.LATE)),
        (dict(timely="about right", note=" ok "), HandoffAnswers(timely=Timeliness.RIGHT, note="ok")),
        (dict(needed=" ", prepared=None), HandoffAnswers()),
    ],
)
def test_answers_are_read_from_text(texts, expected):
    assert HandoffAnswers.parse(**texts) == expected


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (dict(needed="maybe"), "needed: 'maybe' is not an answer; say yes or no"),
        (dict(timely="soonish"), "say early, right or late"),
    ],
)
def test_an_unreadable_answer_says_what_is_expected(texts, message):
    with pytest.raises(InvalidRequest, match=message):
        HandoffAnswers.parse(**texts)


# --- comment commands ----------------------------------------------------------------------------------
def test_a_comment_command_is_parsed_with_handoff_answers_and_note():
    command = parse("/baton review 0123456789ab needed=no timely=early the KB had it\n-- carol")
    assert (command.verb, command.handoff_id, command.answers, command.text) == (
        "review",
        "0123456789ab",
        {"needed": "no", "timely": "early"},
        "the KB had it -- carol",
    )
    assert parse("thanks, /baton review later") is None, "only a comment that starts with /baton is a command"


def test_a_receiver_reviews_by_comment_and_baton_answers_in_the_ticket(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="all")))
    handed_to_carol(desk)
    decisions = desk.comment("carol", "/baton review needed=yes prepared=no timely=late the logs were missing")
    assert [(e.entry_type, e.by, e.via, e.note) for e in decisions.events] == [
        ("reviewed", "carol", "comment", "the logs were missing")
    ]
    notes = [a.payload["text"] for a in decisions.outgoing if a.channel == "tool"]
    assert notes == ["@carol: your review of handoff h1 is recorded. Thank you."]

    again = desk.comment("carol", "/baton review needed=no")
    assert again.events == []
    assert "no handoff you received that is waiting for your answer" in again.outgoing[0].payload["text"]


def test_someone_elses_review_comment_is_refused_with_a_note(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="all")))
    handed_to_carol(desk)
    decisions = desk.comment("frank", "/baton review h1 needed=no")
    assert decisions.events == []
    assert (
        decisions.outgoing[0]
        .payload["text"]
        .startswith("@frank: Baton could not do this: frank cannot review handoff h1: only its receiver (carol) can.")
    )
    decisions = desk.comment("frank", "/baton review needed=sometimes")
    assert "'sometimes' is not an answer" in decisions.outgoing[0].payload["text"]


def test_a_request_is_accepted_by_comment_and_the_acceptance_asks_for_a_review(make_desk):
    desk = held_by_alice(make_desk(reviews=ReviewPolicy(ask="cross-group")))
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch")
    )
    decisions = desk.comment("frank", "/baton accept")
    assert desk.entries(decisions) == ["accepted", "applied", "review-asked"]
    assert desk.ticket.holder == Holder("Network", "frank")
    assert ("set-holder", "Network/frank") in desk.tool_actions(decisions)
    assert ("handoff-review", ("frank",)) in desk.notices(decisions)


def test_a_decline_by_comment_needs_its_reason(make_desk):
    desk = held_by_alice(make_desk())
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch")
    )
    refused = desk.comment("carol", "/baton decline")
    assert refused.events == [] and "a decline needs a reason" in refused.outgoing[0].payload["text"]
    declined = desk.comment("carol", "/baton decline cabling is Facilities' job")
    assert desk.entries(declined) == ["declined"] and declined.events[0].reason == "cabling is Facilities' job"


def test_an_ordinary_comment_does_nothing(make_desk):
    desk = held_by_alice(make_desk())
    decisions = desk.comment("carol", "Looked at the logs, nothing yet.")
    assert decisions.events == [] and desk.tool_actions(decisions) == []


# --- escalation reviews open with the escalation ----------------------------------------------------------
def test_an_administrative_escalation_opens_its_review_at_once(make_desk):
    desk = held_by_alice(make_desk(escalation_manager="dana", leads={"Network": "erin"}))
    requested = desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="needs a contract decision",
            kind=HandoffKind.ADMINISTRATIVE_SALES,
        )
    )
    assert desk.entries(requested) == ["requested", "escalation-review-opened"]
    review_ = desk.ticket.escalation_reviews["h1"]
    assert (review_.kind, review_.editors, str(review_.state)) == ("administrative-sales", ("dana", "erin"), "open")
    assert ("escalation-review", ("dana", "erin")) in desk.notices(requested)
    technical = held_by_alice(make_desk())
    done = technical.command(
        RequestHandoff(
            ticket=technical.key,
            handoff_id="h2",
            to_holder=Holder("Network"),
            by="alice",
            reason="needs L2",
            kind=HandoffKind.TECHNICAL,
        )
    )
    assert desk.entries(done) == ["requested"], "a technical escalation needs no administrative review"

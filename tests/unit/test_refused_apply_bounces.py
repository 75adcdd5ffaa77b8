"""A handoff Baton applied but the tool refused to write moved nobody: found by the model test of issue 15, where
the ledger counted two bounces (to the refused assignee, and the ledger following the tool back) the tool never had."""

from __future__ import annotations

from datetime import UTC, datetime

from baton_itsm.core.domain.convergence_events import ActionFailed
from baton_itsm.core.domain.events import HandoffAccepted, HandoffApplied, HandoffRequested, HolderChanged
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.ticket import Ticket

KEY, AT = TicketKey("sn", "INC1"), datetime(2026, 3, 2, 9, tzinfo=UTC)
ALICE, DAVE, CAROL = Holder("Service Desk", "alice"), Holder("Network", "dave"), Holder("Network", "carol")


def _accepted_by_dave() -> list:
    return [
        HolderChanged(ticket=KEY, at=AT, by="dana", from_holder=None, to_holder=ALICE, cause="first-seen"),
        HandoffRequested(
            ticket=KEY,
            at=AT,
            by="bob",
            handoff_id="h1",
            from_holder=ALICE,
            to_holder=Holder("Network"),
            kind=HandoffKind.REASSIGN,
            reason="push",
        ),
        HandoffAccepted(ticket=KEY, at=AT, by="dave", handoff_id="h1"),
        HandoffApplied(ticket=KEY, at=AT, by="dave", handoff_id="h1", from_holder=ALICE, to_holder=DAVE),
    ]


def _refused() -> ActionFailed:
    return ActionFailed(
        ticket=KEY,
        at=AT,
        by=None,
        action="apply",
        decision="apply:sn:INC1:h1",
        to_holder=DAVE,
        handoff_id="h1",
        reason="the tool refused dave",
    )


def test_a_refused_apply_and_the_ledger_following_the_tool_back_are_no_bounces():
    ticket = Ticket.from_events(
        KEY,
        [
            *_accepted_by_dave(),
            _refused(),
            HolderChanged(ticket=KEY, at=AT, by=None, from_holder=DAVE, to_holder=ALICE, cause="reconciled"),
        ],
    )
    assert ticket.holder == ALICE
    assert ticket.bounces == 0


def test_the_tool_moved_elsewhere_meanwhile_counts_from_where_the_ticket_really_was():
    ticket = Ticket.from_events(
        KEY,
        [
            *_accepted_by_dave(),
            _refused(),
            HolderChanged(ticket=KEY, at=AT, by=None, from_holder=DAVE, to_holder=CAROL, cause="reconciled"),
        ],
    )
    assert ticket.bounces == 1  # Service Desk/alice -> Network/carol


def test_an_apply_that_was_written_stays_counted():
    ticket = Ticket.from_events(KEY, _accepted_by_dave())
    assert ticket.bounces == 1

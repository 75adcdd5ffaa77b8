"""The handoff protocol: each transition, each refusal, and who may do what."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.commands import (
    AcceptHandoff,
    DeclineHandoff,
    ExpireHandoff,
    ForceHandoff,
    RecordHolderChange,
    RequestHandoff,
    WithdrawHandoff,
)
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind, HandoffState
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed, UnknownHandoff
from baton_itsm.core.domain.ticket import Ticket

KEY = TicketKey("rt", "7")
ALICE = Holder("Service Desk", "alice")
NETWORK = Holder("Network")
CAROL = Holder("Network", "carol")


class Desk:
    """Runs commands against one ticket the way the service does: decide, then apply."""

    def __init__(self, clock, directory):
        self.clock, self.directory, self.ticket = clock, directory, Ticket(KEY)

    def run(self, command):
        events = decide(self.ticket, command, now=self.clock.now(), directory=self.directory)
        for event in events:
            self.ticket.apply(event)
        return [e.entry_type for e in events]

    def request(self, handoff_id, to, by="alice", reason="needs network skills", **extra):
        return self.run(RequestHandoff(ticket=KEY, handoff_id=handoff_id, to_holder=to, by=by, reason=reason, **extra))

    def held_by_alice(self):
        self.run(RecordHolderChange(ticket=KEY, to_holder=ALICE, by="alice"))
        return self


@pytest.fixture
def desk(clock, directory):
    return Desk(clock, directory).held_by_alice()


def test_request_then_accept_by_the_named_receiver_moves_the_ticket(desk):
    assert desk.request("h1", CAROL) == ["requested"]
    assert desk.ticket.holder == ALICE, "a request alone moves nothing (pull, not push)"
    assert desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol")) == ["accepted", "applied"]
    assert desk.ticket.holder == CAROL
    assert desk.ticket.handoff("h1").state is HandoffState.APPLIED
    assert desk.ticket.bounces == 1


def test_a_group_member_accepting_a_queue_request_takes_the_ticket(desk):
    desk.request("h1", NETWORK)
    desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by="frank"))
    assert desk.ticket.holder == Holder("Network", "frank")


def test_a_manager_accepting_a_queue_request_leaves_it_in_the_queue(desk):
    desk.request("h1", NETWORK)
    desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by="erin"))
    assert desk.ticket.holder == NETWORK


@pytest.mark.parametrize(
    ("to", "by"),
    [
        (CAROL, "frank"),  # same group, but the request names carol
        (CAROL, "bob"),  # not in the group at all
        (NETWORK, "gina"),  # member of another group
        (NETWORK, "dana"),  # a manager, but of another group
    ],
)
def test_only_the_receiver_its_group_or_its_manager_can_accept(desk, to, by):
    desk.request("h1", to)
    with pytest.raises(NotAllowed, match=f"{by} cannot accept"):
        desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by=by))
    assert desk.ticket.holder == ALICE


def test_a_second_accept_is_refused(desk):
    desk.request("h1", CAROL)
    desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol"))
    with pytest.raises(InvalidTransition, match="already applied"):
        desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol"))


def test_decline_needs_a_reason_and_leaves_the_holder(desk):
    desk.request("h1", CAROL)
    with pytest.raises(InvalidRequest, match="decline needs a reason"):
        desk.run(DeclineHandoff(ticket=KEY, handoff_id="h1", by="carol", reason="  "))
    declined = desk.run(DeclineHandoff(ticket=KEY, handoff_id="h1", by="carol", reason="not a network issue"))
    assert declined == ["declined"]
    record = desk.ticket.handoff("h1")
    assert (record.state, record.decline_reason, desk.ticket.holder) == (
        HandoffState.DECLINED,
        "not a network issue",
        ALICE,
    )


def test_withdraw_by_the_requester_or_a_manager_only(desk):
    desk.request("h1", CAROL, by="alice")
    with pytest.raises(NotAllowed, match="only alice"):
        desk.run(WithdrawHandoff(ticket=KEY, handoff_id="h1", by="bob"))
    assert desk.run(WithdrawHandoff(ticket=KEY, handoff_id="h1", by="dana")) == ["withdrawn"]


def test_expiry_ends_a_request_and_a_late_accept_is_refused(desk):
    desk.request("h1", CAROL)
    assert desk.run(ExpireHandoff(ticket=KEY, handoff_id="h1")) == ["expired"]
    with pytest.raises(InvalidTransition, match="already expired"):
        desk.run(AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol"))


def test_force_by_a_manager_is_recorded_with_who_forced(desk):
    assert desk.run(
        ForceHandoff(
            ticket=KEY, handoff_id="f1", to_holder=CAROL, by="erin", reason="outage", kind=HandoffKind.TECHNICAL
        )
    ) == ["forced", "applied"]
    record = desk.ticket.handoff("f1")
    assert (record.forced, record.decided_by, desk.ticket.holder) == (True, "erin", CAROL)


def test_force_withdraws_the_open_request_it_supersedes(desk):
    desk.request("h1", NETWORK)
    assert desk.run(ForceHandoff(ticket=KEY, handoff_id="f1", to_holder=CAROL, by="dana", reason="VIP")) == [
        "withdrawn",
        "forced",
        "applied",
    ]
    assert desk.ticket.handoff("h1").state is HandoffState.WITHDRAWN


def test_only_a_manager_of_either_group_can_force(desk):
    with pytest.raises(NotAllowed, match="only a manager of Service Desk or Network"):
        desk.run(ForceHandoff(ticket=KEY, handoff_id="f1", to_holder=CAROL, by="gina", reason="because"))


@pytest.mark.parametrize(
    ("to", "reason", "message"),
    [
        (Holder("Netwrk"), "x", "unknown group 'Netwrk'"),
        (Holder("Network", "alice"), "x", "alice is not a member of Network"),
        (ALICE, "x", "already holds"),
        (CAROL, " ", "needs a reason"),
    ],
)
def test_bad_requests_are_refused_with_the_rule_they_break(desk, to, reason, message):
    with pytest.raises(InvalidRequest, match=message):
        desk.request("h1", to, reason=reason)
    assert desk.ticket.open_handoff() is None


def test_one_open_handoff_per_ticket(desk):
    desk.request("h1", CAROL)
    with pytest.raises(InvalidRequest, match="already has an open handoff h1"):
        desk.request("h2", Holder("Desktop"))


def test_unknown_handoff(desk):
    with pytest.raises(UnknownHandoff):
        desk.run(AcceptHandoff(ticket=KEY, handoff_id="nope", by="carol"))


def test_replaying_the_events_rebuilds_the_same_ticket(clock, directory):
    desk = Desk(clock, directory).held_by_alice()
    log = []
    for command in [
        RequestHandoff(ticket=KEY, handoff_id="h1", to_holder=CAROL, by="alice", reason="r"),
        AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol"),
        RequestHandoff(ticket=KEY, handoff_id="h2", to_holder=Holder("Desktop"), by="carol", reason="r"),
        DeclineHandoff(ticket=KEY, handoff_id="h2", by="gina", reason="not hardware"),
    ]:
        events = decide(desk.ticket, command, now=clock.now(), directory=directory)
        for event in events:
            desk.ticket.apply(event)
        log.extend(events)
    first = decide(
        Ticket(KEY), RecordHolderChange(ticket=KEY, to_holder=ALICE, by="alice"), now=clock.now(), directory=directory
    )
    replayed = Ticket.from_events(KEY, [*first, *log])
    assert (replayed.holder, replayed.bounces, replayed.version) == (
        desk.ticket.holder,
        desk.ticket.bounces,
        desk.ticket.version,
    )
    assert {h: r.state for h, r in replayed.handoffs.items()} == {
        "h1": HandoffState.APPLIED,
        "h2": HandoffState.DECLINED,
    }


def test_a_clone_can_be_changed_without_touching_the_original(desk):
    desk.request("h1", CAROL)
    twin = desk.ticket.clone()
    for event in decide(
        twin, AcceptHandoff(ticket=KEY, handoff_id="h1", by="carol"), now=desk.clock.now(), directory=desk.directory
    ):
        twin.apply(event)
    assert (twin.holder, twin.bounces, twin.handoff("h1").state) == (CAROL, 1, HandoffState.APPLIED)
    assert (desk.ticket.holder, desk.ticket.bounces, desk.ticket.handoff("h1").state) == (
        ALICE,
        0,
        HandoffState.REQUESTED,
    )
    assert len(desk.ticket.holders) == 1 and desk.ticket.version == twin.version - 2

"""The bounce count and the three ownership models, on known holder sequences."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.bounces import count_bounces
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.ownership import OwnershipModel, OwnershipPolicy


def holders(*texts: str) -> list[Holder]:
    return [Holder.parse(t) for t in texts]


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        ([], 0),
        (["SD"], 0),  # the first assignment is not a bounce
        (["SD", "SD/alice"], 0),  # picking it up from one's own queue
        (["SD/alice", "SD"], 0),  # putting it back in the queue
        (["SD/alice", "SD", "SD/bob"], 1),  # someone else in the group takes it over
        (["SD/alice", "SD", "SD/alice"], 0),  # the same person takes it back
        (["SD/alice", "Net"], 1),
        (["SD/alice", "Net", "Net/carol", "SD", "SD/alice"], 2),  # there and back: two bounces
        (["SD/alice", "SD/bob", "SD/alice"], 2),
    ],
)
def test_bounce_count(sequence, expected):
    assert count_bounces(holders(*sequence)) == expected


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        (["Triage", "SD/alice"], 0),  # leaving intake is the first assignment
        (["Triage", "Triage/tina", "SD"], 0),
        (["Triage", "SD/alice", "Triage"], 1),  # going back to intake later is a change of hands
        (["Triage", "SD/alice", "Net"], 1),
    ],
)
def test_intake_queues_are_not_yet_an_assignment(sequence, expected):
    assert count_bounces(holders(*sequence), intake_groups=frozenset({"Triage"})) == expected


TRIP = holders("SD", "SD/alice", "SD/bob", "Net/carol", "Vendor/vic")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (OwnershipModel.DESK, "alice"),  # the desk agent who took the call
        (OwnershipModel.FOLLOWS, "bob"),  # the last desk agent before it left the desk
        (OwnershipModel.TCO, "alice"),  # the first agent, whoever
    ],
)
def test_owner_under_each_model(model, expected):
    assert OwnershipPolicy(model, desk_groups={"SD"}).owner(TRIP) == expected


def test_desk_and_tco_differ_when_the_first_agent_is_not_on_the_desk():
    trip = holders("Net/carol", "SD/alice", "SD/bob")
    assert OwnershipPolicy(OwnershipModel.TCO, desk_groups={"SD"}).owner(trip) == "carol"
    assert OwnershipPolicy(OwnershipModel.DESK, desk_groups={"SD"}).owner(trip) == "alice"
    assert OwnershipPolicy(OwnershipModel.FOLLOWS, desk_groups={"SD"}).owner(trip) == "bob"


def test_the_group_where_a_ticket_starts_chooses_the_model():
    policy = OwnershipPolicy(OwnershipModel.FOLLOWS, desk_groups={"SD", "VIP"}, overrides={"VIP": OwnershipModel.TCO})
    assert policy.owner(holders("VIP/alice", "SD/bob")) == "alice"
    assert policy.owner(holders("SD/alice", "VIP/bob")) == "bob"


def test_nobody_owns_a_ticket_only_queues_have_held():
    assert OwnershipPolicy().owner(holders("SD", "Net")) is None

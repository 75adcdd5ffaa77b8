"""The model test's own parts, without RT: the protocol model decides as the protocol's statement says, and the
bounce recount reads RT's history as invariants.py says. Pure: these run everywhere."""

from __future__ import annotations

from baton_itsm.core.domain.holders import Holder
from tests.e2e.invariants import Change, RTRecord, recount
from tests.e2e.model import BATON, Groups, Model
from tests.e2e.model_run import GROUPS

SD, NET = "Service Desk", "Network"


def model_with(holder: Holder) -> tuple[Model, str]:
    model = Model(Groups.of(GROUPS))
    model.created("1", holder)
    return model, "1"


def test_a_push_asks_the_receiving_queue_and_is_reverted_at_the_next_dispatch():
    model, t = model_with(Holder(SD, "alice"))
    assert model.changed_in_rt(t, "bob", Holder(NET, "carol")) == "push"
    assert model.tickets[t].request.target == Holder(NET)  # across groups: the queue
    model.dispatch()
    assert model.tickets[t].rt == model.tickets[t].ledger == Holder(SD, "alice")


def test_a_push_to_someone_outside_the_group_asks_the_group_queue():
    model, t = model_with(Holder(SD, "alice"))
    model.changed_in_rt(t, "bob", Holder(SD, "carol"))  # carol is in Network only
    assert model.tickets[t].request.target == Holder(SD)


def test_a_revert_is_skipped_when_rt_moved_on_and_the_later_change_is_decided_on_its_own():
    model, t = model_with(Holder(SD, "alice"))
    model.changed_in_rt(t, "bob", Holder(SD, "carol"))
    assert model.changed_in_rt(t, "erin", Holder(NET, "erin")) == "force"  # erin leads Network
    assert model.dispatch() == {"revert superseded": 1}  # the ledger moved on with RT: nothing to put back
    ticket = model.tickets[t]
    assert ticket.rt == ticket.ledger == Holder(NET, "erin") and ticket.request is None  # force withdrew it


def test_the_receiver_doing_what_the_request_asks_is_the_acceptance_and_a_pull_leaves_the_request():
    model, t = model_with(Holder(SD, "alice"))
    model.changed_in_rt(t, "alice", Holder(NET, "alice"))  # her own ticket to a group not hers: a push
    model.dispatch()
    assert model.changed_in_rt(t, "bob", Holder(SD, "bob")) == "pull"
    assert model.tickets[t].request.target == Holder(NET)
    assert model.changed_in_rt(t, "carol", Holder(NET, "dana")) == "accepted-in-rt"
    assert model.tickets[t].ledger == Holder(NET, "dana") and model.tickets[t].request is None


def test_dave_accepting_is_a_write_rt_half_refuses_and_the_ledger_follows_rt():
    model, t = model_with(Holder(SD, "alice"))
    model.changed_in_rt(t, "bob", Holder(NET))
    model.dispatch()
    model.tickets[t].request.handoff_id = "0123456789ab"
    assert model.accept(t, "0123456789ab", "dave")
    assert model.dispatch() == {"accept refused": 1}
    ticket = model.tickets[t]
    assert ticket.rt == ticket.ledger == Holder(NET, "alice") and ticket.failures == 1


def test_the_recount_leaves_out_reverts_with_their_push_and_pushes_rt_moved_on_from():
    created = Holder(SD, "alice")
    model, t = model_with(created)
    model.changed_in_rt(t, "bob", Holder(SD, "carol"))  # push, reverted
    model.dispatch()
    model.changed_in_rt(t, "bob", Holder(NET, "bob"))  # push, then RT moves on before the revert
    model.changed_in_rt(t, "erin", Holder(NET, "erin"))  # force
    model.dispatch()
    changes = [
        Change("bob", "10:00:01", Holder(SD, "carol")),
        Change(BATON, "10:00:02", created),
        Change("bob", "10:00:05", Holder(NET, "bob")),
        Change("erin", "10:00:07", Holder(NET, "erin")),
    ]
    record = RTRecord("1", created, changes, [])
    assert recount(record, model.tickets[t].history) == (1, True)  # alice -> Network/erin
    assert recount(record, None) == (2, False)  # the statement's rule alone counts the push bob made


def test_of_two_pushes_before_a_dispatch_only_the_last_is_reverted_and_only_its_request_stays():
    model, t = model_with(Holder(SD, "alice"))
    model.changed_in_rt(t, "bob", Holder(SD, "carol"))
    model.changed_in_rt(t, "bob", Holder(NET, "carol"))
    assert model.dispatch() == {"revert moved-on": 1, "revert written": 1}
    ticket = model.tickets[t]
    assert ticket.rt == ticket.ledger == Holder(SD, "alice") and ticket.request.target == Holder(NET)

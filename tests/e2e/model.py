"""A small model of the handoff protocol as Baton must follow it beside Request Tracker (issue 15).

Written for the model-based test from the protocol's statement, not from Baton's code: it never calls
Baton's engine. Per ticket it predicts RT's holder R, the ledger's holder L and the open request Q, and
which holder changes RT's own history will show.

A change is decided when it happens, in order, as Baton decides it when its next poll reads the change:
nothing in a decision depends on when the poll comes. Baton's writes to RT (a revert, an accepted
request) wait for the next dispatch, where `dispatch` plays them against RT as it is then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from baton_itsm.core.domain.bounces import count_bounces
from baton_itsm.core.domain.holders import Holder

BATON = "baton"


@dataclass(frozen=True)
class Groups:
    """The deployment's groups as the model reads them: {group: (members, managers)}."""

    groups: Mapping[str, tuple[frozenset[str], frozenset[str]]]

    @classmethod
    def of(cls, groups: Mapping[str, tuple[Iterable[str], Iterable[str]]]) -> Groups:
        return cls({g: (frozenset(m), frozenset(mg)) for g, (m, mg) in groups.items()})

    def is_member(self, person: str | None, group: str) -> bool:
        return person is not None and person in self.groups.get(group, ((), ()))[0]

    def is_manager(self, person: str | None, group: str) -> bool:
        return person is not None and person in self.groups.get(group, ((), ()))[1]

    def may_receive(self, person: str, target: Holder) -> bool:
        """T's person; a member of T's group when T is a queue; a manager of T's group."""
        return (
            person == target.person
            or (target.person is None and self.is_member(person, target.group))
            or self.is_manager(person, target.group)
        )

    def receiver_of_push(self, ledger: Holder, pushed: Holder) -> Holder:
        """Who a push asks: the new group's queue across groups, else the named member, else the queue."""
        if pushed.group != ledger.group:
            return Holder(pushed.group)
        if self.is_member(pushed.person, ledger.group):
            return pushed
        return Holder(ledger.group)


def covers(new: Holder, target: Holder) -> bool:
    return new == target or (target.person is None and new.group == target.group)


@dataclass
class Request:
    """The open request Q; its id is Baton's, learnt from the ledger after the cycle that recorded it."""

    target: Holder
    handoff_id: str | None = None


@dataclass(frozen=True)
class Write:
    """A holder Baton owes RT at its next dispatch: the revert of a push, or an accepted request."""

    why: str  # revert | accept
    target: Holder
    expected: Holder  # RT's holder Baton decided on; RT elsewhere by the dispatch means RT moved on


@dataclass(frozen=True)
class RTChange:
    """One logical holder change as RT's history will show it."""

    actor: str
    after: Holder
    counts: bool = True  # False for a push: the ledger never held it, reverted or not
    revert: bool = False  # Baton's write putting a push back (not its write of an accepted request)


@dataclass
class TicketModel:
    ticket_id: str
    rt: Holder  # R
    ledger: Holder  # L
    created: Holder
    request: Request | None = None  # Q
    lost: str | None = None  # deleted | hidden
    writes: list[Write] = field(default_factory=list)
    history: list[RTChange] = field(default_factory=list)
    ledger_holders: list[Holder] = field(default_factory=list)
    failures: int = 0  # Baton writes RT refused (each needs an action-failed entry)
    past_requests: list[str] = field(default_factory=list)  # ids of requests no longer open
    diverged: bool = False  # Baton was seen elsewhere than predicted; the model took Baton's state since

    def __post_init__(self) -> None:
        self.ledger_holders = [self.ledger]

    @property
    def bounces(self) -> int:
        return count_bounces(self.ledger_holders)

    def set_ledger(self, holder: Holder) -> None:
        if holder != self.ledger:
            self.ledger = holder
            self.ledger_holders.append(holder)

    def close_request(self) -> None:
        if self.request is not None and self.request.handoff_id:
            self.past_requests.append(self.request.handoff_id)
        self.request = None


class Model:
    """Every ticket's predicted state, and the protocol's decisions on each change."""

    def __init__(self, groups: Groups, unownable: frozenset[str] = frozenset({"dave"})):
        self.groups = groups
        self.unownable = unownable  # people RT refuses as owner (no OwnTicket)
        self.tickets: dict[str, TicketModel] = {}

    def created(self, ticket_id: str, holder: Holder) -> TicketModel:
        model = TicketModel(ticket_id, rt=holder, ledger=holder, created=holder)
        self.tickets[ticket_id] = model
        return model

    # --- what people do in RT -----------------------------------------------------------------
    def changed_in_rt(self, ticket_id: str, actor: str, new: Holder) -> str:
        """`actor` moved the ticket to `new` in one write; returns the decision's name."""
        t = self.tickets[ticket_id]
        if new == t.rt:
            return "no-op"
        t.rt = new
        if t.lost:
            t.history.append(RTChange(actor, new))
            return "unseen"
        decision = self.decide(t, actor, new)
        t.history.append(RTChange(actor, new, counts=decision != "push"))
        return decision

    def decide(self, t: TicketModel, actor: str, new: Holder) -> str:
        old, q, groups = t.ledger, t.request, self.groups
        if new == old:
            return "same"  # back where the ledger has it (a push undone before Baton's revert): nothing to decide
        if q is not None and groups.may_receive(actor, q.target) and covers(new, q.target):
            t.set_ledger(new)
            t.close_request()
            return "accepted-in-rt"
        if new.person == actor and (new.group == old.group or groups.is_member(actor, new.group)):
            t.set_ledger(new)
            return "pull"
        if groups.is_manager(actor, old.group) or groups.is_manager(actor, new.group):
            t.set_ledger(new)
            t.close_request()
            return "force"
        if new.group == old.group and new.person is None:
            t.set_ledger(new)
            return "release"
        t.close_request()
        t.request = Request(groups.receiver_of_push(old, new))
        t.writes.append(Write("revert", target=old, expected=new))
        return "push"

    def push_is_defined(self, ticket_id: str, new: Holder) -> bool:
        """False where the protocol's statement leaves the push undefined: a request to the holder itself."""
        t = self.tickets[ticket_id]
        return new != t.ledger and self.groups.receiver_of_push(t.ledger, new) != t.ledger

    def lost_in_rt(self, ticket_id: str, why: str, new: Holder | None = None) -> None:
        """Deleted, or moved where Baton cannot see it: the request is withdrawn, the ticket is lost."""
        t = self.tickets[ticket_id]
        if new is not None and new != t.rt:
            t.rt = new
            t.history.append(RTChange("?", new))
        t.lost = why
        t.close_request()
        t.writes.clear()

    # --- what people do through Baton (CLI, or a /baton comment read at the next poll) -------------
    def accept(self, ticket_id: str, handoff_id: str, by: str) -> bool:
        t = self.tickets[ticket_id]
        q = t.request
        if t.lost or q is None or q.handoff_id != handoff_id or not self.groups.may_receive(by, q.target):
            return False
        target = q.target
        if target.person is None and self.groups.is_member(by, target.group):
            target = Holder(target.group, by)
        t.set_ledger(target)
        t.close_request()
        t.writes.append(Write("accept", target=target, expected=t.rt))
        return True

    def decline(self, ticket_id: str, handoff_id: str, by: str) -> bool:
        t = self.tickets[ticket_id]
        q = t.request
        if t.lost or q is None or q.handoff_id != handoff_id or not self.groups.may_receive(by, q.target):
            return False
        t.close_request()
        return True

    # --- Baton's dispatch ---------------------------------------------------------------------
    def dispatch(self) -> dict[str, int]:
        """Baton's owed writes, in order, against RT as it is now; returns what happened to them."""
        done: dict[str, int] = {}
        for t in self.tickets.values():
            for write in t.writes:
                if t.ledger != write.target:
                    outcome = "superseded"
                elif t.rt != write.expected:
                    outcome = "moved-on"  # RT moved on: the write is skipped, the later change stands
                elif write.target.person in self.unownable:
                    outcome = "refused"
                    self._refused(t, write.target)
                else:
                    outcome = "written"
                    self._written(t, write.target, revert=write.why == "revert")
                done[f"{write.why} {outcome}"] = done.get(f"{write.why} {outcome}", 0) + 1
            t.writes.clear()
        return done

    def _written(self, t: TicketModel, holder: Holder, revert: bool = False) -> None:
        if holder != t.rt:
            t.rt = holder
            t.history.append(RTChange(BATON, holder, revert=revert))

    def _refused(self, t: TicketModel, holder: Holder) -> None:
        """RT applies the queue and refuses the owner; the ledger records the failure and follows RT."""
        self._written(t, Holder(holder.group, t.rt.person))
        t.failures += 1
        t.set_ledger(t.rt)

"""The handoff protocol as the model tests predict it (issue 15): per ticket, the tool's holder and Baton's.

Written from the protocol as the lead stated it for the model test (accept-before-reassign in revert mode,
ownership `follows`), not from Baton's engine: a holder is (group, person or None); Baton's ledger holder L, the
tool's holder R, at most one open request Q to a holder T. Baton reads the tool's changes at each poll, one write
of one person as one change from the holder before to the holder after, and decides each against L:

 0. the tool shows L again: nothing to decide (Q stays as it was);
 1. Q open, X may receive it and the new holder N covers T: the acceptance. L := N;
 2. X took it (N's person is X, in L's group or one X belongs to): a pull. L := N;
 3. X manages L's group or N's: a force. L := N, Q withdrawn;
 4. same group, nobody named: a release. L := N;
 5. otherwise a push: Q withdrawn, a new request to the receiver (N's group queue across groups; N's person when
    in the group, else the group queue); Baton puts the tool back to L at its dispatch. When that receiver is L
    itself (a queue ticket pushed to someone outside the group) no request can be made: the push is flagged and
    followed, L := N.
Baton's dispatch writes only the last holder write it decided for a ticket, only while the ledger still wants it,
and never when the tool already shows it. Accept (L := T, or (T's group, Y) for a member Y accepting a queue
request) is written at the next dispatch; a write the tool refuses is recorded, and the ledger follows the tool at
the next poll. Decline closes Q. Status changes and comments move nothing. A deleted ticket is lost: Q withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from baton_itsm.core.domain.holders import Holder

SD, NET = "Service Desk", "Network"
MEMBERS = {SD: {"alice", "bob"}, NET: {"carol", "dave"}}
MANAGERS = {SD: {"dana"}, NET: {"erin"}}
PEOPLE = ("alice", "bob", "carol", "dave", "dana", "erin")
REFUSED_ASSIGNEE = "dave"  # in Network for Baton, but the tool will not take him as assignee
DEPLOYMENT = """\
ownership: {model: follows, desk_groups: [Service Desk]}
groups:
  Service Desk: {members: [alice, bob], managers: [dana]}
  Network: {members: [carol, dave], managers: [erin]}
rules:
  accept_before_reassign: {mode: revert, triage_groups: [], exempt_groups: []}
"""


def member(person: str, group: str) -> bool:
    return person in MEMBERS.get(group, ())


def manager(person: str, group: str) -> bool:
    return person in MANAGERS.get(group, ())


def may_receive(person: str, target: Holder) -> bool:
    if manager(person, target.group):
        return True
    return person == target.person if target.person else member(person, target.group)


def covers(target: Holder, holder: Holder) -> bool:
    return holder == target or (target.person is None and holder.group == target.group)


def receiver_of_push(ledger: Holder, new: Holder) -> Holder:
    if new.group != ledger.group:
        return Holder(new.group)
    return new if new.person and member(new.person, ledger.group) else Holder(ledger.group)


@dataclass
class Predicted:
    """One ticket as the model sees it."""

    tool: Holder
    ledger: Holder | None = None  # None until Baton's first poll after the creation
    request: Holder | None = None  # the open request's receiver
    lost: bool = False
    resolved: bool = False  # its status now is a resolved one
    resolved_seen: bool = False  # its status was a resolved one when Baton last read it
    # agents' changes since the last poll, in order: (who, the holder after), or (who, "accept"/"decline") for a
    # comment command
    unread: list[tuple[str, Holder | str]] = field(default_factory=list)
    writes: list[tuple[Holder, Holder]] = field(default_factory=list)  # Baton's holder writes: (to, expected)
    refused_write: bool = False  # Baton's write was refused: the ledger follows the tool at the next poll
    reconcile_next: bool = False
    why: list[str] = field(default_factory=list)  # what the model decided, for a failure's report


class ProtocolModel:
    def __init__(self) -> None:
        self.tickets: dict[str, Predicted] = {}

    # --- what people do ---------------------------------------------------------------------------
    def created(self, ticket: str, holder: Holder) -> None:
        self.tickets[ticket] = Predicted(tool=holder)

    def tool_changed(self, ticket: str, by: str, new: Holder) -> None:
        t = self.tickets[ticket]
        if new != t.tool:
            t.tool = new
            t.unread.append((by, new))

    def deleted(self, ticket: str) -> None:
        t = self.tickets[ticket]
        t.lost, t.request, t.unread, t.writes = True, None, [], []
        t.why.append("deleted: lost, request withdrawn")

    def hidden(self, ticket: str) -> None:
        """Moved where Baton's account may not read it: lost to Baton like a deleted ticket."""
        self.deleted(ticket)

    def commented(self, ticket: str, by: str, verb: str) -> None:
        """`/baton accept|decline ID` in an internal comment: done when Baton reads it, in order."""
        self.tickets[ticket].unread.append((by, verb))

    def accepted(self, ticket: str, by: str) -> None:
        self._accept(self.tickets[ticket], by)

    def _accept(self, t: Predicted, by: str) -> None:
        target = t.request
        assert target is not None and may_receive(by, target)
        new = Holder(target.group, by) if target.person is None and member(by, target.group) else target
        t.ledger, t.request = new, None
        if new != t.tool:
            t.writes.append((new, t.tool))
        t.why.append(f"{by} accepted via Baton: L={new}")

    def declined(self, ticket: str, by: str) -> None:
        t = self.tickets[ticket]
        t.request = None
        t.why.append(f"{by} declined")

    # --- one Baton cycle: poll (decide each change), then dispatch ----------------------------------
    def cycle(self) -> None:
        for t in self.tickets.values():
            if t.lost:
                continue
            t.resolved_seen = t.resolved
            if t.ledger is None:
                t.ledger = t.tool  # first seen
                t.unread = []
            for by, new in t.unread:
                if new == "accept":
                    self._accept(t, by)
                elif new == "decline":
                    t.request = None
                    t.why.append(f"{by} declined by a comment")
                else:
                    self._decide(t, by, new)
            t.unread = []
            if t.reconcile_next:
                t.reconcile_next = False
                if t.ledger != t.tool:
                    t.why.append(f"reconciled: L={t.tool}")
                    t.ledger = t.tool
                    if t.request is not None and covers(t.request, t.tool):
                        t.request = None
            self._dispatch(t)

    def _decide(self, t: Predicted, x: str, new: Holder) -> None:
        old, q = t.ledger, t.request
        if new == old:
            t.why.append(f"{x}: {new} is the ledger's holder again: nothing")
            return
        if q is not None and may_receive(x, q) and covers(q, new):
            t.ledger, t.request = new, None
            t.why.append(f"{x}: acceptance in the tool, L={new}")
        elif new.person == x and (new.group == old.group or member(x, new.group)):
            t.ledger = new
            t.why.append(f"{x}: pull, L={new}")
        elif manager(x, old.group) or manager(x, new.group):
            t.ledger, t.request = new, None
            t.why.append(f"{x}: force, L={new}")
        elif new.group == old.group and new.person is None:
            t.ledger = new
            t.why.append(f"{x}: release, L={new}")
        elif receiver_of_push(old, new) == old:
            t.ledger = new
            t.why.append(f"{x}: push to {new} that no request can carry: flagged, L={new}")
        else:
            t.request = receiver_of_push(old, new)
            t.writes.append((old, new))
            t.why.append(f"{x}: push to {new}: request to {t.request}, revert to {old}")

    def _dispatch(self, t: Predicted) -> None:
        if not t.writes:
            return
        to, expected = t.writes[-1]  # a later holder write supersedes the earlier ones
        t.writes = []
        if t.ledger != to or t.tool == to:
            return  # the ledger no longer wants it, or the tool shows it already
        assert t.tool == expected, (t, to, expected)
        if to.person == REFUSED_ASSIGNEE:
            t.why.append(f"Baton's write of {to} refused by the tool")
            t.reconcile_next = True
            return
        t.tool = to
        t.why.append(f"Baton wrote {to}")

    def may_act(self, ticket: str) -> bool:
        """People may change the ticket in the tool again (several changes in one poll window are read in order);
        not while a write of Baton's is still to come, whose outcome the model would have to guess."""
        t = self.tickets[ticket]
        return not (t.lost or t.writes or t.reconcile_next or t.ledger is None)

    def settled(self, ticket: str) -> bool:
        """Nothing of Baton's is still to happen on the ticket (a person's next act there is decided afresh)."""
        t = self.tickets[ticket]
        return not (t.unread or t.writes or t.reconcile_next or t.ledger is None)

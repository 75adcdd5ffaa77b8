"""Random sequences of commands never break the protocol's invariants.

Commands are drawn from everything a desk could send, allowed or not; refusals are fine, but whatever
was accepted must leave the ticket consistent.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import event as hypothesis_event
from hypothesis import given, settings
from hypothesis import strategies as st

from baton_itsm.core.domain.commands import (
    AcceptHandoff,
    DeclineHandoff,
    ExpireHandoff,
    ForceHandoff,
    RecordHolderChange,
    RequestHandoff,
    WithdrawHandoff,
)
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.events import HandoffApplied, HolderChanged
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import TRANSITIONS, HandoffKind, HandoffState
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.domain.protocol_errors import ProtocolError
from baton_itsm.core.domain.ticket import Ticket
from baton_itsm.core.store.codec import event_to_row, row_to_event

KEY = TicketKey("sn", "INC0001")
DIRECTORY = Directory.of(
    {"SD": ({"alice", "bob"}, {"dana"}), "Net": ({"carol", "frank"}, {"erin"}), "Vendor": ({"vic"}, {"dana"})}
)
PEOPLE = ["alice", "bob", "carol", "frank", "vic", "dana", "erin", "mallory"]
HOLDERS = [Holder(g, p) for g, info in DIRECTORY.groups.items() for p in [None, *sorted(info.members)]]
HANDOFF_IDS = ["h1", "h2", "h3"]

people = st.sampled_from(PEOPLE)
holders = st.sampled_from([*HOLDERS, Holder("Unknown")])
ids = st.sampled_from(HANDOFF_IDS)
reasons = st.sampled_from(["", "  ", "needs network", "wrong queue", "escalating", "VIP"])
kinds = st.sampled_from(list(HandoffKind))

commands = st.one_of(
    st.builds(
        lambda i, to, by, r, k: RequestHandoff(ticket=KEY, handoff_id=i, to_holder=to, by=by, reason=r, kind=k),
        ids,
        holders,
        people,
        reasons,
        kinds,
    ),
    st.builds(lambda i, by: AcceptHandoff(ticket=KEY, handoff_id=i, by=by), ids, people),
    st.builds(lambda i, by: AcceptHandoff(ticket=KEY, handoff_id=i, by=by), ids, st.sampled_from(PEOPLE[:5])),
    st.builds(lambda i, by, r: DeclineHandoff(ticket=KEY, handoff_id=i, by=by, reason=r), ids, people, reasons),
    st.builds(lambda i, by: WithdrawHandoff(ticket=KEY, handoff_id=i, by=by), ids, people),
    st.builds(lambda i: ExpireHandoff(ticket=KEY, handoff_id=i), ids),
    st.builds(
        lambda i, to, by, r: ForceHandoff(ticket=KEY, handoff_id=i, to_holder=to, by=by, reason=r),
        ids,
        holders,
        people,
        reasons,
    ),
    st.builds(lambda to, by: RecordHolderChange(ticket=KEY, to_holder=to, by=by), holders, people),
    st.builds(lambda to, by: RecordHolderChange(ticket=KEY, to_holder=to, by=by), holders, people),
)


def reachable_in_one_command(state: HandoffState | None) -> set[HandoffState]:
    """One command may walk two steps of the table (accept: requested -> accepted -> applied)."""
    first = TRANSITIONS[state]
    return set(first).union(*(TRANSITIONS[s] for s in first))


def reference_bounces(changes: list[Holder]) -> int:
    """An independent recount: group runs, and person changes inside each run."""
    bounces = 0
    for index, (_, run) in enumerate(itertools.groupby(changes, key=lambda h: h.group)):
        named = [h.person for h in run if h.person is not None]
        bounces += (index > 0) + sum(1 for a, b in itertools.pairwise(named) if a != b)
    return bounces


@settings(max_examples=400, deadline=None)
@given(st.lists(commands, max_size=60))
def test_random_command_sequences_keep_the_invariants(sequence):
    ticket = Ticket(KEY)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    history, applied_changes = [], []
    for command in sequence:
        now += timedelta(minutes=7)
        before_states = {h: r.state for h, r in ticket.handoffs.items()}
        holder_before = ticket.holder
        try:
            events = decide(ticket, command, now=now, directory=DIRECTORY)
        except ProtocolError:
            assert ticket.holder == holder_before
            continue
        for event in events:
            if isinstance(event, (HandoffApplied, HolderChanged)):
                assert event.from_holder == ticket.holder, "a change starts from the one current holder"
                if event.to_holder != ticket.holder:
                    applied_changes.append(event.to_holder)
            ticket.apply(event)
        history.extend(events)

        # At most one open handoff at a time.
        assert sum(r.state.is_open for r in ticket.handoffs.values()) <= 1
        for handoff_id, record in ticket.handoffs.items():
            previous = before_states.get(handoff_id)
            assert record.state == previous or record.state in reachable_in_one_command(previous), (
                previous,
                record.state,
            )
            assert record.to_holder.group in DIRECTORY.groups
            if record.state is HandoffState.DECLINED:
                assert record.decline_reason and record.decline_reason.strip()
            if record.state is HandoffState.APPLIED and not record.forced:
                by, to = record.decided_by, record.to_holder
                assert (
                    DIRECTORY.is_manager(by, to.group)
                    or by == to.person
                    or (to.person is None and DIRECTORY.is_member(by, to.group))
                )
            if record.forced:
                groups = {record.to_holder.group, record.from_holder.group if record.from_holder else None}
                assert any(DIRECTORY.is_manager(record.decided_by, g) for g in groups if g)

    hypothesis_event(f"holder changes: {min(len(applied_changes), 5)}{'+' if len(applied_changes) >= 5 else ''}")
    assert ticket.holder == (applied_changes[-1] if applied_changes else None)
    assert ticket.bounces == reference_bounces(applied_changes)
    replayed = Ticket.from_events(KEY, history)
    assert (replayed.holder, replayed.bounces, replayed.version) == (ticket.holder, ticket.bounces, len(history))

    # What the store writes and reads back is the same event.
    for event in history:
        row = SimpleNamespace(**event_to_row(event))
        assert row_to_event(row, KEY) == event

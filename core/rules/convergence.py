"""Convergence: the ledger follows the tool where its change log could not say what happened.

Three cases, each recorded so the ledger says why it moved:
- the tool shows a holder the ledger does not have, and no write of Baton's is under way to explain it (a change
  Baton could not see, a write of Baton's that failed): a HolderChanged(cause="reconciled"). Baton never acts on a
  holder it only inferred: nothing is reverted, and an open request its receiver already holds is withdrawn;
- the ticket was deleted, or moved where Baton's account cannot see it: TicketLost, and its open request withdrawn
  (the receiver is told), since nobody can accept a ticket Baton can no longer move;
- a lost ticket seen again (by an observation, or a change someone other than Baton made): TicketFound, or the
  reconciling entry where it moved meanwhile.
"""

from __future__ import annotations

from baton_itsm.core.domain.commands import WithdrawHandoff
from baton_itsm.core.domain.convergence_events import TicketFound, TicketLost
from baton_itsm.core.domain.events import HolderChanged
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.scratch import Scratch

CONVERGENCE = "rule:convergence"
LOST_WORDS = {
    "deleted": "the ticket was deleted in the tool",
    "hidden": "the ticket moved where Baton's account cannot see it",
}


def covers(requested: Holder, holder: Holder | None) -> bool:
    """Whether `holder` is what a request to `requested` asks for (a queue request: anyone of that group)."""
    return holder is not None and (
        requested == holder or (requested.person is None and requested.group == holder.group)
    )


def follow_tool(scratch: Scratch, event: ToolEvent, *, awaiting_write: bool) -> None:
    """Bring the ledger to the tool's state in `event` (kind OBSERVED), unless a write of Baton's is still under way."""
    ticket, lost = scratch.ticket, event.fields.get("lost")
    if lost:
        lose(scratch, lost, event.event_id)
        return
    seen = event.new_holder
    if seen is None or awaiting_write or (seen == ticket.holder and not ticket.lost) or _held(scratch, seen):
        return
    if seen == ticket.holder:  # lost, and seen again where the ledger left it
        scratch.record([TicketFound(ticket=ticket.key, at=scratch.now, by=None, source_event_id=event.event_id)])
        return
    scratch.record(
        [
            HolderChanged(
                ticket=ticket.key,
                at=scratch.now,
                by=None,
                from_holder=ticket.holder,
                to_holder=seen,
                source_event_id=event.event_id,
                cause="reconciled",
            )
        ]
    )
    open_handoff = ticket.open_handoff()
    if open_handoff is not None and covers(open_handoff.to_holder, seen):
        scratch.try_run(
            WithdrawHandoff(
                ticket=ticket.key,
                handoff_id=open_handoff.handoff_id,
                by=CONVERGENCE,
                reason=f"the tool shows the ticket with {seen} already",
            )
        )


def _held(scratch: Scratch, seen: Holder) -> bool:
    """A push left standing on purpose (mode `hold`): the tool shows it while its request waits for acceptance."""
    open_handoff = scratch.ticket.open_handoff()
    return (
        open_handoff is not None
        and scratch.policy.mode_for(seen.group) == "hold"
        and covers(open_handoff.to_holder, seen)
    )


def lose(scratch: Scratch, reason: str, source_event_id: str) -> None:
    """Record that Baton lost sight of the ticket (once) and close its open request."""
    ticket = scratch.ticket
    if ticket.lost == reason:
        return
    open_handoff = ticket.open_handoff()
    if open_handoff is not None:
        scratch.try_run(
            WithdrawHandoff(
                ticket=ticket.key,
                handoff_id=open_handoff.handoff_id,
                by=CONVERGENCE,
                reason=LOST_WORDS.get(reason, reason),
            )
        )
    scratch.record(
        [TicketLost(ticket=ticket.key, at=scratch.now, by=None, reason=reason, source_event_id=source_event_id)]
    )

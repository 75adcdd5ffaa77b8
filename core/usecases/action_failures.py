"""What happens when an action Baton decided fails for good: it is recorded, decided again, and people are told.

A tool action (a revert, applying an accepted or forced handoff, a note) that the tool refuses, forbids, cannot find
or lost to a concurrent change is written to the ledger as ActionFailed against the decision it served; the ticket
is marked for a fresh look at the tool, so the next poll brings the ledger to the tool's holder as it is now (the
decision made again: core/rules/convergence.py); a note in the ticket and an email tell the person whose decision it
was and the leads of the groups involved (the admins too, when the tool refused Baton's own account); and it is
logged at ERROR. A notice that fails for good is logged at ERROR and stays listed in the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.convergence_events import ActionFailed
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.errors import ToolAuthError
from baton_itsm.core.rules.actions import add_note, notify
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.dispatcher import OutboxItem

log = logging.getLogger("baton_itsm.actions")

WORDS = {
    "revert": "put the ticket back",
    "apply": "move the ticket to its new holder",
    "add-note": "add a note to the ticket",
    "reply": "reply on the ticket",
}


def _decision(payload) -> tuple[str, Holder | None]:
    """What a failed tool action was for (revert, apply, add-note...) and the holder it wanted, if any."""
    data = payload.get("holder")
    return (
        payload.get("purpose") or payload.get("action") or "action",
        None if not data else Holder(data["group"], data.get("person")),
    )


def is_deployment_fault(error: Exception) -> bool:
    """Faults only an admin can fix: Baton's own account refused, or no such connector instance."""
    return isinstance(error, ToolAuthError) or "no connector instance" in str(error)


@dataclass
class FailedActions:
    """The dispatcher's `on_failed`: called once per outbox row that failed for good."""

    store: Store
    policy: Policy
    clock: Clock
    admins: Sequence[str] = ()

    def __call__(self, item: OutboxItem, error: Exception) -> None:
        payload = item.payload
        log.error("%s failed for good and was not done: %s: %s", item.idempotency_key, type(error).__name__, error)
        if item.channel != "tool" or "instance" not in payload:
            return  # a notice: listed in the outbox (`baton outbox list --status failed`), and logged above
        key = TicketKey(payload["instance"], str(payload["ticket_id"]))
        action, holder = _decision(payload)
        with self.store.unit_of_work(self.clock.now()) as uow:
            ticket = uow.load_ticket(key)
            uow.append(
                ticket,
                [
                    ActionFailed(
                        ticket=key,
                        at=uow.now,
                        by=None,
                        action=action,
                        decision=item.idempotency_key,
                        to_holder=holder,
                        handoff_id=payload.get("handoff_id"),
                        reason=str(error),
                    )
                ],
            )
            facts = uow.load_facts(key)
            uow.save_facts(key, replace(facts, unverified=True))  # the next poll looks at the tool again
            for outgoing in failure_notices(self.policy, self.admins, item, error, ticket, facts.tool_holder):
                uow.queue_outgoing(outgoing.idempotency_key, outgoing.channel, outgoing.payload, ticket=key)


def failure_notices(
    policy: Policy, admins: Sequence[str], item: OutboxItem, error: Exception, ticket, tool_holder: Holder | None = None
) -> list:
    """The email to the people concerned (who decided; the leads of the groups it was to leave and to reach, as
    the ledger and the tool have them) and, for a holder write, the note in the ticket."""
    payload, key = item.payload, ticket.key
    action, holder = _decision(payload)
    words = WORDS.get(action, action)
    target = f" ({holder})" if holder else ""
    next_step = (
        "Baton follows what the tool shows at its next poll or the ticket's next change, whichever comes first; "
        "nothing else is moved until someone decides."
    )
    groups = {h.group for h in (holder, ticket.holder, tool_holder) if h is not None}
    people = [payload.get("decided_by"), *(policy.lead_of(g) for g in sorted(groups))]
    if is_deployment_fault(error):
        people += list(admins)
    people = [p for p in people if p and not p.startswith("rule:")]  # a rule has no inbox
    told = [
        notify(
            "action-failed",
            key,
            key=item.idempotency_key,
            people=people,
            action=action,
            action_words=words + target,
            handoff_id=payload.get("handoff_id") or "",
            error=str(error),
            next_step=next_step,
        )
    ]
    if payload.get("action") == "set-holder" and not isinstance(error, ToolAuthError):
        request = f" for handoff {payload['handoff_id']}" if payload.get("handoff_id") else ""
        told.append(
            add_note(
                key,
                f"Baton could not {words}{target}{request}: {error}. {next_step}",
                key=f"failed-note:{item.idempotency_key}",
            )
        )
    return told

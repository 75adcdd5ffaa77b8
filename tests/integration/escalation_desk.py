"""A desk with administrative escalations, shared by the escalation review tests (store, CLI, API, page).

Whoever escalates to Service Management opens a review whose editors are the configured editor (quinn),
the escalation manager (erin) and the receiving group's lead (mia, its manager).
"""

from __future__ import annotations

from baton_itsm.core.domain.commands import ForceHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind

CONFIG = """\
groups:
  Service Desk: {members: [alice, bob], managers: [dana]}
  Service Management: {members: [sam], managers: [mia]}
  Network: {members: [carol], managers: [erin]}
rules:
  acceptance_timeout: {escalation_manager: erin}
reviews:
  escalations: {editors: [quinn], causes: [service decision, process gap, other]}
"""
EDITORS = ["erin", "mia", "quinn"]
TICKET = TicketKey("rt", "7")


def escalate(
    app,
    handoff_id: str = "esc1",
    ticket: TicketKey = TICKET,
    kind: HandoffKind = HandoffKind.ADMINISTRATIVE_SERVICE,
    to: str = "Service Management",
) -> list:
    """alice takes `ticket` (forced by her manager) and escalates it; returns the escalation's entries."""
    app.handoffs.execute(
        ForceHandoff(
            ticket=ticket,
            handoff_id=f"{handoff_id}-take",
            to_holder=Holder("Service Desk", "alice"),
            by="dana",
            reason="new call",
        )
    )
    return app.handoffs.execute(
        RequestHandoff(
            ticket=ticket,
            handoff_id=handoff_id,
            to_holder=Holder(to),
            by="alice",
            kind=kind,
            reason="the customer asks for a refund outside the policy",
            summary="explained the refund policy twice",
        )
    )

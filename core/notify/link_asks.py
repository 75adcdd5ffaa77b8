"""The one-click request a decline suggests: the sender of a declined request follows the link in the decline's
email, sees the request to the suggested group pre-filled (the first request's reason and summary, and why it
was declined), and asks it. The link works once, for that sender and that declined request."""

from __future__ import annotations

from dataclasses import dataclass

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.ticket import HandoffRecord
from baton_itsm.core.notify.link_errors import InvalidLink, LinkAlreadyUsed, LinksDisabled
from baton_itsm.core.notify.link_uses import already_used_message, find_use, use_link
from baton_itsm.core.notify.tokens import ASK_SUGGESTED, LinkClaim, LinkSigner
from baton_itsm.core.usecases.handoffs import HandoffService, new_handoff_id


@dataclass(frozen=True)
class AskView:
    """What the page shows: the declined request, the group it suggests and the pre-filled words."""

    claim: LinkClaim
    ticket: TicketKey
    declined: HandoffRecord
    group: str
    reason: str
    summary: str


@dataclass
class SuggestedAsks:
    handoffs: HandoffService
    clock: Clock
    signer: LinkSigner | None

    def inspect(self, token: str) -> AskView:
        if self.signer is None:
            raise LinksDisabled(
                "This Baton has no link secret set, so it cannot check links. "
                "Ask for the handoff in Baton, and tell your administrator."
            )
        claim = self.signer.verify(token, self.clock.now(), purpose=ASK_SUGGESTED)
        with self.handoffs.store.unit_of_work(self.clock.now()) as uow:
            if (use := find_use(uow.connection, claim)) is not None:
                raise LinkAlreadyUsed(already_used_message(use))
            key = uow.ticket_of_handoff(claim.handoff_id)
            declined = uow.load_ticket(key).handoff(claim.handoff_id) if key else None
        if (
            key is None
            or declined is None
            or declined.state is not HandoffState.DECLINED
            or not declined.decline_suggests
        ):
            raise InvalidLink("This link names no declined request that suggests another group.")
        summary = f"{declined.summary}\n" if declined.summary else ""
        summary += f"Declined by {declined.decided_by} ({declined.to_holder}): {declined.decline_reason}"
        return AskView(claim, key, declined, declined.decline_suggests, declined.reason, summary)

    def ask(self, token: str, reason: str, summary: str) -> tuple[AskView, str]:
        """Open the request to the suggested group as the link's sender; returns the view and the new id."""
        view = self.inspect(token)
        handoff_id = new_handoff_id()
        self.handoffs.execute(
            RequestHandoff(
                ticket=view.ticket,
                handoff_id=handoff_id,
                to_holder=Holder(view.group),
                by=view.claim.receiver,
                reason=reason,
                summary=summary,
                kind=view.declined.kind,
            ),
            within=lambda uow: use_link(uow.connection, view.claim, "ask", uow.now),
        )
        return view, handoff_id

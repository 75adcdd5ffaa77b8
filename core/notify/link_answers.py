"""Answering a handoff request through a link: check the link, show the request, accept or decline it once."""

from __future__ import annotations

from dataclasses import dataclass

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.commands import AcceptHandoff, DeclineHandoff
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.ticket import HandoffRecord
from baton_itsm.core.notify.link_errors import InvalidLink, LinkAlreadyUsed, LinksDisabled, RequestClosed
from baton_itsm.core.notify.link_uses import already_used_message, find_use, use_link
from baton_itsm.core.notify.tokens import LinkClaim, LinkSigner
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.store.unit_of_work import UnitOfWork
from baton_itsm.core.usecases.handoffs import HandoffService

CLOSED = {
    HandoffState.APPLIED: "was accepted",
    HandoffState.ACCEPTED: "was accepted",
    HandoffState.FORCED: "was forced",
    HandoffState.DECLINED: "was declined",
    HandoffState.EXPIRED: "expired",
    HandoffState.WITHDRAWN: "was withdrawn",
}


@dataclass(frozen=True)
class LinkView:
    """What the page shows about the request a link answers."""

    claim: LinkClaim
    ticket: TicketKey
    request: HandoffRecord
    facts: TicketFacts


@dataclass
class LinkAnswers:
    handoffs: HandoffService
    clock: Clock
    signer: LinkSigner | None

    def inspect(self, token: str) -> LinkView:
        """The request behind a usable link; a LinkError (invalid, expired, used, closed) otherwise."""
        claim = self._claim(token)
        with self.handoffs.store.unit_of_work(self.clock.now()) as uow:
            use = find_use(uow.connection, claim)
            if use is not None:
                raise LinkAlreadyUsed(already_used_message(use))
            return self._view(uow, claim)

    def accept(self, token: str) -> LinkView:
        view = self.inspect(token)
        claim = view.claim
        self.handoffs.execute(
            AcceptHandoff(ticket=view.ticket, handoff_id=claim.handoff_id, by=claim.receiver),
            within=lambda uow: use_link(uow.connection, claim, "accept", uow.now),
        )
        return view

    def decline(self, token: str, reason: str, reason_code: str = "") -> LinkView:
        view = self.inspect(token)
        claim = view.claim
        self.handoffs.execute(
            DeclineHandoff(
                ticket=view.ticket,
                handoff_id=claim.handoff_id,
                by=claim.receiver,
                reason=reason.strip(),
                reason_code=reason_code,
            ),
            within=lambda uow: use_link(uow.connection, claim, "decline", uow.now),
        )
        return view

    def _claim(self, token: str) -> LinkClaim:
        if self.signer is None:
            raise LinksDisabled(
                "This Baton has no link secret set, so it cannot check links. "
                "Answer the request in Baton, and tell your administrator."
            )
        return self.signer.verify(token, self.clock.now())

    def _view(self, uow: UnitOfWork, claim: LinkClaim) -> LinkView:
        key = uow.ticket_of_handoff(claim.handoff_id)
        if key is None:
            raise InvalidLink("This link names a request Baton does not know.")
        request = uow.load_ticket(key).handoff(claim.handoff_id)
        if request is None:  # the ticket found by the handoff holds it: a ledger that says otherwise is broken
            raise InvalidLink("This link names a request Baton does not know.")
        if request.state is not HandoffState.REQUESTED:
            who = f" by {request.decided_by}" if request.decided_by else ""
            closed = CLOSED.get(request.state, str(request.state))
            raise RequestClosed(
                f"The request to hand {key} to {request.to_holder} {closed}{who}; there is nothing left to answer."
            )
        return LinkView(claim, key, request, uow.load_facts(key))

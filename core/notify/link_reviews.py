"""Reviewing or auditing a handoff through a link: check the link, show the handoff, record the answers once.

The person acting is always the link's: the page has no field that names anyone. Whether they may act is
the protocol's to say (domain/review_protocol.py), asked before the form is shown and again, for real,
when it is sent, in the transaction that uses the link up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.domain.protocol_errors import InvalidTransition, NotAllowed, ProtocolError, UnknownHandoff
from baton_itsm.core.domain.review_commands import AuditHandoff, ReviewHandoff
from baton_itsm.core.domain.review_events import HandoffReviewed
from baton_itsm.core.domain.reviews import HandoffAnswers, Timeliness
from baton_itsm.core.domain.ticket import HandoffRecord
from baton_itsm.core.notify.link_errors import (
    ExpiredLink,
    InvalidLink,
    LinkAlreadyUsed,
    LinksDisabled,
    NothingToReview,
    NotYourHandoff,
)
from baton_itsm.core.notify.link_uses import already_used_message, find_use, use_link
from baton_itsm.core.notify.links import REVIEW_PATH, LinkMaker
from baton_itsm.core.notify.tokens import AUDIT, REVIEW, LinkClaim, LinkSigner
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.store.unit_of_work import UnitOfWork
from baton_itsm.core.usecases.handoffs import HandoffService

CHECKING = HandoffAnswers(note="(checking who may answer)")  # the protocol refuses an empty review


@dataclass(frozen=True)
class ReviewKind:
    """What differs between the receiver's review and the lead's audit."""

    purpose: str  # the links' purpose (notify/tokens.py); also what the use of a link is recorded as
    command: type[ReviewHandoff] | type[AuditHandoff]
    not_yours: str  # the refusal's title for a valid link of someone who may not answer
    who: str  # who may answer, as the refusal says it
    elsewhere: str  # how to answer without the link


REVIEWING = ReviewKind(
    REVIEW,
    ReviewHandoff,
    "Only the receiver can review this handoff",
    "only the person who received the ticket can review the handoff",
    "with a comment on the ticket (/baton review needed=yes prepared=no timely=late) or with `baton review handoff`",
)
AUDITING = ReviewKind(
    AUDIT,
    AuditHandoff,
    "Only the lead it was drawn for can audit this handoff",
    "only the lead it was drawn for, or a manager of the receiving group, can audit it",
    "with `baton review audit`",
)


@dataclass(frozen=True)
class ReviewView:
    """What the page shows about the handoff a link reviews or audits."""

    claim: LinkClaim
    ticket: TicketKey
    handoff: HandoffRecord
    facts: TicketFacts
    review: HandoffAnswers | None = None  # the receiver's, once given: shown beside an audit after it is recorded


@dataclass
class LinkReviews:
    handoffs: HandoffService
    clock: Clock
    signer: LinkSigner | None
    kind: ReviewKind

    def inspect(self, token: str) -> ReviewView:
        """The handoff behind a usable link; a LinkError (invalid, expired, used, not theirs, done) otherwise."""
        claim = self._claim(token)
        now = self.clock.now()
        with self.handoffs.store.unit_of_work(now) as uow:
            use = find_use(uow.connection, claim)
            if use is not None:
                raise LinkAlreadyUsed(already_used_message(use))
            key = uow.ticket_of_handoff(claim.handoff_id)
            if key is None:
                raise InvalidLink("This link names a handoff Baton does not know.")
            ticket, facts = uow.load_ticket(key), uow.load_facts(key)
        record = ticket.handoff(claim.handoff_id)
        if record is None:  # the ticket found by the handoff holds it: a ledger that says otherwise is broken
            raise InvalidLink("This link names a handoff Baton does not know.")
        view = ReviewView(claim, key, record, facts)
        try:  # a dry run of the command: the page refuses exactly what sending the form would
            decide(ticket, self._command(view, CHECKING), now=now, directory=self.handoffs.directory)
        except ProtocolError as error:
            raise self._refusal(error, claim) from None
        return view

    def answer(self, token: str, answers: HandoffAnswers) -> ReviewView:
        """Record the answers and use the link up, in one transaction; an audit's view then carries the
        receiver's review, if any (its confirmation shows both)."""
        view = self.inspect(token)
        claim = view.claim
        try:
            self.handoffs.execute(
                self._command(view, answers),
                within=lambda uow: use_link(uow.connection, claim, self.kind.purpose, uow.now),
            )
        except (NotAllowed, InvalidTransition) as error:  # it changed since the page was shown (a comment)
            raise self._refusal(error, claim) from None
        if self.kind is not AUDITING:
            return view
        with self.handoffs.store.unit_of_work(self.clock.now()) as uow:
            return replace(view, review=receivers_review(uow, view.ticket, claim.handoff_id))

    def _command(self, view: ReviewView, answers: HandoffAnswers) -> ReviewHandoff | AuditHandoff:
        return self.kind.command(
            ticket=view.ticket, handoff_id=view.claim.handoff_id, by=view.claim.receiver, answers=answers, via="link"
        )

    def _refusal(self, error: ProtocolError, claim: LinkClaim) -> Exception:
        if isinstance(error, NotAllowed):
            return NotYourHandoff(
                f"This link was made for {claim.receiver}, but {self.kind.who}.", title=self.kind.not_yours
            )
        if isinstance(error, (InvalidTransition, UnknownHandoff)):
            return NothingToReview(f"{str(error).rstrip('.')}.")
        return error

    def _claim(self, token: str) -> LinkClaim:
        if self.signer is None:
            raise LinksDisabled(
                "This Baton has no link secret set, so it cannot check links. Tell your "
                f"administrator; meanwhile you can answer {self.kind.elsewhere}."
            )
        try:
            return self.signer.verify(token, self.clock.now(), self.kind.purpose)
        except ExpiredLink as error:  # the token's text speaks of requests; say what is left for a review
            expired = str(error).split(" UTC.", 1)[0]
            raise ExpiredLink(
                f"{expired} UTC. Answering is optional; you can still answer {self.kind.elsewhere}."
            ) from None


def receivers_review(uow: UnitOfWork, key: TicketKey, handoff_id: str) -> HandoffAnswers | None:
    for entry in uow.ledger(key):
        event = entry.event
        if isinstance(event, HandoffReviewed) and event.handoff_id == handoff_id:
            return HandoffAnswers(
                event.needed, event.prepared, Timeliness(event.timely) if event.timely else None, event.note
            )
    return None


def review_offer(
    handoffs: HandoffService, links: LinkMaker | None, handoff_id: str, person: str, now: datetime
) -> str | None:
    """A link to review `handoff_id` now, when the deployment asked `person` to review it and they have not."""
    if links is None:
        return None
    with handoffs.store.unit_of_work(now) as uow:
        key = uow.ticket_of_handoff(handoff_id)
        record = uow.load_ticket(key).handoff(handoff_id) if key else None
    if record is None or record.review_of != person or record.reviewed_by is not None:
        return None
    return links.link(REVIEW_PATH, handoff_id, person, REVIEW, now)

"""Escalation reviews as the CLI, the API and the editor's page use them: list, show, edit, link, close, reopen.

Reads go through escalation_queries; every change is a domain command run by HandoffService.execute, so
the protocol (who may edit, what a review may say, when it may close) decides, in one transaction.
This module adds what the domain cannot know: the deployment's list of cause kinds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.protocol_errors import InvalidRequest, UnknownHandoff
from baton_itsm.core.domain.review_commands import (
    CloseEscalationReview,
    EditEscalationReview,
    LinkEscalationChange,
    ReopenEscalationReview,
)
from baton_itsm.core.domain.review_protocol import may_edit_review
from baton_itsm.core.escalation_reviews.escalation_queries import Listing, find_reviews
from baton_itsm.core.escalation_reviews.escalation_views import EscalationReviewView
from baton_itsm.core.usecases.handoffs import HandoffService

if TYPE_CHECKING:
    from baton_itsm.core.app import App


@dataclass
class EscalationReviews:
    handoffs: HandoffService
    causes: Sequence[str]  # reviews.escalations.causes: the kinds of cause a review may name

    @classmethod
    def of(cls, app: App) -> EscalationReviews:
        return cls(app.handoffs, tuple(app.config.reviews.escalations.causes))

    # --- reading ------------------------------------------------------------------------------
    def find(
        self, listing: Listing | str = Listing.OPEN, ticket: TicketKey | None = None
    ) -> list[EscalationReviewView]:
        """Reviews still open (the default), closed, or all; optionally of one ticket. Oldest first."""
        now = self.handoffs.clock.now()
        with self.handoffs.store.engine.connect() as connection:
            return find_reviews(connection, now, Listing(listing), ticket=ticket)

    def get(self, handoff_id: str) -> EscalationReviewView:
        now = self.handoffs.clock.now()
        with self.handoffs.store.engine.connect() as connection:
            found = find_reviews(connection, now, Listing.ALL, handoff_ids=[handoff_id])
        if not found:
            raise UnknownHandoff(
                f"no escalation review for handoff {handoff_id}: only an administrative escalation opens one"
            )
        return found[0]

    def may_edit(self, view: EscalationReviewView, person: str) -> bool:
        return may_edit_review(person, view.review, view.escalation, self.handoffs.directory)

    # --- changing -----------------------------------------------------------------------------
    def edit(
        self, handoff_id: str, by: str, sections: Mapping[str, str | None], cause_kind: str | None = None
    ) -> list[LedgerEvent]:
        """Write the sections given (None: leave as is); [] when nothing changed."""
        given = {name: text for name, text in sections.items() if text is not None}
        return self._execute(
            EditEscalationReview, handoff_id, by=by, sections=given, cause_kind=self.cause_kind(cause_kind)
        )

    def link(self, handoff_id: str, by: str, change: str, reference: str, note: str = "") -> list[LedgerEvent]:
        return self._execute(
            LinkEscalationChange, handoff_id, by=by, change=change.strip().lower(), reference=reference, note=note
        )

    def close(self, handoff_id: str, by: str, note: str = "") -> list[LedgerEvent]:
        return self._execute(CloseEscalationReview, handoff_id, by=by, note=note)

    def reopen(self, handoff_id: str, by: str, reason: str = "") -> list[LedgerEvent]:
        return self._execute(ReopenEscalationReview, handoff_id, by=by, reason=reason)

    def cause_kind(self, text: str | None) -> str | None:
        """The configured cause `text` names (any case), None for blank; InvalidRequest listing them otherwise."""
        if text is None or not text.strip():
            return None
        wanted = " ".join(text.split()).casefold()
        for cause in self.causes:
            if cause.casefold() == wanted:
                return cause
        raise InvalidRequest(
            f"{text.strip()!r} is not a kind of cause this deployment knows; choose one of: "
            f"{', '.join(self.causes)} (reviews.escalations.causes)"
        )

    def _execute(self, command_type, handoff_id: str, **fields) -> list[LedgerEvent]:
        ticket = self.handoffs.ticket_of(handoff_id)
        return self.handoffs.execute(command_type(ticket=ticket, handoff_id=handoff_id, **fields))

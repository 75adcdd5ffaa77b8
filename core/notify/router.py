"""The notice router: the outbox handler for the rules' `notify` rows and for requester digests.

It renders each message once per recipient and hands it to the notifiers the deployment chose for that
audience; their rows are queued in one transaction, under keys derived from the notice's stable key, so a
notice routed twice (a crash before it was marked sent) queues nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from baton_itsm.core.away.returns import RETURN_CHANNEL
from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.context import MessageContext
from baton_itsm.core.notify.digest import DIGEST_CHANNEL, coalesce
from baton_itsm.core.notify.eta import estimate_eta
from baton_itsm.core.notify.links import ASK_PATH, AUDIT_PATH, ESCALATION_REVIEW_PATH, REVIEW_PATH, LinkMaker
from baton_itsm.core.notify.notices import Notice, Recipient
from baton_itsm.core.notify.notifier import REQUESTER, STAFF, Message, Notifier
from baton_itsm.core.notify.rendering import Renderer
from baton_itsm.core.notify.routes import StaffRoutes
from baton_itsm.core.notify.tokens import ASK_SUGGESTED, AUDIT, ESCALATION_REVIEW, REVIEW
from baton_itsm.core.rules.decisions import Outgoing
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.settings.notifications import NotificationsConfig
from baton_itsm.core.store.unit_of_work import Store, UnitOfWork
from baton_itsm.core.usecases.dispatcher import OutboxItem

NOTIFY_CHANNEL = "notify"
ANSWER_LINKS = frozenset({"handoff-request", "acceptance-reminder"})  # a receiver accepts or declines: two links
# Notices with one link to one page, and the purpose its token is signed for: a review link opens no other page.
PAGE_LINKS = {
    "handoff-review": (REVIEW_PATH, REVIEW),
    "handoff-audit": (AUDIT_PATH, AUDIT),
    "escalation-review": (ESCALATION_REVIEW_PATH, ESCALATION_REVIEW),
}
WITH_LINKS = ANSWER_LINKS | frozenset(PAGE_LINKS)
log = logging.getLogger(__name__)


@dataclass
class NoticeRouter:
    store: Store
    clock: Clock
    settings: NotificationsConfig
    addresses: AddressBook
    renderer: Renderer
    policy: Policy
    notifiers: Mapping[str, Sequence[Notifier]]  # audience: the notifiers that serve it
    links: LinkMaker | None = None
    audit_guidance: str = ""  # settings reviews.audit_guidance: shown to the lead who audits a handoff
    named: Mapping[str, Notifier] = field(default_factory=dict)  # every notifier in use, by channel name
    staff_routes: StaffRoutes | None = None  # per group and per person choices of staff channels

    @property
    def handlers(self) -> dict[str, Callable[[OutboxItem], None]]:
        return {NOTIFY_CHANNEL: self.route, DIGEST_CHANNEL: self.send_digest, RETURN_CHANNEL: self.send_return}

    def route(self, item: OutboxItem) -> None:
        notice = Notice.from_row(item.idempotency_key, item.payload)
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            facts = uow.load_facts(notice.ticket)
            rows = self._staff(notice, facts, now) if notice.for_staff else []
            if notice.to_requester and notice.template == "status-update":
                if self._tell_requester(notice):
                    coalesce(uow, notice, timedelta(seconds=self.settings.coalesce_seconds))
            elif notice.to_requester:
                recipient = self._requester(facts)
                context = self._context(notice.ticket, facts, recipient).build(notice.details)
                rows += self._compose(notice.key, notice.template, notice.ticket, REQUESTER, recipient, context)
            _queue(uow, notice.ticket, rows)

    def send_digest(self, item: OutboxItem) -> None:
        ticket, changes = TicketKey.parse(item.payload["ticket"]), item.payload["changes"]
        with self.store.unit_of_work(self.clock.now()) as uow:
            facts = uow.load_facts(ticket)
            recipient = self._requester(facts)
            eta = estimate_eta(changes[-1], facts, self.policy)
            context = self._context(ticket, facts, recipient).status(changes, eta)
            _queue(
                uow, ticket, self._compose(item.idempotency_key, "status-update", ticket, REQUESTER, recipient, context)
            )

    def send_return(self, item: OutboxItem) -> None:
        """A person back from leave: one message of what changed on their tickets (core/away/returns.py)."""
        payload = item.payload
        recipient = self.addresses.person(payload["person"])
        thread = TicketKey("baton", f"back-{payload['person']}")  # not one ticket's conversation
        context = {
            "recipient": {"name": recipient.name or "", "email": recipient.email or ""},
            "name": self.addresses.display_name,
            "ticket": {"key": "", "subject": "", "url": ""},
            "notice": payload,
            "links": None,
        }
        rendered = self.renderer.render("back-from-leave", context)
        message = Message(
            item.idempotency_key,
            thread,
            STAFF,
            recipient,
            rendered.subject,
            rendered.text,
            rendered.html,
            template="back-from-leave",
            details={"person": payload["person"]},
        )
        rows = [row for notifier in self._notifiers(STAFF, message) for row in notifier.compose(message)]
        if not rows:
            log.warning("%s: no channel reaches %s (no address?)", item.idempotency_key, recipient.label)
        with self.store.unit_of_work(self.clock.now()) as uow:
            for row in rows:
                uow.queue_outgoing(row.idempotency_key, row.channel, row.payload)

    # --- internals ---------------------------------------------------------------------------------------
    def _tell_requester(self, notice: Notice) -> bool:
        """With first-assignment-only, the requester hears who took the ticket first, then nothing more."""
        return not (self.settings.first_assignment_only and notice.details.get("previous_holder"))

    def _staff(self, notice: Notice, facts: TicketFacts, now: datetime) -> list[Outgoing]:
        recipients = self.addresses.staff(notice)
        if not recipients:  # e.g. a group with no members configured: say so rather than drop it silently
            log.warning("%s: nobody to tell among %s", notice.key, [*notice.to_people, *notice.to_groups])
        rows = []
        for recipient in recipients:
            extra = {"guidance": self.audit_guidance} if notice.template == "handoff-audit" else {}
            context = self._context(notice.ticket, facts, recipient).build(
                notice.details, links=self._links(notice, recipient, now), **extra
            )
            rows += self._compose(
                f"{notice.key}:{recipient.person}", notice.template, notice.ticket, STAFF, recipient, context
            )
        return rows

    def _links(self, notice: Notice, recipient: Recipient, now: datetime) -> dict[str, str] | None:
        handoff_id = notice.details.get("handoff_id")
        if (
            self.links is not None
            and notice.template == "handoff-declined"
            and notice.details.get("suggested_group")
            and handoff_id
            and recipient.person
        ):  # the decline suggests a group: asking it is one click
            return {"suggested": self.links.link(ASK_PATH, handoff_id, recipient.person, ASK_SUGGESTED, now)}
        if self.links is None or notice.template not in WITH_LINKS or not handoff_id or not recipient.person:
            return None  # the templates then say how to answer without a link
        if notice.template in ANSWER_LINKS:
            return self.links.for_receiver(handoff_id, recipient.person, now)
        path, purpose = PAGE_LINKS[notice.template]
        return self.links.for_page(path, handoff_id, recipient.person, purpose, now)

    def _requester(self, facts: TicketFacts) -> Recipient:
        # Without an address the email notifier skips; an in-ticket reply still reaches the requester.
        return self.addresses.requester(facts.requester, facts.requester_name) or Recipient(
            name=facts.requester_name, email=None
        )

    def _context(self, ticket: TicketKey, facts: TicketFacts, recipient: Recipient) -> MessageContext:
        return MessageContext(ticket, facts, recipient, self.addresses.display_name)

    def _compose(
        self, key: str, template: str, ticket: TicketKey, audience: str, recipient: Recipient, context: dict[str, Any]
    ) -> list[Outgoing]:
        rendered = self.renderer.render(template, context)
        message = Message(
            key,
            ticket,
            audience,
            recipient,
            rendered.subject,
            rendered.text,
            rendered.html,
            template=template,
            links=context.get("links"),
            details={
                **(context.get("notice") or {}),
                "ticket_subject": context["ticket"]["subject"],
                "ticket_url": context["ticket"].get("url") or "",
            },
        )
        rows = [row for notifier in self._notifiers(audience, message) for row in notifier.compose(message)]
        if not rows:
            log.warning("%s: no channel of the %s audience reaches %s (no address?)", key, audience, recipient.label)
        return rows

    def _notifiers(self, audience: str, message: Message) -> Sequence[Notifier]:
        if audience != STAFF or self.staff_routes is None:
            return self.notifiers.get(audience, ())
        return [self.named[name] for name in self.staff_routes.channels(message.recipient.person, message.details)]


def _queue(uow: UnitOfWork, ticket: TicketKey, rows: list[Outgoing]) -> None:
    for row in rows:
        uow.queue_outgoing(row.idempotency_key, row.channel, row.payload, ticket=ticket)

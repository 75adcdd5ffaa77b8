"""A click on Accept or Decline in Slack: verify it came from Slack, find the Baton person, apply it as them.

Slack signs each interactivity request with the app's signing secret (`v0:timestamp:body`, HMAC-SHA256); the SDK's
verifier compares in constant time and refuses a timestamp more than five minutes away. A request seen before
(the same signature) is refused too. The clicker is mapped to a Baton person by their Slack account's email, and
the answer is applied as that person with the same rights as a link or the API: someone who may not accept is told
why, in a reply only they see. The message is then updated in place; a click on a request that is no longer open
(a stale button) turns the message into a line saying so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.domain.protocol_errors import InvalidTransition, NotAllowed, ProtocolError, UnknownHandoff
from baton_itsm.core.notify.link_answers import CLOSED
from baton_itsm.core.store.unit_of_work import UnitOfWork
from baton_itsm.core.usecases.handoffs import HandoffService
from baton_itsm.plugins.slack.blocks import ACCEPT, DECLINE, answered_blocks
from baton_itsm.plugins.slack.client import SlackClient
from baton_itsm.plugins.slack.notifier import RESPOND, SLACK_CHANNEL, UPDATE

TOLERANCE_SECONDS = 300  # Slack's own: the SDK's verifier refuses a timestamp further away than this
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClickAnswer:
    """What the endpoint answers Slack (Slack shows the clicker an error for anything but 200)."""

    status: int
    outcome: str  # accepted, refused, stale, ignored, unauthenticated
    text: str = ""


@dataclass(frozen=True)
class Click:
    user_id: str
    action_id: str
    handoff_id: str
    channel: str
    ts: str
    response_url: str
    blocks: list[dict]

    @classmethod
    def parse(cls, body: bytes) -> Click | None:
        """The button click in a `block_actions` form body; None for anything else Slack sends."""
        payload = json.loads((parse_qs(body.decode()).get("payload") or ["{}"])[0])
        actions = payload.get("actions") or []
        if (
            payload.get("type") != "block_actions"
            or not actions
            or actions[0].get("action_id") not in (ACCEPT, DECLINE)
        ):
            return None
        container = payload.get("container") or {}
        return cls(
            user_id=payload["user"]["id"],
            action_id=actions[0]["action_id"],
            handoff_id=actions[0]["value"],
            channel=container.get("channel_id") or (payload.get("channel") or {}).get("id", ""),
            ts=container.get("message_ts", ""),
            response_url=payload.get("response_url", ""),
            blocks=(payload.get("message") or {}).get("blocks") or [],
        )


class _SlackTime(SlackClock):
    def __init__(self, clock: Clock):
        self.clock = clock

    def now(self) -> float:
        return self.clock.now().timestamp()


@dataclass
class SlackClicks:
    handoffs: HandoffService
    clock: Clock
    client: SlackClient
    signing_secret: str = field(repr=False)
    people_by_email: Mapping[str, str]  # lower-case email: Baton person
    display_name: Callable[[str | None], str]
    _seen: dict[str, float] = field(default_factory=dict, init=False, repr=False)  # signature: when it expires

    def answer(self, headers: Mapping[str, str], body: bytes) -> ClickAnswer:
        refusal = self._authenticate(headers, body)
        if refusal:
            return ClickAnswer(401, "unauthenticated", refusal)
        click = Click.parse(body)
        if click is None:
            return ClickAnswer(200, "ignored")
        if click.action_id == DECLINE:  # a url button: Slack opened Baton's decline page, which asks the reason
            return ClickAnswer(200, "ignored", "the decline page asks for the reason")
        return self._accept(click)

    def _authenticate(self, headers: Mapping[str, str], body: bytes) -> str:
        if not self.signing_secret:
            return "Slack is not set up here: no signing secret"
        lower = {k.lower(): v for k, v in headers.items()}
        signature, timestamp = lower.get("x-slack-signature", ""), lower.get("x-slack-request-timestamp", "")
        if not timestamp.isdigit() or not SignatureVerifier(self.signing_secret, _SlackTime(self.clock)).is_valid(
            body, timestamp, signature
        ):
            return "bad or old signature"
        now = self.clock.now().timestamp()
        self._seen = {seen: until for seen, until in self._seen.items() if until > now}
        if signature in self._seen:
            return "this request was already received (a replay)"
        self._seen[signature] = int(timestamp) + TOLERANCE_SECONDS
        return ""

    def _accept(self, click: Click) -> ClickAnswer:
        person = self._person(click.user_id)
        if person is None:
            return self._refuse(
                click,
                "Baton does not know you: no Baton person has the email address of your "
                "Slack account. Ask your administrator to add it to the deployment's people.",
            )
        try:
            ticket = self.handoffs.ticket_of(click.handoff_id)
            self.handoffs.execute(
                AcceptHandoff(ticket=ticket, handoff_id=click.handoff_id, by=person),
                within=lambda uow: self._accepted(uow, click, person),
            )
        except InvalidTransition:
            return self._stale(click)
        except (NotAllowed, UnknownHandoff) as error:
            return self._refuse(click, f"You cannot accept this request: {error}.")
        except ProtocolError as error:
            return self._refuse(click, f"Baton refused: {error}.")
        return ClickAnswer(200, "accepted", f"accepted by {person}")

    def _person(self, user_id: str) -> str | None:
        email = self.client.email_of(user_id)
        return self.people_by_email.get(email) if email else None

    def _accepted(self, uow: UnitOfWork, click: Click, person: str) -> None:
        """Queued with the acceptance, in its transaction: the message then says who accepted it and when."""
        self._queue_update(uow, click, f"Accepted by {self.display_name(person)} {_at(uow.now)}")

    def _stale(self, click: Click) -> ClickAnswer:
        """The request is closed (answered, expired, withdrawn): the message says so instead of its buttons."""
        key = self.handoffs.ticket_of(click.handoff_id)
        with self.handoffs.store.unit_of_work(self.clock.now()) as uow:
            request = uow.load_ticket(key).known_handoff(click.handoff_id)  # the ledger named its ticket
            what = CLOSED.get(request.state, str(request.state))
            who = f" by {self.display_name(request.decided_by)}" if request.decided_by else ""
            line = f"This request {what}{who}; these buttons are stale, there is nothing left to answer."
            self._queue_update(uow, click, line)
        return ClickAnswer(200, "stale", line)

    def _refuse(self, click: Click, text: str) -> ClickAnswer:
        if click.response_url:
            with self.handoffs.store.unit_of_work(self.clock.now()) as uow:
                uow.queue_outgoing(
                    f"slack-respond:{click.channel}:{click.ts}:{uow.now.isoformat()}",
                    SLACK_CHANNEL,
                    {"op": RESPOND, "response_url": click.response_url, "text": text},
                )
        return ClickAnswer(200, "refused", text)

    def _queue_update(self, uow: UnitOfWork, click: Click, line: str) -> None:
        if not (click.channel and click.ts):
            return
        uow.queue_outgoing(
            f"slack-update:{click.channel}:{click.ts}:{click.handoff_id}",
            SLACK_CHANNEL,
            {
                "op": UPDATE,
                "channel": click.channel,
                "ts": click.ts,
                "text": line,
                "blocks": answered_blocks(click.blocks, line),
            },
        )


def _at(when: datetime) -> str:
    """Slack shows a date token in each reader's own time zone; the fallback is UTC."""
    return f"at <!date^{int(when.timestamp())}^{{time}}|{when:%H:%M} UTC>"


def people_by_email(people: Mapping[str, Any]) -> dict[str, str]:
    return {entry.email.strip().lower(): name for name, entry in people.items() if getattr(entry, "email", None)}

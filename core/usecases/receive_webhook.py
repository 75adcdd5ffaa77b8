"""Receiving one webhook delivery: parse and verify it (the connector), keep it once (the intake), answer.

Independent of the HTTP framework: a route passes the instance's connector, the raw headers and body, and
sends back the answer's status. `read_delivery` either answers at once (anomalous: 400; ignored or
unsupported: 200) or gives the Delivery to keep; `kept_answer` says what to answer once it is kept. The
delivery is only kept here; `Intake.process_pending` handles it, so the tool hears 200 as soon as the
delivery is safe, and a retried or replayed delivery id is kept once. `receive_webhook` does all three
in one call, keeping through `Intake.receive`; the HTTP route keeps through the group commit instead.

Whatever a delivery holds, the answer is a 2xx or a 4xx, never a 5xx: each connector checks the shape of
what it reads (one reason per refusal), an accepted delivery's events must fit what the ledger stores
(`unfit`), and a connector that fails all the same is a bug in Baton, logged with its traceback, while
the sender hears 400.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from baton_itsm.core.connector import Connector, WebhookOutcome, WebhookResult
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.usecases.inbox_payload import delivery_payload
from baton_itsm.core.usecases.intake import Intake

log = logging.getLogger(__name__)
MAX_DELIVERY_ID = 200  # the inbox's event_id column
MAX_TICKET_ID, MAX_EVENT_ID, MAX_NAME = 100, 120, 200  # ids and names that end up in ledger columns and keys
# Facts kept in the tickets table's own columns (core/store/schema.py), and their widths.
FACT_WIDTHS = {"priority": 64, "status": 64, "category": 200, "requester": 320, "requester_name": 320}


@dataclass(frozen=True)
class WebhookAnswer:
    status: int  # 200, or 400 for an anomalous delivery (unsigned, wrongly signed, stale, malformed)
    outcome: str  # accepted | duplicate | ignored | unsupported | anomalous
    reason: str = ""


@dataclass(frozen=True)
class Delivery:
    """An accepted delivery, ready for the inbox: its id and the events as the inbox keeps them."""

    delivery_id: str
    payload: dict
    events: int


def read_delivery(connector: Connector, headers: Mapping[str, str], body: bytes) -> WebhookAnswer | Delivery:
    try:
        result = connector.parse_webhook(headers, body)
        if result.outcome is WebhookOutcome.ACCEPTED and (problem := unfit(result.events, result.delivery_id)):
            result = WebhookResult(WebhookOutcome.ANOMALOUS, reason=problem)
    except Exception:  # a connector bug: logged whole, and the sender is not told a 500
        log.exception("webhook for %s: the connector failed to read a delivery", connector.instance)
        result = WebhookResult(WebhookOutcome.ANOMALOUS, reason="the delivery could not be read")
    if result.outcome is WebhookOutcome.ANOMALOUS:
        log.warning("webhook for %s refused: %s", connector.instance, result.reason)
        return WebhookAnswer(400, str(result.outcome), result.reason)
    if result.outcome is not WebhookOutcome.ACCEPTED:
        if result.outcome is WebhookOutcome.UNSUPPORTED:
            log.info("webhook for %s not understood: %s", connector.instance, result.reason)
        return WebhookAnswer(200, str(result.outcome), result.reason)
    # A tool that sends no delivery id still sends the same bytes when it retries.
    delivery = result.delivery_id or "sha256:" + hashlib.sha256(body).hexdigest()
    return Delivery(delivery, delivery_payload(result.events, result.settle_seconds), len(result.events))


def unfit(events: Sequence[ToolEvent], delivery_id: str) -> str:
    """Why these events cannot be kept as they are ("" when they can): an id or name longer than the ledger
    stores, which would fail in the inbox worker on every attempt instead of being refused now."""
    if len(delivery_id) > MAX_DELIVERY_ID:
        return f"a delivery id longer than {MAX_DELIVERY_ID} characters"
    for event in events:
        too_long = [
            ("the ticket id", event.ticket.ticket_id, MAX_TICKET_ID),
            ("the event id", event.event_id, MAX_EVENT_ID),
            ("the actor", event.actor, MAX_NAME),
        ]
        for holder in (event.old_holder, event.new_holder):
            too_long += [("a group", holder.group, MAX_NAME), ("a person", holder.person, MAX_NAME)] if holder else []
        too_long += [(f"the {name}", event.fields.get(name), width) for name, width in FACT_WIDTHS.items()]
        for what, value, limit in too_long:
            if value is not None and len(value) > limit:
                return f"{what} is longer than {limit} characters"
    return ""


def kept_answer(delivery: Delivery, new: bool) -> WebhookAnswer:
    if not new:
        return WebhookAnswer(200, "duplicate", f"delivery {delivery.delivery_id} was received before; not taken again")
    return WebhookAnswer(200, "accepted", f"{delivery.events} event(s) kept")


def receive_webhook(connector: Connector, intake: Intake, headers: Mapping[str, str], body: bytes) -> WebhookAnswer:
    read = read_delivery(connector, headers, body)
    if isinstance(read, WebhookAnswer):
        return read
    return kept_answer(read, intake.keep(connector.instance, read.delivery_id, read.payload))

"""Receiving one webhook delivery: parse and verify it (the connector), keep it once (the intake), answer.

Independent of the HTTP framework: a route passes the instance's connector, the raw headers and body, and
sends back the answer's status. `read_delivery` either answers at once (anomalous: 400; ignored or
unsupported: 200) or gives the Delivery to keep; `kept_answer` says what to answer once it is kept. The
delivery is only kept here; `Intake.process_pending` handles it, so the tool hears 200 as soon as the
delivery is safe, and a retried or replayed delivery id is kept once. `receive_webhook` does all three
in one call, keeping through `Intake.receive`; the HTTP route keeps through the group commit instead.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from baton_itsm.core.connector import Connector, WebhookOutcome
from baton_itsm.core.intake import Intake, delivery_payload

log = logging.getLogger(__name__)


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
    result = connector.parse_webhook(headers, body)
    if result.outcome is WebhookOutcome.ANOMALOUS:
        log.warning("webhook for %s refused: %s", connector.instance, result.reason)
        return WebhookAnswer(400, str(result.outcome), result.reason)
    if result.outcome is not WebhookOutcome.ACCEPTED:
        if result.outcome is WebhookOutcome.UNSUPPORTED:
            log.info("webhook for %s not understood: %s", connector.instance, result.reason)
        return WebhookAnswer(200, str(result.outcome), result.reason)
    # A tool that sends no delivery id still sends the same bytes when it retries.
    delivery = result.delivery_id or "sha256:" + hashlib.sha256(body).hexdigest()
    return Delivery(delivery, delivery_payload(result.events), len(result.events))


def kept_answer(delivery: Delivery, new: bool) -> WebhookAnswer:
    if not new:
        return WebhookAnswer(200, "duplicate", f"delivery {delivery.delivery_id} was received before; not taken again")
    return WebhookAnswer(200, "accepted", f"{delivery.events} event(s) kept")


def receive_webhook(connector: Connector, intake: Intake, headers: Mapping[str, str], body: bytes) -> WebhookAnswer:
    read = read_delivery(connector, headers, body)
    if isinstance(read, WebhookAnswer):
        return read
    return kept_answer(read, intake.keep(connector.instance, read.delivery_id, read.payload))

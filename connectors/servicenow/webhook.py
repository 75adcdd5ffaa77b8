"""Holder-change deliveries from the business rule in config/servicenow/, sans-I/O: headers and bytes in.

The rule signs `TIMESTAMP.BODY` with HMAC-SHA256 (GlideCertificateEncryption.generateMac, which answers in
base64) and sends three headers: the delivery id, the timestamp (Unix seconds) and the signature. A
signature that does not match, is missing, or was made longer ago than the tolerance makes the delivery
anomalous (400): an old delivery replayed with its own valid signature is refused by its age, a recent one
by its delivery id, which the intake keeps (core/usecases/receive_webhook.py). The delivery's event is named as
the poll names the same change (`change_id`), so that with `mode: both` the intake takes it once, whichever path
brings it first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from baton_itsm.connectors.common import MalformedPayload, header
from baton_itsm.connectors.servicenow.changes import event_id
from baton_itsm.connectors.servicenow.facts import ticket_fields
from baton_itsm.connectors.servicenow.mapping import SnTicket
from baton_itsm.connectors.servicenow.values import count, parse_time, text
from baton_itsm.core.connector import WebhookOutcome, WebhookResult
from baton_itsm.core.delivery_json import MalformedBody, load
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

DELIVERY, TIMESTAMP, SIGNATURE = "X-Baton-Delivery", "X-Baton-Timestamp", "X-Baton-Signature"
UNIX_SECONDS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also takes "²", which int() refuses
MAX_DELIVERY_ID = 100  # the rule sends a GUID (32 hex digits)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """What the business rule sends as X-Baton-Signature: base64(HMAC-SHA256(secret, TIMESTAMP.BODY))."""
    return base64.b64encode(hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).digest()).decode()


def signature_valid(secret: bytes | None, headers: Mapping[str, str], body: bytes) -> bool:
    sent, timestamp = header(headers, SIGNATURE), header(headers, TIMESTAMP)
    if not secret or not sent or not timestamp:
        return False
    return hmac.compare_digest(sent.strip().encode(), sign(secret, timestamp.strip(), body).encode())


def parse_delivery(
    instance: str,
    *,
    table: str,
    secret: bytes | None,
    tolerance: float,
    now: datetime,
    states: Mapping[str, str],
    base_url: str,
    headers: Mapping[str, str],
    body: bytes,
) -> WebhookResult:
    def anomalous(reason: str) -> WebhookResult:
        return WebhookResult(WebhookOutcome.ANOMALOUS, reason=reason)

    if not secret:
        return anomalous("no webhook secret is configured for this instance (webhook_secret_env)")
    delivery, timestamp = header(headers, DELIVERY), (header(headers, TIMESTAMP) or "").strip()
    if not header(headers, SIGNATURE) or not timestamp or not delivery:
        return anomalous(f"a delivery needs {SIGNATURE}, {TIMESTAMP} and {DELIVERY}")
    if not signature_valid(secret, headers, body):
        return anomalous(f"wrong {SIGNATURE}")
    if not UNIX_SECONDS.fullmatch(timestamp) or abs(now.timestamp() - int(timestamp)) > tolerance:
        return anomalous(f"signed at {timestamp[:20]}, more than {tolerance:.0f} s from now: a replay or a wrong clock")
    try:
        payload = load(body)
        if not isinstance(payload, dict):
            raise MalformedPayload("the body is not a JSON object")
        if payload.get("delivery_id") != delivery:
            raise MalformedPayload(f"the body's delivery_id differs from {DELIVERY}")
        if len(delivery) > MAX_DELIVERY_ID:
            raise MalformedPayload(f"{DELIVERY} is longer than {MAX_DELIVERY_ID} characters")
        if payload.get("table") != table:
            return WebhookResult(
                WebhookOutcome.IGNORED,
                reason=f"a change in {payload.get('table')!r}; this instance watches {table!r}",
                delivery_id=delivery,
            )
        event = _event(instance, delivery, payload, states=states, base_url=base_url, table=table)
    except (MalformedBody, MalformedPayload) as error:
        return anomalous(f"not a Baton holder-change delivery: {error}")
    if event is None:
        return WebhookResult(
            WebhookOutcome.IGNORED, reason="neither the group nor the person changed", delivery_id=delivery
        )
    return WebhookResult(WebhookOutcome.ACCEPTED, [event], delivery_id=delivery)


def change_id(sys_id: str, created: bool, at: datetime, mod_count: int | None, delivery: str) -> str:
    """The id the poll gives the same change (changes.py), so that with `mode: both` it is taken once: an update is
    `SYS_ID#N`, N its sys_mod_count, which is the record_checkpoint of the update's sys_audit rows; a creation is
    `SYS_ID@CREATED:created`. A delivery without sys_mod_count keeps its own id (no poll names it alike)."""
    if created:
        return f"{event_id(sys_id, at)}:created"
    return delivery if mod_count is None else f"{sys_id}#{mod_count}"


def _event(
    instance: str, delivery: str, payload: dict[str, Any], *, states: Mapping[str, str], base_url: str, table: str
) -> ToolEvent | None:
    """The delivery's one event, named as the poll names that change: a creation, or a holder change; None if
    neither."""
    sys_id, at = text(payload.get("sys_id")), parse_time(payload.get("sys_updated_on"))
    if not sys_id or at is None:
        raise MalformedPayload("no sys_id or sys_updated_on")
    record = SnTicket(
        sys_id=sys_id,
        number=text(payload.get("number")),
        group=None,
        person=None,
        updated_on=text(payload.get("sys_updated_on")),
        updated_by=text(payload.get("sys_updated_by")),
        mod_count=count(payload.get("sys_mod_count")),
        reassignment_count=count(payload.get("reassignment_count")),
        state=text(payload.get("state")),
        priority=text(payload.get("priority")),
        category=text(payload.get("category")),
        subject=text(payload.get("short_description")),
    )
    group, person = _pair(payload, "assignment_group", "name"), _pair(payload, "assigned_to", "user_name")
    caller = found if isinstance(found := payload.get("caller"), dict) else {}
    fields = ticket_fields(
        record,
        requester=text(caller.get("email")) or text(caller.get("user_name")),
        states=states,
        base_url=base_url,
        table=table,
        requester_name=text(caller.get("name")),
    )
    created = payload.get("operation") == "insert"
    if not created and group[0] == group[1] and person[0] == person[1]:
        return None
    new = Holder(group[1], person[1]) if group[1] else None
    old = Holder(group[0], person[0]) if group[0] and not created else None
    return ToolEvent(
        ticket=TicketKey(instance, record.number or sys_id),
        event_id=change_id(sys_id, created, at, record.mod_count, delivery),
        kind=ToolEventKind.CREATED if created else ToolEventKind.HOLDER_CHANGED,
        at=at,
        actor=text(payload.get("actor")) or record.updated_by,
        old_holder=old,
        new_holder=new,
        fields=fields,
    )


def _pair(payload: dict[str, Any], field: str, name_key: str) -> tuple[str | None, str | None]:
    """(old, new) names of one holder part: the rule sends each side as {"value": sys_id, NAME_KEY: name}."""
    part = payload.get(field)
    if not isinstance(part, dict):
        raise MalformedPayload(f"no {field} object")
    sides = []
    for side in ("old", "new"):
        value = part.get(side)
        if not isinstance(value, dict):
            raise MalformedPayload(f"{field}.{side} is not an object")
        sides.append(text(value.get(name_key)) or text(value.get("value")))  # an unnamed id stays the id
    return sides[0], sides[1]

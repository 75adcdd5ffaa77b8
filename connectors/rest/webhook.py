"""Webhook deliveries for a REST profile, sans-I/O: bytes and headers in, a WebhookResult out.

The delivery carries one change and the ticket as it is now, with users and queues already named, so
parsing needs no call back to the tool. Outcomes follow STYLE.md: ignored, unsupported, anomalous.
The signature covers the whole body and a body carries no delivery id, so the intake keeps a delivery
under the digest of its bytes (core/usecases/receive_webhook.py): the same body posted again is the same delivery. Each
value the profile reads must be a plain value, never an object or a list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from baton_itsm.connectors.common import MalformedPayload, header
from baton_itsm.connectors.rest.mapping import classify, dig, read_change, read_ticket
from baton_itsm.connectors.rest.profile import Profile, Webhook
from baton_itsm.connectors.rest.timeline import TicketNow, named_change, to_events
from baton_itsm.core.connector import WebhookOutcome, WebhookResult
from baton_itsm.core.delivery_json import MalformedBody, load


def signature(secret: bytes, body: bytes, digest: str = "sha256") -> str:
    return hmac.new(secret, body, getattr(hashlib, digest)).hexdigest()


def verify_signature(profile: Profile, secret: bytes | None, headers: Mapping[str, str], body: bytes) -> bool:
    spec = profile.webhook
    if spec is None or not secret:
        return False
    sent = header(headers, spec.signature_header) or ""
    if not sent.startswith(spec.signature_prefix):
        return False
    expected = signature(secret, body, spec.digest)
    return hmac.compare_digest(sent[len(spec.signature_prefix) :].encode(), expected.encode())


def parse_webhook(
    instance: str, profile: Profile, secret: bytes | None, headers: Mapping[str, str], body: bytes
) -> WebhookResult:
    spec = profile.webhook
    if spec is None:
        return WebhookResult(WebhookOutcome.UNSUPPORTED, reason=f"profile {profile.name} takes no webhooks")
    if not verify_signature(profile, secret, headers, body):
        return WebhookResult(WebhookOutcome.ANOMALOUS, reason=f"missing or wrong {spec.signature_header}")
    try:
        payload = load(body)
    except MalformedBody as error:
        return WebhookResult(WebhookOutcome.ANOMALOUS, reason=str(error))
    item, ticket_item = dig(payload, spec.change), dig(payload, spec.ticket)
    if not isinstance(item, dict) or not isinstance(ticket_item, dict):
        return WebhookResult(
            WebhookOutcome.ANOMALOUS, reason=f"expected objects at {spec.change!r} and {spec.ticket!r}"
        )
    if not_plain := _not_plain(spec, profile, item, ticket_item):
        return WebhookResult(WebhookOutcome.ANOMALOUS, reason=not_plain)
    if spec.object_type and dig(item, spec.object_type.path) != spec.object_type.equals:
        return WebhookResult(WebhookOutcome.IGNORED, reason=f"not a {spec.object_type.equals} change")
    try:
        raw = read_change(item, profile.changes.item)
        ticket = read_ticket(ticket_item, profile.ticket)
    except MalformedPayload as error:
        return WebhookResult(WebhookOutcome.ANOMALOUS, reason=str(error))
    if raw.type in spec.ignored_types:
        return WebhookResult(WebhookOutcome.IGNORED, reason=f"{raw.type} changes are not watched")
    rule = classify(raw, profile.changes.kinds)
    if rule is None:
        return WebhookResult(WebhookOutcome.UNSUPPORTED, reason=f"unknown change {raw.type}/{raw.field or '-'}")
    no_person = set(profile.no_person)

    def named(value: str | None, part: str | None) -> str | None:
        return None if part == "person" and value in no_person else value

    change = named_change(raw, rule, named)
    now = TicketNow(ticket.group, named(ticket.person, "person"), ticket.fields)
    return WebhookResult(
        WebhookOutcome.ACCEPTED, to_events(instance, [change], {raw.ticket_id: now}), settle_seconds=spec.settle_seconds
    )


def _not_plain(spec: Webhook, profile: Profile, item: dict, ticket_item: dict) -> str:
    """Where the delivery has an object or a list in place of a value the profile reads ("" if nowhere)."""
    change_paths, ticket_paths = _read_paths(profile)
    for prefix, data, paths in ((spec.change, item, change_paths), (spec.ticket, ticket_item, ticket_paths)):
        for path in paths:
            if isinstance(dig(data, path), dict | list):
                return f"{prefix}.{path} is an object or a list, not a value"
    return ""


_PATHS: dict[int, tuple[Profile, tuple[str, ...], tuple[str, ...]]] = {}


def _read_paths(profile: Profile) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The paths the profile reads in a change and in a ticket, worked out once per profile (a profile is frozen):
    per delivery, dumping the profile's model cost a tenth of the receiver's time."""
    known = _PATHS.get(id(profile))
    if known is None or known[0] is not profile:
        shape = profile.ticket
        change = tuple(profile.changes.item.model_dump().values())
        known = _PATHS[id(profile)] = (profile, change, (shape.id, shape.group, shape.person, *shape.fields.values()))
    return known[1], known[2]

"""Jira webhook deliveries, sans-I/O: headers and the raw body in, a WebhookResult out.

Admin webhooks with a secret are signed `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`
(Cloud and Data Center alike); the signature is checked on the bytes, before any JSON parsing. It covers
the body only: `X-Atlassian-Webhook-Identifier` can be changed or dropped by whoever replays a captured
body, so the delivery id the intake de-duplicates on is the event's own identity in the signed body
(`delivery_id`), and a body whose own `timestamp` is further from now than the tolerance is refused (Jira
retries a delivery for up to about 30 minutes, with the same timestamp). The body's shape is checked
before it is read (delivery_shape.py). Outcomes follow STYLE.md: ignored (200), unsupported (200),
anomalous (400).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime

from baton_itsm.connectors.common import MalformedPayload, header
from baton_itsm.connectors.jira.changelog import Moment, change_events, comment_event, rewind
from baton_itsm.connectors.jira.delivery_shape import check_delivery, check_timestamp
from baton_itsm.connectors.jira.mapping import Reader, fields_of, issue_of, parse_time
from baton_itsm.core.connector import WebhookOutcome, WebhookResult
from baton_itsm.core.delivery_json import MalformedBody, load
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind

SIGNATURE = "X-Hub-Signature"
# Deliveries Jira can send that say nothing about who holds a ticket or whether it is worked.
NOT_WATCHED = frozenset(
    {
        "jira:issue_deleted",
        "comment_updated",
        "comment_deleted",
        "worklog_created",
        "worklog_updated",
        "worklog_deleted",
        "jira:worklog_updated",
        "issuelink_created",
        "issuelink_deleted",
        "attachment_created",
        "attachment_deleted",
        "issue_property_set",
        "issue_property_deleted",
    }
)
_COMMENT_URL = re.compile(r"/issue/(\d+)/comment/\d+$")


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes | None, headers: Mapping[str, str], body: bytes) -> bool:
    """Constant-time check of X-Hub-Signature; without a configured secret nothing verifies."""
    sent = header(headers, SIGNATURE)
    if not secret or not sent:
        return False
    return hmac.compare_digest(sent.strip().encode(), sign(secret, body).encode())


def delivery_id(payload: Mapping) -> str:
    """The delivery's identity, from what the signature covers: the kind of event, its issue, its changelog
    history or comment, and Jira's timestamp. A retry, or the same body posted again under any
    X-Atlassian-Webhook-Identifier or none, has the same identity; two events never do."""
    issue = found if isinstance(found := payload.get("issue"), Mapping) else {}
    changelog = found if isinstance(found := payload.get("changelog"), Mapping) else {}
    comment = found if isinstance(found := payload.get("comment"), Mapping) else {}
    parts = [
        payload.get("webhookEvent"),
        issue.get("id"),
        changelog.get("id"),
        comment.get("id"),
        payload.get("timestamp"),
    ]
    identity = "/".join("" if part is None else str(part) for part in parts)
    if len(identity) > 160:  # within the inbox's 200 characters, whatever the ids
        identity = "sha256:" + hashlib.sha256(identity.encode()).hexdigest()
    return "jira-event:" + identity


def parse_webhook(
    instance: str,
    reader: Reader,
    secret: bytes | None,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    tolerance: float,
) -> WebhookResult:
    def anomalous(reason: str) -> WebhookResult:
        return WebhookResult(WebhookOutcome.ANOMALOUS, reason=reason)

    if not verify_signature(secret, headers, body):
        return anomalous(f"missing or wrong {SIGNATURE}")
    try:
        payload = load(body)
    except MalformedBody as error:
        return anomalous(str(error))
    kind = payload.get("webhookEvent") if isinstance(payload, dict) else None
    if not isinstance(kind, str) or not kind:
        return anomalous("no webhookEvent: not a Jira delivery")
    try:
        sent_ms = check_timestamp(payload.get("timestamp"))
        if abs(now.timestamp() * 1000 - sent_ms) > tolerance * 1000:
            return anomalous(
                f"{kind}: its timestamp {parse_time(sent_ms).isoformat()} is more than {tolerance:.0f} s "
                "from now: a replay or a wrong clock"
            )
        check_delivery(payload)
        outcome, events, reason = _read(instance, reader, kind, payload)
    except MalformedPayload as error:
        return anomalous(f"{kind}: {error}")
    return WebhookResult(outcome, events, reason, delivery_id=delivery_id(payload))


def _read(instance: str, reader: Reader, kind: str, payload: dict) -> tuple[WebhookOutcome, list[ToolEvent], str]:
    if kind in NOT_WATCHED:
        return WebhookOutcome.IGNORED, [], f"{kind} deliveries are not watched"
    if kind == "comment_created":
        return _comment_created(instance, reader, payload)
    if kind not in ("jira:issue_created", "jira:issue_updated"):
        return WebhookOutcome.UNSUPPORTED, [], f"unknown delivery {kind}"
    issue = issue_of(payload.get("issue"))
    fields = fields_of(issue)
    unwatched = _unwatched(reader, fields)
    if unwatched:
        return WebhookOutcome.IGNORED, [], unwatched
    reader.people.learn(payload)
    key, facts = TicketKey(instance, str(issue["id"])), reader.facts(issue)
    at, actor = parse_time(payload["timestamp"]), reader.people.actor(payload.get("user"))
    now = reader.tool_holder(fields)
    if kind == "jira:issue_created":
        return (
            WebhookOutcome.ACCEPTED,
            [
                ToolEvent(
                    ticket=key,
                    event_id=f"created:{issue['id']}",
                    kind=ToolEventKind.CREATED,
                    at=at,
                    actor=actor,
                    new_holder=reader.holder(now),
                    fields=facts,
                )
            ],
            "",
        )
    changelog = payload.get("changelog")
    event_type = payload.get("issue_event_type_name")
    if not changelog:
        if event_type == "issue_commented" and isinstance(payload.get("comment"), dict):
            return _issue_commented(instance, reader, payload, key, facts)
        return WebhookOutcome.IGNORED, [], f"{kind} ({event_type}) without a changelog changes nothing Baton reads"
    moment = Moment(str(changelog.get("id") or f"{payload['timestamp']}:{issue['id']}"), at, actor)
    items = changelog.get("items") or []
    if not items and event_type == "issue_assigned":
        # Jira has sent issue_assigned with an empty changelog: the issue itself says who holds it now
        return (
            WebhookOutcome.ACCEPTED,
            [
                ToolEvent(
                    ticket=key,
                    event_id=moment.event_id,
                    kind=ToolEventKind.HOLDER_CHANGED,
                    at=at,
                    actor=actor,
                    new_holder=reader.holder(now),
                    fields=facts,
                )
            ],
            "",
        )
    before, lifecycle = rewind(reader, fields, now, items)
    return WebhookOutcome.ACCEPTED, change_events(reader, key, moment, before, now, lifecycle, facts), ""


def _unwatched(reader: Reader, fields: Mapping) -> str:
    projects = reader.options.projects
    project = (fields.get("project") or {}).get("key")
    return f"project {project} is not watched" if projects and project not in projects else ""


def _comment_created(instance: str, reader: Reader, payload: dict) -> tuple[WebhookOutcome, list[ToolEvent], str]:
    if not reader.options.cloud:
        # Data Center sends each comment again as jira:issue_updated (issue_commented), with its issue:
        # it is taken from there, so that a comment is one event and its project can be checked.
        return WebhookOutcome.IGNORED, [], "on Data Center comments are taken from issue_commented deliveries"
    comment = payload.get("comment")
    if not isinstance(comment, dict) or not comment.get("id"):
        raise MalformedPayload("comment_created without a comment")
    issue = payload.get("issue")
    if isinstance(issue, dict):
        fields = fields_of(issue)
        if unwatched := _unwatched(reader, fields):
            return WebhookOutcome.IGNORED, [], unwatched
        issue_id, facts = str(issue["id"]), reader.facts(issue)
    else:  # as Jira Server sends it: no issue, but the comment's own URL names the issue id
        found = _COMMENT_URL.search(str(comment.get("self", "")))
        if found is None:
            raise MalformedPayload("comment_created names no issue")
        issue_id, facts = found.group(1), {}
    reader.people.learn(payload)
    return WebhookOutcome.ACCEPTED, [comment_event(reader, TicketKey(instance, issue_id), comment, facts)], ""


def _issue_commented(
    instance: str, reader: Reader, payload: dict, key: TicketKey, facts: Mapping[str, str]
) -> tuple[WebhookOutcome, list[ToolEvent], str]:
    if reader.options.cloud:
        return WebhookOutcome.IGNORED, [], "on Cloud comments are taken from comment_created deliveries"
    return WebhookOutcome.ACCEPTED, [comment_event(reader, key, payload["comment"], facts)], ""

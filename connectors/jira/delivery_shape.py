"""The shape of a Jira webhook delivery, checked before anything reads it. Pure: no I/O.

Every part of a delivery the connector reads is checked for the type Jira sends (recorded payloads in
tests/connectors/jira/reference), so a delivery of another shape is refused with one reason naming the part
(`issue.fields.project is a string, not an object`) instead of failing somewhere inside the reading, or,
worse, being taken in and failing in the inbox worker on every attempt. Parts Baton does not read may be
anything. Ids are bounded here; names, once read, by core/usecases/receive_webhook.py (what the ledger stores).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from baton_itsm.connectors.common import MalformedPayload

MAX_ID = 100  # issue, changelog and comment ids: digits in every Jira; event ids are stored in 200 characters
MAX_NAME = 200  # user names and ids, project keys: as long as the ledger's holder and actor columns
USER_NAMES = ("accountId", "name", "key", "emailAddress", "displayName")
ITEM_VALUES = (
    "field",
    "fieldId",
    "fieldtype",
    "from",
    "to",
    "fromString",
    "toString",
    "tmpFromAccountId",
    "tmpToAccountId",
)
# Earliest and latest `timestamp` read as a time (epoch milliseconds: years 1970 to 9999).
LATEST_MS = 253_402_300_799_999


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _object(value: Any, path: str) -> Mapping | None:
    return None if value is None else _required_object(value, path)


def _required_object(value: Any, path: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise MalformedPayload(f"{path} is {_kind(value)}, not an object")
    return value


def _text(value: Any, path: str, limit: int | None = MAX_NAME) -> None:
    """A name Jira sends as text (or null); an id may also come as a number."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedPayload(f"{path} is {_kind(value)}, not text")
    if limit is not None and len(str(value)) > limit:
        raise MalformedPayload(f"{path} is longer than {limit} characters")


def _id(value: Any, path: str) -> None:
    if value is None or value == "":
        raise MalformedPayload(f"{path} is missing")
    _text(value, path, MAX_ID)


def _user(value: Any, path: str) -> None:
    user = _object(value, path)
    if user is not None:
        for name in USER_NAMES:
            _text(user.get(name), f"{path}.{name}")


def check_timestamp(value: Any) -> int | float:
    """`timestamp`: epoch milliseconds that are a time."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayload(f"timestamp is {_kind(value)}, not epoch milliseconds")
    if not (isinstance(value, int) or math.isfinite(value)) or not 0 <= value <= LATEST_MS:
        raise MalformedPayload(f"timestamp {str(value)[:30]} is not a time between 1970 and 9999")
    return value


def check_delivery(payload: Mapping) -> None:
    """Raise MalformedPayload naming the first part of `payload` that does not have the shape Baton reads."""
    check_timestamp(payload.get("timestamp"))
    _text(payload.get("issue_event_type_name"), "issue_event_type_name")
    _user(payload.get("user"), "user")
    issue = _object(payload.get("issue"), "issue")
    if issue is not None:
        _check_issue(issue)
    changelog = _object(payload.get("changelog"), "changelog")
    if changelog is not None:
        _text(changelog.get("id"), "changelog.id", MAX_ID)
        items = changelog.get("items")
        if items is not None and not isinstance(items, list):
            raise MalformedPayload(f"changelog.items is {_kind(items)}, not a list")
        for index, item in enumerate(items or []):
            item = _required_object(item, f"changelog.items.{index}")
            for name in ITEM_VALUES:
                _text(item.get(name), f"changelog.items.{index}.{name}", limit=None)  # may be a long text
    comment = _object(payload.get("comment"), "comment")
    if comment is not None:
        _check_comment(comment)


def _check_issue(issue: Mapping) -> None:
    _id(issue.get("id"), "issue.id")
    _text(issue.get("key"), "issue.key")
    fields = _required_object(issue.get("fields"), "issue.fields")
    project = _object(fields.get("project"), "issue.fields.project")
    if project is not None:
        key = project.get("key")
        if key is not None and not isinstance(key, str):
            raise MalformedPayload(f"issue.fields.project.key is {_kind(key)}, not text")
        _text(key, "issue.fields.project.key")
        _text(project.get("id"), "issue.fields.project.id", MAX_ID)
    for name in ("assignee", "reporter", "creator"):
        _user(fields.get(name), f"issue.fields.{name}")
    status = _object(fields.get("status"), "issue.fields.status")
    if status is not None:
        category = _object(status.get("statusCategory"), "issue.fields.status.statusCategory")
        if category is not None:
            _text(category.get("key"), "issue.fields.status.statusCategory.key")
    components = fields.get("components")
    if components is not None and not isinstance(components, list):
        raise MalformedPayload(f"issue.fields.components is {_kind(components)}, not a list")


def _check_comment(comment: Mapping) -> None:
    _id(comment.get("id"), "comment.id")
    if comment.get("created") in (None, ""):
        raise MalformedPayload("comment.created is missing")
    _text(comment.get("created"), "comment.created")
    _text(comment.get("self"), "comment.self", 2000)
    _user(comment.get("author"), "comment.author")
    body = comment.get("body")
    if body is not None and not isinstance(body, str | Mapping):
        raise MalformedPayload(f"comment.body is {_kind(body)}, not text or a document")

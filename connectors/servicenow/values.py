"""Reading single Table API values. Pure: no I/O.

What real instances send (fixtures in tests/connectors/servicenow/reference/): every value is a string, "" when
empty (never null in raw mode); date-times are UTC `YYYY-MM-DD HH:MM:SS`; a reference field comes in one
of three forms: `{"link", "value"}` (the default), a bare sys_id (`sysparm_exclude_reference_link=true`)
or `{"display_value", "link"}` (`sysparm_display_value=true`, where values may also be null). With
`sysparm_display_value=all` (documented, never captured) every field becomes `{"display_value", "value"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.common import parse_time as parse_tool_time

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def text(value: Any) -> str | None:
    """A field's raw value as text; "" and null mean absent. A display_value=all pair gives its value."""
    if isinstance(value, dict):
        value = value.get("value", value.get("display_value"))
    if value is None or value == "":
        return None
    return str(value)


@dataclass(frozen=True)
class Ref:
    """A reference field: the referenced record's sys_id and, in display modes, its display value."""

    sys_id: str | None
    display: str | None = None


def ref(value: Any) -> Ref | None:
    """A reference in any of its three forms; None when the field is empty."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return Ref(value)
    if not isinstance(value, dict):
        raise MalformedPayload(f"not a reference field value: {str(value)[:100]}")
    sys_id = text(value.get("value")) or _link_tail(value.get("link"))
    display = text(value.get("display_value"))
    if sys_id is None and display is None:
        return None  # display mode renders an empty reference as {"display_value": "", "link": ""}
    return Ref(sys_id, display)


def _link_tail(link: Any) -> str | None:
    """`.../api/now/table/sys_user/<sys_id>` -> the sys_id (display mode gives no `value`)."""
    if not isinstance(link, str) or "/" not in link:
        return None
    return link.rstrip("/").rsplit("/", 1)[1] or None


def parse_time(value: Any) -> datetime | None:
    """A raw date-time (UTC, `YYYY-MM-DD HH:MM:SS`) as an aware datetime; None when empty."""
    raw = text(value)
    if raw is None:
        return None
    return parse_raw_time(raw)


def parse_raw_time(raw: str) -> datetime:
    """A raw date-time (UTC, `YYYY-MM-DD HH:MM:SS`) as an aware datetime."""
    return parse_tool_time(raw, what="a ServiceNow date-time (UTC YYYY-MM-DD HH:MM:SS)", layout=TIME_FORMAT)


def format_time(at: datetime) -> str:
    """An aware datetime as ServiceNow writes it in raw mode (and reads it in encoded queries): UTC."""
    return at.astimezone(UTC).strftime(TIME_FORMAT)


def count(value: Any) -> int | None:
    """A counter field ("2"; display mode formats thousands as "28,800"); None when empty."""
    raw = text(value)
    if raw is None:
        return None
    try:
        return int(raw.replace(",", ""))
    except ValueError:
        raise MalformedPayload(f"not a count: {raw!r}") from None


def quote(value: str) -> str:
    """A value safe inside an encoded query: `^` separates conditions, so a literal one is doubled."""
    return value.replace("^", "^^")

"""What every connector shares: reading a header of a delivery, reading a tool's time, and the error for a
payload without the shape Baton reads. Pure: no I/O. Outbound HTTP (and its one status-to-error mapping) is in
connectors/http.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from baton_itsm.core.errors import ToolError


class MalformedPayload(ToolError):
    """A tool sent something without the shape Baton reads: a webhook body, or an API answer (not JSON, or not the
    shape its connector or REST profile describes). The message says what, and where in the payload."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, its name compared without case (HTTP's rule); None when absent."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def parse_time(value: Any, *, what: str = "a time", layout: str | None = None, epoch_ms: bool = False) -> datetime:
    """A tool's time as aware UTC: ISO 8601 text (a `Z` or an offset; without one, UTC), or with `layout` text in
    that strptime layout (UTC); with `epoch_ms`, a number is milliseconds since the epoch. Anything else raises
    MalformedPayload saying "not WHAT"."""
    try:
        if epoch_ms and isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, UTC)
        if layout is not None:
            return datetime.strptime(str(value), layout).replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):  # not a time, or one whose UTC falls outside the years 1 to 9999
        raise MalformedPayload(f"not {what}: {str(value)[:60]!r}") from None

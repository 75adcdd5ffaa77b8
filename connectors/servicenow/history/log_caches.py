"""The value caches of the lean log import (log_import.py): each raw text is converted once per import.

A hit is one C-level dict lookup; a miss converts the raw text and keeps the result.
"""

from __future__ import annotations

from typing import Any

from baton_itsm.connectors.servicenow.history.log_fields import _parse_clock, _parse_date

_EMPTY = ("?", "")


class _Timestamps(dict):
    """Raw day-first timestamp -> `YYYY-MM-DD HH:MM:SS`; '?' -> None. Raises ValueError on bad text.

    A hit is one C-level dict lookup; a miss joins the day and the clock, each parsed once.
    """

    __slots__ = ("_clocks", "_dates")

    def __init__(self) -> None:
        super().__init__(dict.fromkeys(_EMPTY))
        self._dates: dict[str, str] = {}
        self._clocks: dict[str, str] = {}

    def __missing__(self, raw: str) -> str:
        date, _, clock = raw.partition(" ")
        try:
            day = self._dates.get(date) or self._dates.setdefault(date, _day_text(date))
            time = self._clocks.get(clock) or self._clocks.setdefault(clock, _clock_text(clock))
        except ValueError:
            raise ValueError(f"not a day-first timestamp (d/m/yyyy hh:mm): {raw!r}") from None
        value = self[raw] = f"{day} {time}"
        return value


def _day_text(raw: str) -> str:
    parsed = _parse_date(raw)
    return f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}"


def _clock_text(raw: str) -> str:
    seconds = int(_parse_clock(raw).total_seconds())
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Counts(dict):
    """Raw counter -> int; '?' -> None. Raises ValueError on anything but digits."""

    __slots__ = ()

    def __missing__(self, raw: str) -> int:
        if not (raw.isascii() and raw.isdigit()):
            raise ValueError(f"not a non-negative integer: {raw!r}")
        value = self[raw] = int(raw)
        return value


class _Required(dict):
    """A required column's values through an optional column's cache: empty is an error here."""

    __slots__ = ("_optional",)

    def __init__(self, optional: dict[str, Any]) -> None:
        super().__init__()
        self._optional = optional

    def __missing__(self, raw: str) -> Any:
        value = self._optional[raw]
        if value is None:
            raise ValueError(f"required, but empty ({raw!r})")
        self[raw] = value
        return value

"""What a history format's reader offers the core, registered through the `register_history_readers` hook.

A reader lives with its tool (the ServiceNow event log in connectors/servicenow/history/); the core knows it
by the name it was registered under and reaches it only through this contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.history.imported import HistoryReading, Progress


class HistoryFormatError(ValueError):
    """The file is not in the format its reader reads (a bad header, or a bad row when the reader is strict);
    the message says why in one line."""


@dataclass(frozen=True)
class EventHistory:
    """A history as the rules engine would have seen it live: one list of events per ticket, in order."""

    tickets: Iterable[list[ToolEvent]]
    end_at: datetime | None  # the history's last update (aware UTC): what was due after it had not come yet
    rejected: int  # rows that could not be read
    resolved_states: frozenset[str]  # the status values that mean resolved (the SLA back-test reads them)


class HistoryReader(Protocol):
    """One history format: read for the ledger import (`read`) and for a back-test (`events`)."""

    def read(self, path: Path, progress: Progress | None = None, *, grouped: bool = False) -> HistoryReading:
        """The file's tickets for the ledger import; raises HistoryFormatError for a file of another format."""

    def events(self, path: Path, instance: str) -> EventHistory:
        """The file as tool events of `instance`, for `baton backtest`."""

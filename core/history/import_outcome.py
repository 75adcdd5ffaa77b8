"""What a history import did: rows read and rejected, tickets and entries written or left out, counters compared."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from baton_itsm.core.history.imported import Rejection


@dataclass
class ImportOutcome:
    source: str
    kind: str
    instance: str
    digest: str
    already_imported: bool = False
    rows_read: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    odd: list[Rejection] = field(default_factory=list)
    tickets_new: int = 0
    tickets_extended: int = 0  # tickets already in the ledger that got new entries
    entries: int = 0
    entries_known: int = 0  # entries of this file the ledger held already
    entries_older: int = 0  # moves older than what the ledger already holds for their ticket: left out
    compared: int = 0  # tickets with the tool's own reassignment counter
    agreeing: int = 0
    mismatches: Counter = field(default_factory=Counter)

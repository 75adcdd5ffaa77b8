"""What a history reader hands the ledger import: one ImportedTicket per ticket, the tool left behind.

Readers (ServiceNow event log, Jira changelog export) differ in what they parse; they agree on this
shape, so one writer puts every source into the ledger. Timestamps are `YYYY-MM-DD HH:MM:SS` text in
UTC: readers produce them once per distinct raw value, the writer stores them without re-parsing,
and they sort in time order as plain strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# (at, actor, group, person, source_event_id): the ticket's holder became (group, person) at `at`.
HolderStep = tuple[str, str | None, str, str | None, str]
# Called as progress(done, total) while a reader goes through its file; units are the reader's own.
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class ImportedTicket:
    ticket_id: str
    steps: list[HolderStep]  # holder changes in order, the first assignment first
    last_activity_at: str
    updates: int  # history rows behind this ticket
    source_event_id: str  # of the ticket's last history row: the summary entry's stable id
    status: str | None = None
    subject: str | None = None  # facts the live connector keeps too (Jira: the summary, the browse URL)
    url: str | None = None
    priority: str | None = None
    category: str | None = None
    requester: str | None = None
    tool_group: str | None = None  # the holder the tool shows at the end (the group may be empty)
    tool_person: str | None = None
    opened_at: str | None = None
    resolved_at: str | None = None
    reopen_count: int | None = None
    tool_reassignments: int | None = None
    derived_reassignments: int | None = None
    mismatch: str | None = None  # why derived and tool counters differ, when they do


Halves = tuple["HistoryReading", int, "HistoryReading"]


class NotGrouped(Exception):
    """A streaming reader found a ticket's rows apart in the file: read it again with grouped=True."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A history row that was not imported: where it is (`line` 1-based, header = 1; for RT the transaction
    id, 0 when the reason names its ticket) and why, the reason's kind before the first colon."""

    line: int
    reason: str


@dataclass
class HistoryReading:
    """A reader's result. `tickets` is an iterator; counters are final once it is exhausted."""

    source: str
    kind: str  # servicenow-log | jira-changelog | rt-history
    tickets: Iterator[ImportedTicket]
    rows_read: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    odd: list[Rejection] = field(default_factory=list)  # rows imported, with a caveat the user should see
    # A file reader that can read its file in two halves on two cores: halves() gives (the first half's reading,
    # at most how many tickets it yields, the second half's reading), or None when the file is too small.
    halves: Callable[[], Halves | None] | None = field(default=None, repr=False, compare=False)

    @property
    def rejected_reasons(self) -> dict[str, int]:
        return reasons_of(self.rejected)


def reasons_of(rejected: list[Rejection]) -> dict[str, int]:
    """Rejections by reason, the reason's column or kind first (for a short explanation)."""
    counts: dict[str, int] = {}
    for rejection in rejected:
        head = rejection.reason.split(":", 1)[0]
        counts[head] = counts.get(head, 0) + 1
    return counts


def holder_steps(snapshots: list[tuple[str, str | None, str | None, str | None, str]]) -> list[HolderStep]:
    """Holder changes from ordered snapshots (at, actor, group, person, source id) of a ticket.

    A snapshot without a group says nothing about the holder (Baton's holders always have a group),
    so the holder stays what it was; one with the same group and person as the holder is no change.
    """
    steps: list[HolderStep] = []
    last_group = last_person = None
    for at, actor, group, person, source_id in snapshots:
        if group is None or (group == last_group and person == last_person):
            continue
        steps.append((at, actor, group, person, source_id))
        last_group, last_person = group, person
    return steps

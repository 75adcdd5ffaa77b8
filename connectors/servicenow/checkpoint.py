"""Where a poll of a ServiceNow table stopped: a sys_updated_on second and the records already read in it.

Pages are read from the checkpoint with `sys_updated_on>=SECOND` rather than by offset: with an offset, a
record updated while Baton pages through the others leaves its place and shifts the rest, so one of them
would never be read. Timestamps have one-second resolution, so the records read in the last second are
kept (`SYS_ID:SYS_MOD_COUNT`) and skipped next time. A record updated again has a newer update count, and is
read again even when that update fell in the same second (a write right after Baton read it, Baton's own
included); a bare sys_id (a checkpoint written before counts were kept) skips the record in that second.

`origin` is where Baton started watching. A ticket created after it is reported as created even when it
was changed again before Baton first read it (it is read at its latest time, past its creation); one
created in or before that second never is, so old tickets are not treated as new.
Text form: `2026-03-02 09:00:05|sysid1:3,sysid2:0|2026-03-02 08:00:00`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from baton_itsm.connectors.servicenow.mapping import SnTicket
from baton_itsm.connectors.servicenow.values import parse_time
from baton_itsm.core.errors import ConfigError


@dataclass(frozen=True)
class Checkpoint:
    at: str  # UTC `YYYY-MM-DD HH:MM:SS`, as ServiceNow writes and compares it
    seen: frozenset[str] = frozenset()  # `sys_id:sys_mod_count` of the records read with sys_updated_on == at
    origin: str = ""  # when Baton started watching; "" means `at`

    def __post_init__(self) -> None:
        if not self.origin:
            object.__setattr__(self, "origin", self.at)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        at, _, rest = text.partition("|")
        ids, _, origin = rest.partition("|")
        try:
            parse_time(at), parse_time(origin or at)
        except Exception:  # noqa: BLE001 - any unreadable checkpoint is a broken store entry, said plainly
            raise ConfigError([f"unreadable ServiceNow checkpoint {text!r}; expected 'TIME|SYS_IDS|TIME'"]) from None
        return cls(at, frozenset(i for i in ids.split(",") if i), origin)

    def __str__(self) -> str:
        return f"{self.at}|{','.join(sorted(self.seen))}|{self.origin}"

    def read_before(self, record: SnTicket) -> bool:
        return record.updated_on == self.at and (seen_as(record) in self.seen or record.sys_id in self.seen)

    def after(self, records: Sequence[SnTicket]) -> Checkpoint:
        """The checkpoint once `records` (one page, in sys_updated_on order) are read."""
        if not records:
            return self
        last = records[-1].updated_on or self.at
        seen = {seen_as(r) for r in records if r.updated_on == last}
        return Checkpoint(last, frozenset(seen | (self.seen if last == self.at else set())), self.origin)

    def query(self) -> str:
        return f"sys_updated_on>={self.at}^ORDERBYsys_updated_on^ORDERBYsys_id"

    def audit_since(self, records: Sequence[SnTicket]) -> str:
        """Where a page's sys_audit window starts: the checkpoint, or the creation of a ticket created since
        Baton started watching (its changes before this read are then its history, not yet reported)."""
        created = [r.created_on for r in records if r.created_on and self.origin < r.created_on < self.at]
        return min([self.at, *created])


def seen_as(record: SnTicket) -> str:
    """How the checkpoint names a record read in its second: the sys_id and which update of it was read."""
    return record.sys_id if record.mod_count is None else f"{record.sys_id}:{record.mod_count}"

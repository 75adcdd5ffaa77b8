"""Which channels a staff notice takes for one recipient: the person's own choice, else the group's, else the
deployment's (`notifications.channels.staff`).

The group is the one the notice is about: the queue a request goes to, or the group holding a stale ticket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from baton_itsm.core.domain.holders import Holder


@dataclass(frozen=True)
class StaffRoutes:
    default: Sequence[str]
    by_group: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by_person: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Any) -> StaffRoutes:
        return cls(
            list(config.notifications.channels.staff),
            {name: g.notify for name, g in config.groups.items() if g.notify is not None},
            {name: p.notify for name, p in config.people.items() if p.notify is not None},
        )

    def channels(self, person: str | None, details: Mapping[str, Any]) -> Sequence[str]:
        if person is not None and person in self.by_person:
            return self.by_person[person]
        group = notice_group(details)
        return self.default if group is None else self.by_group.get(group, self.default)


def notice_group(details: Mapping[str, Any]) -> str | None:
    """The group a notice is about: the queue a request goes to, or the group holding the ticket."""
    holder = details.get("to_holder") or details.get("holder")
    try:
        return Holder.parse(str(holder)).group if holder else None
    except ValueError:
        return None

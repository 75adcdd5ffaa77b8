"""Who belongs to which group and who manages it: what the protocol needs to know about people."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from baton_itsm.core.domain.decline_reasons import DeclineCatalog


@dataclass(frozen=True)
class GroupInfo:
    members: frozenset[str] = frozenset()
    managers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Directory:
    groups: Mapping[str, GroupInfo] = field(default_factory=dict)
    declines: DeclineCatalog = field(default_factory=DeclineCatalog)  # the reasons a decline may give

    @classmethod
    def of(cls, groups: Mapping[str, tuple[Collection[str], Collection[str]]]) -> Directory:
        """Build from {group: (members, managers)}."""
        return cls({g: GroupInfo(frozenset(m), frozenset(mg)) for g, (m, mg) in groups.items()})

    def knows(self, group: str) -> bool:
        return group in self.groups

    def is_member(self, person: str, group: str) -> bool:
        info = self.groups.get(group)
        return info is not None and person in info.members

    def is_manager(self, person: str, group: str) -> bool:
        info = self.groups.get(group)
        return info is not None and person in info.managers

    def manages_any(self, person: str, *groups: str | None) -> bool:
        return any(g is not None and self.is_manager(person, g) for g in groups)

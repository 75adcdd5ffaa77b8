"""Who a notice reaches: configured people, every member of a group queue, and the ticket's requester."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from baton_itsm.core.notify.notices import Notice, Recipient
from baton_itsm.core.settings.models import BatonConfig, PersonConfig


def looks_like_address(text: str) -> bool:
    local, at, domain = text.strip().rpartition("@")
    return bool(at and local and "." in domain and " " not in text.strip())


@dataclass(frozen=True)
class AddressBook:
    people: Mapping[str, PersonConfig]
    members: Mapping[str, tuple[str, ...]]  # group: its members, who all hear about requests to its queue

    @classmethod
    def from_config(cls, config: BatonConfig) -> AddressBook:
        return cls(dict(config.people), {name: tuple(g.members) for name, g in config.groups.items()})

    def person(self, name: str) -> Recipient:
        entry = self.people.get(name)
        return Recipient(
            name=(entry.name if entry else None) or name, email=entry.email if entry else None, person=name
        )

    def display_name(self, name: str | None) -> str:
        if not name:
            return ""
        if name.startswith("rule:"):  # requests the rules made themselves are signed `rule:NAME`
            return f"Baton ({name.removeprefix('rule:')} rule)"
        return self.person(name).label

    def staff(self, notice: Notice) -> list[Recipient]:
        """The named people and every member of the named groups, each once, in a stable order."""
        # Requests the rules made are signed `rule:NAME`: nobody to write to.
        names = dict.fromkeys(p for p in notice.to_people if not p.startswith("rule:"))
        for group in notice.to_groups:
            names.update(dict.fromkeys(self.members.get(group, ())))
        return [self.person(name) for name in names]

    def requester(self, requester: str | None, name: str | None = None) -> Recipient | None:
        """The tool states the requester as an address or as a name Baton may know; None when it said nothing.

        `name` is the requester's name as the tool has it (RT RealName, ServiceNow's sys_user name, Jira's
        displayName): it is what they are greeted by, over a configured name and over no name at all.
        """
        if not requester:
            return None
        name = (name or "").strip() or None
        if looks_like_address(requester):
            return Recipient(name=name, email=requester.strip())
        known = self.people.get(requester)
        return Recipient(
            name=name or (known.name if known else None) or requester, email=known.email if known else None
        )

"""Who is accountable to the requester, under each ownership model.

The holder works the ticket (custodian); the owner answers to the requester. Which model applies is
set per deployment and may be overridden per group; a ticket follows the model of the group where
it was first assigned, so its owner does not jump between models as it travels.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from baton_itsm.core.domain.holders import Holder


class OwnershipModel(StrEnum):
    DESK = "desk"  # the desk agent who took the call owns it; technicians are custodians
    FOLLOWS = "follows"  # ownership follows the ticket inside the desk; the last desk agent keeps it outside
    TCO = "tco"  # total contact ownership: the first agent owns it until resolution

    @property
    def describes_custodians(self) -> bool:
        """Under `desk` and `tco` the owner stays while the people working the ticket change."""
        return self is not OwnershipModel.FOLLOWS


@dataclass(frozen=True)
class OwnershipPolicy:
    default: OwnershipModel = OwnershipModel.FOLLOWS
    desk_groups: Collection[str] = ()
    overrides: Mapping[str, OwnershipModel] = field(default_factory=dict)

    def model_for(self, holders: Sequence[Holder]) -> OwnershipModel:
        if holders:
            return self.overrides.get(holders[0].group, self.default)
        return self.default

    def in_desk(self, group: str) -> bool:
        # With no desk groups configured, every group counts as the desk.
        return not self.desk_groups or group in self.desk_groups

    def owner(self, holders: Sequence[Holder]) -> str | None:
        """The owner after this sequence of holders (first assignment first), or None if nobody yet."""
        model = self.model_for(holders)
        people = (h for h in holders if h.person is not None)
        if model is OwnershipModel.TCO:
            return next((h.person for h in people), None)
        if model is OwnershipModel.DESK:
            return next((h.person for h in people if self.in_desk(h.group)), None)
        owner = None
        for holder in people:
            if self.in_desk(holder.group):
                owner = holder.person
        return owner

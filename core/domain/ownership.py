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
        return self.owner_of([(h.group, h.person) for h in holders])

    def owner_of(self, holders: Sequence[tuple[str, str | None]]) -> str | None:
        """`owner` for holders given as (group, person) pairs (bulk imports keep no Holder objects)."""
        model = self.overrides.get(holders[0][0], self.default) if holders else self.default
        if model is OwnershipModel.TCO:
            return next((person for _, person in holders if person is not None), None)
        if model is OwnershipModel.DESK:
            return next((person for group, person in holders if person is not None and self.in_desk(group)), None)
        owner = None
        if not self.desk_groups:  # every group is the desk: the last named person
            for _, person in holders:
                if person is not None:
                    owner = person
            return owner
        for group, person in holders:
            if person is not None and group in self.desk_groups:
                owner = person
        return owner

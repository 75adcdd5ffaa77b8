"""Who works a ticket (its holder) and how a ticket is named across tools."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TicketKey:
    """A ticket is keyed by the connector instance that sees it and the tool's own id."""

    instance: str
    ticket_id: str

    def __post_init__(self) -> None:
        if not self.instance or not self.ticket_id:
            raise ValueError("a ticket needs both an instance and an id, as INSTANCE:ID")

    def __str__(self) -> str:
        return f"{self.instance}:{self.ticket_id}"

    @classmethod
    def parse(cls, text: str, default_instance: str | None = None) -> TicketKey:
        instance, sep, ticket_id = text.strip().partition(":")
        if not sep:
            if default_instance is None:
                raise ValueError(f"say which tool instance the ticket is in, as INSTANCE:ID (got {text!r})")
            return cls(default_instance, instance)
        return cls(instance, ticket_id)


@dataclass(frozen=True, slots=True)
class Holder:
    """A group (queue) and, optionally, a person in it."""

    group: str
    person: str | None = None

    def __post_init__(self) -> None:
        if not self.group:
            raise ValueError("a holder needs a group")
        if self.person == "":
            object.__setattr__(self, "person", None)

    @property
    def is_queue(self) -> bool:
        return self.person is None

    def __str__(self) -> str:
        return f"{self.group}/{self.person}" if self.person else self.group

    @classmethod
    def parse(cls, text: str) -> Holder:
        """`Network` is the Network queue; `Network/carol` is carol in Network."""
        group, _, person = text.strip().partition("/")
        return cls(group.strip(), person.strip() or None)

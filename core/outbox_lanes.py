"""Dispatch lanes: the outbox split by destination, so one destination's back-off or slowness delays only its own.

A lane is the rows one worker delivers: each tool instance's actions, the emails (each notifier channel), and the
local routing of notices into those rows. A tool that answers 429 holds up its own lane's rows, never an email.
A row's destination is its channel, and for channel `tool` the instance its payload names.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

from baton_itsm.core.store.schema import outbox

TOOL = "tool"
# Channels whose handlers only write to the store (routing a notice into email rows, a digest): quick, one lane.
LOCAL_CHANNELS = frozenset({"notify", "requester-digest"})


def tool_instance() -> ColumnElement:
    """The instance a `tool` row is for, read from its JSON payload (SQLite and PostgreSQL alike)."""
    return outbox.c.payload["instance"].as_string()


@dataclass(frozen=True)
class Lane:
    name: str
    channels: frozenset[str]
    instance: str | None = None  # only the tool rows of this instance
    # Tool rows of every instance but these: rows for an instance no lane serves (not configured) fail at once here.
    other_than: frozenset[str] | None = None

    def where(self) -> ColumnElement:
        condition = outbox.c.channel.in_(sorted(self.channels))
        if self.instance is not None:
            condition = and_(condition, tool_instance() == self.instance)
        if self.other_than is not None:
            condition = and_(condition, or_(outbox.c.channel != TOOL, tool_instance().is_(None),
                                            tool_instance().not_in(sorted(self.other_than))))
        return condition

    def has(self, channel: str) -> bool:
        return channel in self.channels


def everything(channels: Iterable[str]) -> Lane:
    """Every row of these channels: one dispatcher doing all the work (`baton poll`, tests)."""
    return Lane("all", frozenset(channels))


def lanes_for(channels: Iterable[str], instances: Iterable[str]) -> list[Lane]:
    """One lane per tool instance, one per notifier channel (email...), and one for local routing and the rest."""
    channels, instances = set(channels), sorted(set(instances))
    local = (channels & LOCAL_CHANNELS) | ({TOOL} if TOOL in channels else set())
    lanes = [Lane("local", frozenset(local), other_than=frozenset(instances))] if local else []
    if TOOL in channels:
        lanes += [Lane(f"tool:{instance}", frozenset({TOOL}), instance=instance) for instance in instances]
    lanes += [Lane(channel, frozenset({channel})) for channel in sorted(channels - LOCAL_CHANNELS - {TOOL})]
    return lanes


def same_destination(channel: str, instance: str | None) -> ColumnElement:
    """The rows going where a row of `channel` (and tool `instance`) goes: they wait together when it is paused."""
    if channel == TOOL:
        return and_(outbox.c.channel == TOOL, tool_instance() == instance) if instance else outbox.c.channel == TOOL
    return outbox.c.channel == channel

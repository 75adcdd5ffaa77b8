"""Dispatch lanes: the outbox split by destination, so one destination's back-off or slowness delays only its own.

A lane is the rows one worker delivers: each tool instance's actions, the emails (each notifier channel), and the
local routing of notices into those rows. A tool that answers 429 holds up its own lane's rows, never an email.
A row's destination is its channel, and for channel `tool` the instance its payload names. The rows of a lane and of a
destination are selected in core/store/outbox_queries.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from baton_itsm.core.store.outbox_queries import TOOL  # the channel of tool actions, whose rows name an instance

# Channels whose handlers only write to the store (routing a notice into email rows, a digest): quick, one lane.
LOCAL_CHANNELS = frozenset({"notify", "requester-digest"})
LOCAL_LANE = "local"


@dataclass(frozen=True)
class Lane:
    name: str
    channels: frozenset[str]
    instance: str | None = None  # only the tool rows of this instance
    # Tool rows of every instance but these: rows for an instance no lane serves (not configured) fail at once here.
    other_than: frozenset[str] | None = None

    def has(self, channel: str) -> bool:
        return channel in self.channels


def everything(channels: Iterable[str]) -> Lane:
    """Every row of these channels: one dispatcher doing all the work (`baton poll`, tests)."""
    return Lane("all", frozenset(channels))


def lanes_for(channels: Iterable[str], instances: Iterable[str]) -> list[Lane]:
    """One lane per tool instance, one per notifier channel (email...), and one for local routing and the rest."""
    channels, instances = set(channels), sorted(set(instances))
    local = (channels & LOCAL_CHANNELS) | ({TOOL} if TOOL in channels else set())
    lanes = [Lane(LOCAL_LANE, frozenset(local), other_than=frozenset(instances))] if local else []
    if TOOL in channels:
        lanes += [Lane(f"tool:{instance}", frozenset({TOOL}), instance=instance) for instance in instances]
    lanes += [Lane(channel, frozenset({channel})) for channel in sorted(channels - LOCAL_CHANNELS - {TOOL})]
    return lanes

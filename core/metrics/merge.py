"""Two tallies of the same kind, made over two parts of the tickets, merged into what one pass over both makes.

A report adds its tickets up in two processes (core/metrics/two_parts); this puts the halves together.
Every tally keeps counts (ints), samples (lists), counters and dicts of those, so merging is exact, and
it keeps one pass's order: the earlier part's samples and keys first, the later part's after them, so
lists, first-seen orders and Counter.most_common's ties come out as from one pass. A setting (SETTINGS,
by attribute name: the late window, the period kind, the triage groups) and anything that is not a count
must be equal on both sides, or the merge is refused: a float that differs would be a running sum, which
does not merge exactly.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

SETTINGS = frozenset({"late_within_minutes", "period", "intake_groups"})  # kept, never added up


def merged(mine: Any, later: Any) -> Any:
    """`later` added into `mine` (changed in place where it can be) and returned."""
    if isinstance(mine, Counter):
        mine.update(later)
        return mine
    if isinstance(mine, dict):
        for key, value in later.items():
            mine[key] = merged(mine[key], value) if key in mine else value
        return mine
    if isinstance(mine, list):
        mine.extend(later)
        return mine
    if isinstance(mine, set):
        mine |= later
        return mine
    if isinstance(mine, int) and not isinstance(mine, bool):
        return mine + later
    if isinstance(mine, (str, bytes, float, bool, tuple, frozenset, type(None))):
        if mine != later:
            raise ValueError(f"cannot merge tallies that differ in a setting: {mine!r} and {later!r}")
        return mine
    for name in _attributes(mine):
        if name in SETTINGS:
            if getattr(mine, name) != getattr(later, name):
                raise ValueError(
                    f"cannot merge tallies that differ in a setting: {name} {getattr(mine, name)!r} "
                    f"and {getattr(later, name)!r}"
                )
            continue
        setattr(mine, name, merged(getattr(mine, name), getattr(later, name)))
    return mine


def _attributes(tally: Any) -> list[str]:
    names = list(getattr(tally, "__dict__", {}))
    for cls in type(tally).__mro__:
        names += [name for name in getattr(cls, "__slots__", ()) if name not in ("__dict__", "__weakref__")]
    return names

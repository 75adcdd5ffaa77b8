"""Which definition of "reassignment" matches ServiceNow's own reassignment_count? (not a test)

Reads the UCI ServiceNow incident event log, derives a count per incident with several candidate
definitions and both update orders, prints how often each agrees with the counter ServiceNow
itself kept (the value on the incident's last update), then sorts the disagreements of the chosen
definition (`derive_reassignments`) into classes, step by step: at every pair of consecutive
updates, ServiceNow's counter moved by some amount and the derived count by another.

    python benchmarks/history_reassignment_agreement.py [path/to/incident_event_log.zip]
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import pairwise

from _history_import import LOG_ZIP, servicenow_log

snl = servicenow_log()
Updates = Sequence["snl.IncidentUpdate"]


def changes(values: list, *, skip_empty: bool, first_counts: bool) -> int:
    """How many times the value changes along the sequence."""
    if skip_empty:
        values = [v for v in values if v is not None]
    count = sum(1 for a, b in pairwise(values) if a != b)
    return count + (1 if first_counts and values and values[0] is not None else 0)


CANDIDATES: dict[str, Callable[[Updates], int]] = {
    "group changes, empty groups skipped": lambda u: changes(
        [x.assignment_group for x in u], skip_empty=True, first_counts=False
    ),
    "  same, the first group counts too": lambda u: changes(
        [x.assignment_group for x in u], skip_empty=True, first_counts=True
    ),
    "group changes, empty is a value (chosen)": snl.derive_reassignments,
    "  same, the first row's group counts too": lambda u: (
        snl.derive_reassignments(u) + (1 if u and u[0].assignment_group is not None else 0)
    ),
    "  same, clearing the group does not count": lambda u: sum(
        1 for a, b in pairwise(u) if a.assignment_group != b.assignment_group and b.assignment_group is not None
    ),
    "  same, only between consecutive mod_counts": lambda u: sum(
        1 for a, b in pairwise(u) if a.assignment_group != b.assignment_group and b.mod_count == a.mod_count + 1
    ),
    "assignee changes, empty skipped": lambda u: changes(
        [x.assigned_to for x in u], skip_empty=True, first_counts=False
    ),
    "group or assignee changes, empty is a value": lambda u: changes(
        [(x.assignment_group, x.assigned_to) for x in u], skip_empty=False, first_counts=False
    ),
}


def step_class(a, b) -> str | None:
    """Why ServiceNow's counter and the derived count moved differently from a to b, if they did."""
    derived = int(a.assignment_group != b.assignment_group)
    reported = (b.reassignment_count or 0) - (a.reassignment_count or 0)
    if reported == derived:
        return None
    if b.mod_count <= a.mod_count:
        where = "mod_count repeats or goes back"
    elif b.mod_count == a.mod_count + 1:
        where = "consecutive mod_counts"
    else:
        where = "across a mod_count gap"
    if a.assignment_group != b.assignment_group:
        seen = f"group changed {a.assignment_group or '?'} -> {b.assignment_group or '?'}"
    elif a.assignment_group is None:
        seen = "no group on either row ('?')"
    else:
        seen = "the same named group on both rows"
    return f"counter {reported:+d}, {seen}, {where}"


def main(path: str) -> None:
    reader = snl.read_incident_log(path)
    updates = list(reader)
    print(f"{reader.rows_read} rows, {len(reader.rejected)} rejected, {len(updates)} updates")
    for order in ("mod_count", "updated_at"):
        groups = snl.group_incidents(updates, order=order)
        n = len(groups)
        last_vs_max = sum(
            1 for u in groups.values() if snl.reported_reassignments(u) != max(x.reassignment_count or 0 for x in u)
        )
        print(f"\n== order by {order}: {n} incidents; last counter != max counter in {last_vs_max}")
        for name, derive in CANDIDATES.items():
            agree = sum(1 for u in groups.values() if derive(u) == snl.reported_reassignments(u))
            print(f"  {100 * agree / n:7.3f}%  ({n - agree:5d} disagree)  {name}")

        classes: Counter[tuple[str, ...]] = Counter()
        direction: Counter[str] = Counter()
        for u in groups.values():
            diff = snl.derive_reassignments(u) - (snl.reported_reassignments(u) or 0)
            if diff == 0:
                continue
            direction["derived < ServiceNow" if diff < 0 else "derived > ServiceNow"] += 1
            steps = {c for a, b in pairwise(u) if (c := step_class(a, b))}
            if u[0].reassignment_count:
                steps.add(f"counter already {u[0].reassignment_count} on the first row")
            classes[tuple(sorted(steps))] += 1
        print(f"  disagreements of the chosen definition: {dict(direction)}; by class (incidents):")
        for steps, count in classes.most_common():
            print(f"    {count:4d}  " + "\n          ".join(steps))

    groups = snl.group_incidents(updates)
    steps = [(a, b) for u in groups.values() for a, b in pairwise(u)]
    gaps = [(a, b) for a, b in steps if b.mod_count > a.mod_count + 1]
    gap_group = [(a, b) for a, b in gaps if a.assignment_group != b.assignment_group]
    gap_jump = Counter((b.reassignment_count or 0) - (a.reassignment_count or 0) for a, b in gap_group)
    ties = sum(1 for a, b in steps if a.updated_at == b.updated_at)
    with_gaps = sum(1 for u in groups.values() if any(b.mod_count > a.mod_count + 1 for a, b in pairwise(u)))
    starts = Counter(u[0].mod_count for u in groups.values())
    by_clock = snl.group_incidents(updates, order="updated_at")
    reordered = sum(1 for number, u in groups.items() if u != by_clock[number])
    given_later = sum(
        1 for u in groups.values() if u[0].assignment_group is None and any(x.assignment_group for x in u)
    )
    kinds = Counter(
        "group given (empty -> named)"
        if a.assignment_group is None
        else "group cleared (named -> empty)"
        if b.assignment_group is None
        else "group moved (named -> other named)"
        for a, b in steps
        if a.assignment_group != b.assignment_group
    )
    print(
        f"\n{len(steps)} steps between consecutive updates; {ties} share a minute;"
        f" {len(gaps)} cross a mod_count gap ({with_gaps} incidents have gaps),"
        f" {len(gap_group)} of them with a group change, where the counter moved by {dict(gap_jump)}."
        f"\nfirst logged mod_count per incident: {dict(starts.most_common(5))};"
        f" incidents whose order differs between mod_count and updated_at: {reordered}"
        f"\ngroup changes counted by the chosen definition, by kind: {dict(kinds)};"
        f" incidents created without a group and given one later: {given_later}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(LOG_ZIP))

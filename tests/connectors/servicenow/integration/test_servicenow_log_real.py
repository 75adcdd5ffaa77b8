"""The ServiceNow reader on the real UCI incident event log (tests/connectors/servicenow/incident-log)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from baton_itsm.connectors.servicenow.history.incidents import (
    derive_reassignments,
    group_incidents,
    reported_reassignments,
)
from baton_itsm.connectors.servicenow.history.log_reader import LogReader
from tests.reference import INCIDENT_LOG

LOG_ZIP = INCIDENT_LOG


@pytest.fixture(scope="module")
def reader_and_updates():
    reader = LogReader(LOG_ZIP)
    updates = list(reader)
    return reader, updates


def test_every_row_is_read(reader_and_updates) -> None:
    reader, updates = reader_and_updates
    assert reader.rows_read == 119_998
    assert reader.rejected == []
    assert len(updates) == reader.rows_accepted == 119_998


def test_incidents_and_no_duplicate_snapshots(reader_and_updates) -> None:
    _, updates = reader_and_updates
    groups = group_incidents(updates)
    assert len(groups) == 20_769
    assert sum(len(u) for u in groups.values()) == 119_998  # the file has no exact duplicates


def agreement(groups) -> tuple[float, list[str]]:
    disagree = [
        number for number, updates in groups.items() if derive_reassignments(updates) != reported_reassignments(updates)
    ]
    return 1 - len(disagree) / len(groups), disagree


def test_derived_reassignments_agree_with_servicenow(reader_and_updates) -> None:
    _, updates = reader_and_updates
    share, disagree = agreement(group_incidents(updates))
    assert share >= 0.995
    # Pinned so that a change of definition or of ordering is noticed (see
    # benchmarks/history_reassignment_agreement.py for the classes of disagreement).
    assert len(disagree) == 84


def test_by_time_every_disagreement_is_a_counter_move_the_log_does_not_show(reader_and_updates) -> None:
    _, updates = reader_and_updates
    groups = group_incidents(updates, order="updated_at")
    share, disagree = agreement(groups)
    assert len(disagree) == 81 and share > 0.996
    for number in disagree:
        steps = list(pairwise(groups[number]))
        assert derive_reassignments(groups[number]) < reported_reassignments(groups[number])
        assert groups[number][0].reassignment_count == 0
        unexplained = [
            (a, b)
            for a, b in steps
            if b.reassignment_count - a.reassignment_count != int(a.assignment_group != b.assignment_group)
        ]
        # ServiceNow's counter rose by one on a step where the logged group did not change.
        assert unexplained, number
        for a, b in unexplained:
            assert a.assignment_group == b.assignment_group
            assert b.reassignment_count - a.reassignment_count == 1

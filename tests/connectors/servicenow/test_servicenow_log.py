"""The ServiceNow event-log reader on small hand-made logs with known answers."""

from __future__ import annotations

import dataclasses
import io
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from baton_itsm.connectors.servicenow.history.incidents import (
    derive_reassignments,
    group_incidents,
    reported_reassignments,
)
from baton_itsm.connectors.servicenow.history.log_reader import (
    IncidentUpdate,
    LogFormatError,
    LogReader,
    RejectedRow,
    read_incident_log,
)

# The header line of the real incident_event_log.csv, verbatim.
HEADER = (
    "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,"
    "opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,"
    "location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,"
    "assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,"
    "closed_code,resolved_by,resolved_at,closed_at"
)
COLUMNS = HEADER.split(",")

# Two rows of the real file, verbatim (INC0000045's first and last snapshots).
REAL_FIRST = (
    "INC0000045,New,true,0,0,0,true,Caller 2403,Opened by  8,29/2/2016 01:16,Created by 6,"
    "29/2/2016 01:23,Updated by 21,29/2/2016 01:23,Phone,Location 143,Category 55,Subcategory 170,"
    "Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 56,?,true,false,Do Not Notify,?,?,?,?,"
    "code 5,Resolved by 149,29/2/2016 11:29,5/3/2016 12:00"
)
REAL_LAST = (
    "INC0000045,Closed,false,0,0,4,true,Caller 2403,Opened by  8,29/2/2016 01:16,Created by 6,"
    "29/2/2016 01:23,Updated by 908,5/3/2016 12:00,Phone,Location 143,Category 55,Subcategory 170,"
    "Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 56,?,true,false,Do Not Notify,?,?,?,?,"
    "code 5,Resolved by 149,29/2/2016 11:29,5/3/2016 12:00"
)

DEFAULTS = dict.fromkeys(COLUMNS, "?") | {
    "incident_state": "Active",
    "active": "true",
    "reassignment_count": "0",
    "reopen_count": "0",
    "made_sla": "true",
    "opened_at": "1/3/2016 09:00",
    "sys_updated_by": "Updated by 1",
    "contact_type": "Phone",
    "impact": "2 - Medium",
    "urgency": "2 - Medium",
    "priority": "3 - Moderate",
}


def row(number: str, mod: int, updated_at: str, **fields: str) -> str:
    values = DEFAULTS | {"number": number, "sys_mod_count": str(mod), "sys_updated_at": updated_at}
    values |= fields
    assert set(values) == set(COLUMNS), set(values) - set(COLUMNS)
    return ",".join(values[c] for c in COLUMNS)


def write_log(tmp_path: Path, lines: list[str], name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join([HEADER, *lines]) + "\r\n", encoding="utf-8", newline="")
    return path


def read_all(source) -> tuple[list[IncidentUpdate], LogReader]:
    reader = LogReader(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(reader), reader


def test_real_rows_are_read_field_by_field(tmp_path: Path) -> None:
    updates, reader = read_all(write_log(tmp_path, [REAL_FIRST, REAL_LAST]))
    assert reader.rows_read == 2 and reader.rejected == [] and reader.rows_accepted == 2
    first, last = updates
    assert first == IncidentUpdate(
        number="INC0000045",
        mod_count=0,
        updated_at=datetime(2016, 2, 29, 1, 23),
        updated_by="Updated by 21",
        state="New",
        active=True,
        assignment_group="Group 56",
        assigned_to=None,
        priority="3 - Moderate",
        category="Category 55",
        opened_at=datetime(2016, 2, 29, 1, 16),
        resolved_at=datetime(2016, 2, 29, 11, 29),
        closed_at=datetime(2016, 3, 5, 12, 0),
        reassignment_count=0,
        reopen_count=0,
        caller_id="Caller 2403",
        opened_by="Opened by  8",
        contact_type="Phone",
        made_sla=True,
        impact="2 - Medium",
        urgency="2 - Medium",
        closed_code="code 5",
        resolved_by="Resolved by 149",
    )
    assert (last.state, last.active, last.mod_count) == ("Closed", False, 4)


def test_updates_are_true_immutable_incident_updates(tmp_path: Path) -> None:
    (update,), _ = read_all(write_log(tmp_path, [REAL_FIRST]))
    assert type(update) is IncidentUpdate
    with pytest.raises(dataclasses.FrozenInstanceError):
        update.state = "Closed"  # type: ignore[misc]
    assert hash(update) == hash(dataclasses.replace(update))
    assert update == dataclasses.replace(update) and update != dataclasses.replace(update, mod_count=9)


def test_both_timestamp_formats_and_question_marks(tmp_path: Path) -> None:
    lines = [
        row("INC1", 0, "29-02-2016 01:23", resolved_at="?", assignment_group="?"),
        row("INC1", 1, "29/2/2016 01:23", resolved_at="01/03/2016 7:05"),
        row("INC1", 2, "1-3-2016 23:59:30", reassignment_count="?", made_sla="?"),
    ]
    (a, b, c), reader = read_all(write_log(tmp_path, lines))
    assert reader.rejected == []
    assert a.updated_at == b.updated_at == datetime(2016, 2, 29, 1, 23)
    assert c.updated_at == datetime(2016, 3, 1, 23, 59, 30)
    assert a.resolved_at is None and a.assignment_group is None and a.assigned_to is None
    assert b.resolved_at == datetime(2016, 3, 1, 7, 5)
    assert c.reassignment_count is None and c.made_sla is None
    assert a.closed_at is None and a.category is None


def test_quoted_fields_go_through_the_csv_module(tmp_path: Path) -> None:
    lines = [
        row("INC1", 0, "1/3/2016 10:00", caller_id='"Caller, with a comma"'),
        row("INC1", 1, "1/3/2016 10:05", category='"two\r\nlines"'),
        row("INC1", 2, "1/3/2016 10:10", category="broken"),
        "INC2,too,few,fields",
    ]
    updates, reader = read_all(write_log(tmp_path, lines))
    assert [u.mod_count for u in updates] == [0, 1, 2]
    assert updates[0].caller_id == "Caller, with a comma"
    assert updates[1].category == "two\r\nlines"
    # the quoted record spans lines 3 and 4, so the short row is on line 6
    assert reader.rejected == [RejectedRow(6, "expected 36 fields, found 4")]


def test_a_zip_is_read_like_its_csv(tmp_path: Path) -> None:
    csv_path = write_log(tmp_path, [REAL_FIRST, REAL_LAST])
    zip_path = tmp_path / "log.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(csv_path, "incident_event_log.csv")
    assert read_all(zip_path)[0] == read_all(csv_path)[0]
    assert read_all(io.StringIO(csv_path.read_text(), newline=""))[0] == read_all(csv_path)[0]


def test_bad_rows_are_counted_and_explained_not_dropped(tmp_path: Path) -> None:
    lines = [
        row("INC1", 0, "1/3/2016 10:00"),
        row("INC1", 1, "30/2/2016 10:00"),  # line 3: no such day
        row("INC1", 2, "1/3/2016 10:20", sys_mod_count="two"),  # line 4
        row("INC1", 3, "1/3/2016 10:30", active="maybe"),  # line 5
        row("?", 4, "1/3/2016 10:40"),  # line 6
        row("INC1", 5, "1/3/2016 25:00"),  # line 7
        "",  # line 8: a blank line is not a row
        row("INC1", 6, "?"),  # line 9
        row("INC1", 7, "1/3/2016 11:00"),
    ]
    reader = read_incident_log(write_log(tmp_path, lines))
    with pytest.warns(UserWarning, match="6 of 8 rows rejected"):
        updates = list(reader)
    assert [u.mod_count for u in updates] == [0, 7]
    assert reader.rows_read == 8 and reader.rows_accepted == 2
    assert [(r.line_no, r.reason) for r in reader.rejected] == [
        (3, "sys_updated_at: not a day-first timestamp (d/m/yyyy hh:mm or dd-mm-yyyy hh:mm): "
         "'30/2/2016 10:00'"),
        (4, "sys_mod_count: not a non-negative integer: 'two'"),
        (5, "active: expected true or false, got 'maybe'"),
        (6, "number: required, but empty ('?')"),
        (7, "sys_updated_at: not a day-first timestamp (d/m/yyyy hh:mm or dd-mm-yyyy hh:mm): "
         "'1/3/2016 25:00'"),
        (9, "sys_updated_at: required, but empty ('?')"),
    ]  # fmt: skip


def test_strict_reader_raises_at_the_first_bad_row(tmp_path: Path) -> None:
    path = write_log(tmp_path, [row("INC1", 0, "1/3/2016 10:00"), row("INC1", 1, "1/13/2016 10:00")])
    reader = LogReader(path, strict=True)
    assert next(reader).mod_count == 0
    with pytest.raises(LogFormatError, match="line 3: sys_updated_at"):
        next(reader)
    assert reader.rejected[0].line_no == 3


def test_a_file_that_is_not_an_event_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("number,state\nINC1,New\n")
    with pytest.raises(LogFormatError, match=r"header lacks .*sys_mod_count"):
        list(LogReader(path))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(LogFormatError, match="empty file"):
        list(LogReader(empty))


def test_grouping_orders_updates_and_drops_exact_duplicates(tmp_path: Path) -> None:
    lines = [
        row("INC2", 1, "2/3/2016 10:00"),
        row("INC1", 2, "1/3/2016 12:00", assignment_group="Group 2"),
        row("INC1", 0, "1/3/2016 10:00", assignment_group="Group 1"),
        row("INC1", 2, "1/3/2016 12:00", assignment_group="Group 2"),  # the same snapshot again
        row("INC1", 1, "1/3/2016 11:00", assignment_group="Group 1"),
        row("INC1", 3, "1/3/2016 12:00", assignment_group="Group 2", incident_state="Resolved"),
        row("INC1", 3, "1/3/2016 12:00", assignment_group="Group 2", incident_state="Closed"),
        row("INC2", 0, "2/3/2016 09:00"),
    ]
    updates, _ = read_all(write_log(tmp_path, lines))
    groups = group_incidents(updates)
    assert list(groups) == ["INC2", "INC1"]
    assert [u.mod_count for u in groups["INC2"]] == [0, 1]
    # equal (mod_count, updated_at) but different content is not a duplicate: both stay
    assert [(u.mod_count, u.state) for u in groups["INC1"]] == [
        (0, "Active"), (1, "Active"), (2, "Active"), (3, "Resolved"), (3, "Closed"),
    ]  # fmt: skip
    assert groups["INC1"][0].updated_at == datetime(2016, 3, 1, 10, 0)


def test_grouping_by_time_when_the_update_counter_is_wrong(tmp_path: Path) -> None:
    # Seen in the real log (INC0000164): the earliest snapshot carries a repeated, higher mod_count.
    lines = [
        row("INC1", 3, "29/2/2016 08:53", assignment_group="Group 70", reassignment_count="0"),
        row("INC1", 1, "29/2/2016 23:20", assignment_group="Group 66", reassignment_count="1"),
        row("INC1", 2, "1/3/2016 11:56", assignment_group="Group 70", reassignment_count="2"),
        row("INC1", 3, "3/3/2016 14:32", assignment_group="Group 70", reassignment_count="2"),
    ]
    updates, _ = read_all(write_log(tmp_path, lines))
    by_counter = group_incidents(updates)["INC1"]
    by_clock = group_incidents(updates, order="updated_at")["INC1"]
    assert [u.updated_at.day for u in by_counter] == [29, 1, 29, 3]
    assert [u.updated_at.day for u in by_clock] == [29, 29, 1, 3]
    assert reported_reassignments(by_counter) == reported_reassignments(by_clock) == 2
    assert derive_reassignments(by_counter) == 1
    assert derive_reassignments(by_clock) == 2


def history(*steps: tuple[str | None, str | None]) -> list[IncidentUpdate]:
    """Updates of one incident with these (assignment_group, assigned_to) in turn."""
    return [
        IncidentUpdate(
            number="INC1",
            mod_count=i,
            updated_at=datetime(2016, 3, 1, 10, i),
            updated_by=None,
            state="Active",
            active=True,
            assignment_group=group,
            assigned_to=assignee,
            priority=None,
            category=None,
            opened_at=None,
            resolved_at=None,
            closed_at=None,
            reassignment_count=None,
            reopen_count=None,
        )
        for i, (group, assignee) in enumerate(steps)
    ]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([], 0, id="no updates"),
        pytest.param([("G1", None)], 0, id="the group on the first row is not a reassignment"),
        pytest.param([(None, None)], 0, id="one row without a group"),
        pytest.param([("G1", None), ("G1", "A"), ("G1", "B")], 0, id="assignee changes only"),
        pytest.param([("G1", "A"), ("G2", "A")], 1, id="group change"),
        pytest.param([(None, None), ("G1", None)], 1, id="first group given after creation"),
        pytest.param([("G1", None), (None, None)], 1, id="group cleared"),
        pytest.param([("G1", None), (None, None), ("G1", None)], 2, id="cleared and given back"),
        pytest.param([("G1", None), ("G2", None), ("G1", "A"), ("G1", "B")], 2, id="ping-pong"),
        pytest.param([(None, "A"), (None, "B"), (None, None)], 0, id="never a group"),
    ],
)
def test_derive_reassignments(steps: list[tuple[str | None, str | None]], expected: int) -> None:
    assert derive_reassignments(history(*steps)) == expected


def test_reported_reassignments_is_the_last_updates_counter() -> None:
    updates = history(("G1", None), ("G2", None))
    updates[-1] = dataclasses.replace(updates[-1], reassignment_count=1)
    assert reported_reassignments(updates) == 1
    assert reported_reassignments([]) is None

"""The tools' SLA records read into Baton's Sla: ServiceNow task_sla rows and Jira Service Management SLA fields.

Jira's objects are the real JSM Cloud ones of shared/fixtures/jira (TACEA-4540); ServiceNow's task_sla answer is
documentation-shaped (tests/connectors/servicenow/fixtures/task_sla_list_in_progress.PROVENANCE.md: no capture exists).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.jira.mapping import read_sla, sla_text
from baton_itsm.connectors.servicenow.sla import duration_minutes, read_task_sla, slas_by_task
from baton_itsm.core.domain.sla import Sla
from baton_itsm.core.rules.calendar import BusinessCalendar
from tests.connectors.jira.jira_fixtures import fixture, reader
from tests.reference import SERVICENOW_FIXTURES

SN_FIXTURE = SERVICENOW_FIXTURES / "task_sla_list_in_progress.json"
TASK = "46e3e949a9fe19810069b824ba2c761a"
READ = datetime(2026, 7, 7, 1, 5, tzinfo=UTC)


def sn_rows() -> list[dict]:
    return json.loads(SN_FIXTURE.read_text())["result"]


@pytest.mark.parametrize(
    ("value", "minutes"), [("1970-01-01 03:00:00", 180), ("1970-01-02 04:23:17", 28 * 60 + 23 + 17 / 60), ("", None)]
)
def test_servicenow_durations_are_date_times_from_the_epoch(value, minutes):
    assert duration_minutes(value) == minutes


def test_a_running_task_sla_reads_its_goal_use_and_breach():
    sla = read_task_sla(sn_rows()[0])
    assert sla == Sla(
        name="Priority 2 resolution (8 hour)",
        cycle="9b0a3c6e1b2230104f1a2f0bdc4bcb21",
        read_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
        elapsed_minutes=180,
        goal_minutes=480,
        breach_at=datetime(2026, 3, 2, 17, tzinfo=UTC),
    )
    always = BusinessCalendar.always_open()
    assert sla.reaches(0.5, always) == datetime(2026, 3, 2, 13, tzinfo=UTC)
    assert sla.reaches(1.0, always) == sla.breach_at


def test_a_paused_task_sla_and_which_one_the_ticket_answers_to():
    paused = read_task_sla(sn_rows()[1])
    assert paused.paused and not paused.running and paused.goal_minutes == 60
    assert slas_by_task(sn_rows()) == {TASK: read_task_sla(sn_rows()[0])}, "the running one, not the paused one"
    assert slas_by_task(sn_rows()[1:]) == {TASK: paused}


def test_a_task_sla_whose_goal_cannot_be_told_is_refused_with_what_it_was():
    row = dict(sn_rows()[0], business_time_left="", business_percentage="")
    with pytest.raises(MalformedPayload, match="goal cannot be told"):
        read_task_sla(row)
    assert read_task_sla(dict(sn_rows()[0], business_time_left="")).goal_minutes == 480  # from the percentage


def test_an_odd_task_sla_is_left_out_of_the_poll_with_a_warning(caplog):
    odd = dict(sn_rows()[0], business_time_left="", business_percentage="")
    assert slas_by_task([odd, sn_rows()[1]]) == {TASK: read_task_sla(sn_rows()[1])}
    assert "a task_sla whose goal cannot be told" in caplog.text and "that SLA is left out" in caplog.text


def test_the_real_jsm_sla_fields_read_the_ongoing_cycle_only():
    slas = fixture("jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json")
    ongoing = read_sla(slas["customfield_12151 (해결 시간 SLA / time to resolution, ongoing)"], READ)
    assert ongoing == Sla(
        name="해결 시간 SLA",
        cycle="58:1783328533432",
        read_at=READ,
        elapsed_minutes=180,
        goal_minutes=7200,
        breach_at=datetime(2026, 7, 27, 9, tzinfo=UTC),
    )
    assert read_sla(slas["customfield_12084 (할 일 SLA)"], READ) is None, "a completed cycle chases nothing"
    assert read_sla(slas["customfield_12118 (QA 검토 SLA)"], READ) is None, "no cycle yet"
    objects = [v for k, v in slas.items() if k.startswith("customfield_12")]
    assert Sla.from_text(sla_text(objects, READ)) == ongoing
    assert sla_text([slas["customfield_12084 (할 일 SLA)"]], READ) == ""


def test_a_paused_or_breached_jsm_cycle_says_so():
    slas = fixture("jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json")
    real = slas["customfield_12151 (해결 시간 SLA / time to resolution, ongoing)"]
    paused = dict(real, ongoingCycle=dict(real["ongoingCycle"], paused=True))
    breached = dict(real, ongoingCycle=dict(real["ongoingCycle"], breached=True))
    assert read_sla(paused, READ).paused and read_sla(breached, READ).breached
    broken = dict(real, ongoingCycle={k: v for k, v in real["ongoingCycle"].items() if k != "goalDuration"})
    with pytest.raises(MalformedPayload, match="goalDuration"):
        read_sla(broken, READ)
    assert sla_text([broken], READ) == "", "left out of a poll (with a warning), not stopping it"


def test_an_issue_with_sla_fields_carries_the_sla_fact_read_now():
    slas = fixture("jsm_real_cloud_sla_and_request_type_field_values_TACEA-4540.json")
    fields = {
        "project": {"key": "TACEA"},
        "summary": "s",
        "customfield_12151": slas["customfield_12151 (해결 시간 SLA / time to resolution, ongoing)"],
    }
    read = reader(sla_fields=["customfield_12151"])
    read.now = lambda: READ
    facts = read.facts({"id": "49224", "key": "TACEA-4540", "fields": fields})
    assert Sla.from_text(facts["sla"]).cycle == "58:1783328533432" and Sla.from_text(facts["sla"]).read_at == READ
    assert "sla" not in reader().facts({"id": "49224", "key": "TACEA-4540", "fields": fields}), (
        "without sla_fields the issue says nothing about SLAs"
    )

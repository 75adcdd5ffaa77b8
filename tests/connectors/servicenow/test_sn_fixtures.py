"""Every ServiceNow payload in reference/ (beside this file), read by the connector: a ticket, a page, an error.

Answers are served on a mocked transport (`responses`) with the captured status and headers, so the real
client path runs: http.py's status mapping, the Table API envelope, paging headers. Group and user names
for the captured sys_ids are test data (the captures hold ids; one display-value capture names the group
287ebd7d... "Network" and the user 5137153c... "David Loo").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses
from responses import matchers

from baton_itsm.connectors.http import _detail
from baton_itsm.connectors.servicenow.client import next_offset
from baton_itsm.connectors.servicenow.mapping import read_journal, read_ticket, result_of
from baton_itsm.connectors.servicenow.values import Ref
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.errors import ToolAuthError, ToolNotFound, ToolRateLimited, ToolRefused
from tests.connectors.servicenow.sn import BASE, connector, fixture, reference_dir

TABLE = f"{BASE}/api/now/table"
NETWORK, DAVID = "287ebd7da9fe198100f92cc8d1d2154e", "5137153cc611227c000bbd1bd8cd2007"
JOE = "681ccaf9c0a8016400b98a06818d57c7"
GROUPS = {
    NETWORK: "Network",
    "8a4dde73c6112278017a6a4baf547aa7": "Software",
    "8a5055c9c61122780043563ef53438e3": "Hardware",
}
USERS = {
    DAVID: "david.loo",
    JOE: "joe.employee",
    "681b365ec0a80164000fb0b05854a0cd": "fred.luddy",
    "46c6f9efa9fe198101ddf5eed9adf6e7": "abel.tuter",
    "5b7c200d0a640069006b3845b5d0fa7c": "bow.ruggeri",
    "6816f79cc0a8016401c5a33be04be441": "admin",
}
TESTED = {
    "sn_doc_error_429_rate_limit.json",
    "sn_doc_table_get_incident_by_sysid.json",
    "sn_doc_table_get_list_problem_limit1.json",
    "sn_doc_table_patch_incident.json",
    "sn_doc_table_post_incident.json",
    "sn_doc_table_put_incident.json",
    "sn_error_401_user_is_not_authenticated.json",
    "sn_error_401_user_not_authenticated_legacy.json",
    "sn_error_403_insufficient_rights.json",
    "sn_error_404_no_record_found.json",
    "sn_real_ansible_api_info_incident_exclude_reference_link.json",
    "sn_real_ansible_api_post_incident_record.json",
    "sn_real_pdi_incident_list_INC0000060.json",
    "sn_real_pdi_incident_list_display_value_true.json",
    "sn_real_swimlane_get_incident_list_with_headers_link_xtotalcount.json",
    "sn_real_swimlane_get_sn_si_incident_list_with_headers.json",
    "sn_real_swimlane_patch_incident_200_empty_body_headers.json",
    "sn_real_swimlane_patch_incident_display_value_true_with_headers.json",
    "sn_real_swimlane_post_incident_201_with_location_header.json",
    "sn_real_sys_journal_field_rows_incident.json",
}


def names(rsps) -> None:
    """sys_user_group and sys_user answer for the captured ids (in any batch), as the Table API would."""

    def answer(table: dict, field: str):
        def callback(request):
            query = request.params["sysparm_query"].removeprefix("sys_idIN").split(",")
            rows = [{"sys_id": i, field: table[i], "email": ""} for i in query if i in table]
            return 200, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps({"result": rows})

        return callback

    rsps.add_callback(responses.GET, f"{TABLE}/sys_user_group", callback=answer(GROUPS, "name"))
    rsps.add_callback(responses.GET, f"{TABLE}/sys_user", callback=answer(USERS, "user_name"))


def serve(rsps, method: str, url: str, captured: dict) -> None:
    """A captured response (status, headers, body) as the instance's answer. Transfer/encoding headers are the
    transport's business and are left out: the bodies were stored decoded."""
    headers = {
        k: v
        for k, v in captured["response_headers"].items()
        if k not in ("Content-Encoding", "Transfer-Encoding", "Content-Length", "Content-Type")
    }
    body = json.dumps(captured["json_body"]) if "json_body" in captured else captured["response_text"]
    rsps.add(
        method,
        url,
        body=body,
        status=captured["status_code"],
        headers=headers,
        content_type=captured["response_headers"].get("Content-Type"),
    )


def test_every_fixture_file_has_a_test_here():
    assert {p.name for p in reference_dir().glob("*.json")} == TESTED


@responses.activate
def test_a_real_list_page_is_an_incident_held_by_network_david_loo():
    responses.get(
        f"{TABLE}/incident",
        json=fixture("sn_real_pdi_incident_list_INC0000060.json"),
        match=[matchers.query_param_matcher({"sysparm_query": "number=INC0000060"}, strict_match=False)],
    )
    names(responses)
    ticket = connector().read_ticket("INC0000060")
    assert ticket.holder == Holder("Network", "david.loo") and ticket.version == "15"
    assert ticket.fields["reassignment_count"] == "2" and ticket.fields["status"] == "closed"
    assert ticket.fields["sys_updated_on"] == "2016-12-14 02:46:44" and ticket.fields["requester"] == "joe.employee"


@responses.activate
def test_a_real_page_with_paging_headers_follows_next_and_ignores_the_bogus_prev():
    captured = fixture("sn_real_swimlane_get_incident_list_with_headers_link_xtotalcount.json")
    assert 'sysparm_offset=-1>;rel="prev"' in captured["response_headers"]["Link"]  # the quirk being tested
    serve(responses, "GET", f"{TABLE}/incident", captured)
    page = connector().client.page("incident", query="", fields=("sys_id",), limit=1)
    assert (page.total, page.offset, page.next_offset) == (67, 0, 1)
    record = read_ticket(page.records[0])  # links in the v2 form (/api/now/v2/table/...) read the same
    assert (record.number, record.group, record.person) == ("INC0000060", Ref(NETWORK), Ref(DAVID))
    assert record.updated_at == datetime(2016, 12, 14, 2, 46, 44, tzinfo=UTC) and record.updated_by == "employee"


def test_a_real_link_header_of_a_big_table_gives_the_next_offset():
    text = (reference_dir() / "sn_real_pagination_link_header_cmdb_ci_server.txt").read_text()
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Link: "))
    links = {item["rel"]: item for item in requests.utils.parse_header_links(link)}
    assert next_offset(links, 28124, 0, 10000) == 10000  # commas inside the URLs do not split the header
    assert next_offset({}, 28124, 20000, 8124) is None and next_offset({}, None, 0, 10000) is None


@responses.activate
def test_a_single_page_list_has_no_link_header_and_no_next_page():
    captured = fixture("sn_real_swimlane_get_sn_si_incident_list_with_headers.json")
    serve(responses, "GET", f"{TABLE}/sn_si_incident", captured)
    page = connector().client.page("sn_si_incident", query="", fields=("sys_id",), limit=100)
    assert (page.total, page.next_offset) == (1, None)
    record = read_ticket(page.records[0])  # a problem-shaped record: no holder, no reassignment count kept
    assert (record.number, record.group, record.person, record.reassignment_count) == ("PRB0000050", None, None, None)


@responses.activate
def test_a_display_value_list_names_the_caller_and_has_no_holder():
    record = read_ticket(fixture("sn_real_pdi_incident_list_display_value_true.json")["result"][0])
    assert (record.group, record.person) == (None, None)  # "" in display mode too
    assert record.caller == Ref("6816f79cc0a8016401c5a33be04be441", "System Administrator")  # id from the link
    assert (record.state, record.priority, record.mod_count) == ("New", "4 - Low", 2)  # labels, not codes


@responses.activate
def test_a_display_value_patch_answer_names_the_group_but_the_person_needs_a_lookup():
    captured = fixture("sn_real_swimlane_patch_incident_display_value_true_with_headers.json")
    serve(responses, "PATCH", f"{TABLE}/incident/1c741bd70b2322007518478d83673af3", captured)
    names(responses)
    sn = connector()
    written = sn.client.patch("incident", "1c741bd70b2322007518478d83673af3", {"urgency": "2"}, ("sys_id",))
    record = read_ticket(written)
    assert record.group == Ref(NETWORK, "Network") and record.person == Ref(DAVID, "David Loo")
    ticket = sn.ticket_of(record)
    # the group's display value is its name; a person's is a full name, so the user_name is looked up
    assert ticket.holder == Holder("Network", "david.loo")
    assert len([c for c in responses.calls if "/sys_user_group" in c.request.url]) == 0
    assert (ticket.fields["reassignment_count"], ticket.version) == ("2", "19")


@responses.activate
def test_a_patch_answering_200_with_an_empty_body_is_a_success():
    captured = fixture("sn_real_swimlane_patch_incident_200_empty_body_headers.json")
    assert captured["response_text"] == "" and captured["response_headers"]["Content-Length"] == "0"
    serve(responses, "PATCH", f"{TABLE}/incident/1c741bd70b2322007518478d83673af3", captured)
    assert (
        connector().client.patch("incident", "1c741bd70b2322007518478d83673af3", {"work_notes": "x"}, ("sys_id",))
        is None
    )


def test_a_created_record_has_its_sys_id_in_the_location_header():
    captured = fixture("sn_real_swimlane_post_incident_201_with_location_header.json")
    record = read_ticket(result_of(captured["json_body"]))
    assert captured["response_headers"]["Location"].rsplit("/", 1)[1] == record.sys_id
    assert (record.number, record.group, record.person, record.mod_count) == ("INC0010006", None, None, 0)


@pytest.mark.parametrize(
    ("name", "number", "group", "person", "count", "mods"),
    [
        ("sn_doc_table_get_incident_by_sysid.json", "INC0000046", "Software", None, "1", "4"),
        ("sn_doc_table_patch_incident.json", "INC0000050", "Hardware", "fred.luddy", "0", "7"),
        ("sn_doc_table_put_incident.json", "INC0000050", "Hardware", "fred.luddy", "0", "7"),
        ("sn_doc_table_post_incident.json", "INC0010002", "Network", None, "0", "0"),
    ],
)
@responses.activate
def test_documented_single_records(name, number, group, person, count, mods):
    names(responses)
    ticket = connector().ticket_of(read_ticket(result_of(fixture(name))))
    assert ticket.key.ticket_id == number and ticket.holder == Holder(group, person)
    assert (ticket.fields["reassignment_count"], ticket.version) == (count, mods)


def test_the_documented_problem_list_has_an_unassigned_problem_and_a_non_sys_id_reference():
    record = read_ticket(result_of(fixture("sn_doc_table_get_list_problem_limit1.json"))[0])
    assert (record.number, record.group, record.person, record.reassignment_count) == ("PRB0000050", None, None, None)
    # the doc's opened_by "value" is a user_name, not a sys_id: read as given, never assumed to be hex
    assert read_ticket(
        {"sys_id": "x", "caller_id": {"link": ".../sys_user/glide.maint", "value": "glide.maint"}}
    ).caller == Ref("glide.maint")


@responses.activate
def test_bare_sys_id_references_name_the_holder_too():
    (record,) = fixture("sn_real_ansible_api_info_incident_exclude_reference_link.json")
    names(responses)
    ticket = connector().ticket_of(read_ticket(record))
    assert ticket.holder == Holder("Software", "david.loo")
    assert (ticket.key.ticket_id, ticket.fields["reassignment_count"], ticket.fields["status"]) == (
        "INC0000013",
        "2",
        "closed",
    )


def test_a_created_record_from_the_ansible_module_has_no_holder():
    record = read_ticket(fixture("sn_real_ansible_api_post_incident_record.json"))
    assert (record.number, record.group, record.person, record.reassignment_count) == ("INC0010204", None, None, 0)
    assert record.created_at == datetime(2022, 7, 6, 8, 53, 5, tzinfo=UTC)


def test_journal_rows_are_work_notes_for_agents_and_comments_for_the_requester():
    entries = [read_journal(row) for row in fixture("sn_real_sys_journal_field_rows_incident.json")]
    assert [(e.element, e.internal, e.by) for e in entries] == [
        ("work_notes", True, "admin"),
        ("comments", False, "admin"),
        ("comments", False, "admin"),
    ]
    assert entries[0].value == "Team is actively looking into it."
    assert entries[0].at == datetime(2019, 9, 26, 21, 19, 11, tzinfo=UTC)
    assert {e.document for e in entries} == {"965f140bdb4c8c105f6f00b5ca961922"}


@pytest.mark.parametrize(
    ("name", "status", "error", "said"),
    [
        (
            "sn_error_401_user_is_not_authenticated.json",
            401,
            ToolAuthError,
            "User is not authenticated (Required to provide Auth information)",
        ),
        (
            "sn_error_401_user_not_authenticated_legacy.json",
            401,
            ToolAuthError,
            "User Not Authenticated (Required to provide Auth information)",
        ),
        (
            "sn_error_403_insufficient_rights.json",
            403,
            ToolRefused,
            "Insufficient rights (Insufficient rights to query",
        ),
        (
            "sn_error_404_no_record_found.json",
            404,
            ToolNotFound,
            "No Record found (Record doesn't exist or ACL restricts the record retrieval)",
        ),
        (
            "sn_doc_error_429_rate_limit.json",
            429,
            ToolRateLimited,
            "Rate limit exceeded (Rate limit of 100 requests per hour for Table API exceeded)",
        ),
    ],
)
@responses.activate
def test_error_bodies_become_the_right_error_with_servicenows_words(name, status, error, said):
    headers = {"Retry-After": "60", "X-RateLimit-Limit": "100"} if status == 429 else {}
    responses.get(f"{TABLE}/incident", json=fixture(name), status=status, headers=headers)
    with pytest.raises(error) as raised:
        connector().client.page("incident", query="", fields=("sys_id",), limit=1)
    assert said in str(raised.value) and raised.value.status == status
    if status == 429:
        assert raised.value.retry_after == 60.0


@responses.activate
def test_a_403_detail_may_be_null():
    # the variant measured on a live instance (sn_error_403_insufficient_rights.source.txt)
    body = {"error": {"message": "Insufficient rights to query records", "detail": None}, "status": "failure"}
    responses.get(TABLE, json=body, status=403)
    assert _detail(requests.get(TABLE, timeout=1)) == "Insufficient rights to query records"

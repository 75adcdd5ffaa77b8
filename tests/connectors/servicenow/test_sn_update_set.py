"""`baton servicenow update-set`: the update set parses, holds each record Baton needs under ServiceNow's table
names, and has the layout of a real exported update set (fixtures/ beside this file: a real one's structure)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from baton_itsm.connectors.servicenow.options import ServiceNowOptions
from baton_itsm.connectors.servicenow.update_set import update_set_xml
from baton_itsm.connectors.servicenow.update_set_records import ROLE, SECRET_PROPERTY, UpdateSetRecords
from baton_itsm.core.cli.main import cli
from tests.reference import SERVICENOW_FIXTURES

REAL = SERVICENOW_FIXTURES / "real_update_set_excerpt.xml"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def made(table: str = "incident", requester: str = "caller_id") -> ET.Element:
    options = ServiceNowOptions(table=table, requester_field=requester)
    text = update_set_xml("Baton for sn", "test", UpdateSetRecords("sn", "https://baton.example", options).all(), NOW)
    return ET.fromstring(text)


def payloads(unload: ET.Element) -> list[tuple[ET.Element, ET.Element, ET.Element]]:
    """(sys_update_xml, record_update, the record) of each update."""
    found = []
    for update in unload.findall("sys_update_xml"):
        wrapper = ET.fromstring(update.findtext("payload"))
        found.append((update, wrapper, wrapper[0]))
    return found


def by_table(unload: ET.Element) -> dict[str, list[ET.Element]]:
    tables: dict[str, list[ET.Element]] = {}
    for _, _, record in payloads(unload):
        tables.setdefault(record.tag, []).append(record)
    return tables


def test_it_holds_each_record_baton_needs_under_servicenows_table_names():
    tables = by_table(made())
    assert {name: len(records) for name, records in tables.items()} == {
        "sys_script": 1,
        "sys_rest_message": 1,
        "sys_rest_message_fn": 5,
        "sys_properties": 1,
        "sys_script_include": 1,
        "sys_ui_action": 3,
        "sys_user_role": 1,
        "sys_security_acl": 10,
        "sys_security_acl_role": 10,
    }
    [rule] = tables["sys_script"]
    assert (
        rule.findtext("collection"),
        rule.findtext("when"),
        rule.findtext("action_insert"),
        rule.findtext("action_update"),
    ) == ("incident", "after", "true", "true")
    assert "executeAsync()" in rule.findtext("script") and "X-Baton-Signature" in rule.findtext("script")
    assert {
        fn.findtext("function_name"): (fn.findtext("http_method"), fn.findtext("rest_endpoint"))
        for fn in tables["sys_rest_message_fn"]
    }["post_holder_change"] == ("post", "https://baton.example/hooks/servicenow/sn")
    [secret] = tables["sys_properties"]
    assert (secret.findtext("name"), secret.findtext("value"), secret.findtext("read_roles")) == (
        SECRET_PROPERTY,
        "",
        "admin",
    )  # empty: the admin fills it in
    assert sorted(a.findtext("name") for a in tables["sys_ui_action"]) == [
        "Accept handoff",
        "Decline handoff",
        "Request handoff",
    ]
    assert {a.findtext("table") for a in tables["sys_ui_action"]} == {"incident"}
    assert all(a.findtext("condition") for a in tables["sys_ui_action"])  # shown only when they apply
    assert [r.findtext("name") for r in tables["sys_user_role"]] == [ROLE]


def test_the_role_reads_sys_audit_and_nothing_grants_admin():
    tables = by_table(made())
    acls = {a.findtext("sys_id"): (a.findtext("name"), a.findtext("operation")) for a in tables["sys_security_acl"]}
    granted = {
        acls[link.findtext("sys_security_acl")]
        for link in tables["sys_security_acl_role"]
        if link.find("sys_user_role").get("display_value") == ROLE
    }
    assert ("sys_audit", "read") in granted
    assert {
        ("incident.assignment_group", "write"),
        ("incident.assigned_to", "write"),
        ("incident.work_notes", "write"),
        ("incident.comments", "write"),
    } <= granted
    assert granted == set(acls.values())  # every ACL shipped is for Baton's role, none for another
    assert not any(op in {"delete", "create"} for _, op in granted)


def test_the_configured_table_and_requester_field_are_used():
    tables = by_table(made(table="sc_req_item", requester="requested_for"))
    assert tables["sys_script"][0].findtext("collection") == "sc_req_item"
    assert "var REQUESTER_FIELD = 'requested_for';" in tables["sys_script"][0].findtext("script")
    assert {a.findtext("table") for a in tables["sys_ui_action"]} == {"sc_req_item"}
    assert ("sc_req_item.assigned_to", "write") in {
        (a.findtext("name"), a.findtext("operation")) for a in tables["sys_security_acl"]
    }


def test_its_layout_is_that_of_a_real_exported_update_set():
    real, ours = ET.parse(REAL).getroot(), made()
    assert (ours.tag, set(ours.attrib)) == (real.tag, set(real.attrib)) == ("unload", {"unload_date"})
    assert ours[0].tag == real[0].tag == "sys_remote_update_set"
    assert {c.tag for c in ours[1:]} == {c.tag for c in real[1:]} == {"sys_update_xml"}
    [real_header], [our_header] = real.findall("sys_remote_update_set"), ours.findall("sys_remote_update_set")
    assert [c.tag for c in our_header] == [c.tag for c in real_header]
    assert our_header.attrib == real_header.attrib == {"action": "INSERT_OR_UPDATE"}
    real_updates = {record.tag: (update, wrapper, record) for update, wrapper, record in payloads(real)}
    real_fields = [c.tag for c in real.find("sys_update_xml")]
    for update, wrapper, record in payloads(ours):
        assert [c.tag for c in update] == real_fields and update.attrib == {"action": "INSERT_OR_UPDATE"}
        assert wrapper.tag == "record_update" and wrapper.get("table") == record.tag and len(wrapper) == 1
        assert record.get("action") == "INSERT_OR_UPDATE"
        assert update.findtext("name") == f"{record.tag}_{record.findtext('sys_id')}"
        assert update.findtext("name") == record.findtext("sys_update_name")
        if record.tag in real_updates:  # the record types the real one holds: the same fields, the same type
            real_update, _, real_record = real_updates[record.tag]
            assert {c.tag for c in record} <= {c.tag for c in real_record}, record.tag
            assert update.findtext("type") == real_update.findtext("type")
    assert set(real_updates) <= {record.tag for _, _, record in payloads(ours)}


def test_loading_it_again_updates_the_same_records():
    first = [r.findtext("sys_id") for _, _, r in payloads(made())]
    again = [r.findtext("sys_id") for _, _, r in payloads(made())]
    assert first == again and len(set(first)) == len(first)


def test_the_command_writes_it_for_a_configured_instance(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baton.yaml").write_text(
        "connectors:\n  sn:\n    type: servicenow\n    url: https://acme.service-now.com\n    mode: both\n"
        "    auth: {username_env: SN_USER, password_env: SN_PASSWORD}\n    webhook_secret_env: SN_WEBHOOK_SECRET\n"
    )
    written = CliRunner().invoke(
        cli, ["servicenow", "update-set", "--instance", "sn", "--url", "https://baton.example"]
    )
    assert written.exit_code == 0, written.output
    assert ET.fromstring(written.stdout).find("sys_remote_update_set").findtext("name") == "Baton for sn"
    unknown = CliRunner().invoke(cli, ["servicenow", "update-set", "--instance", "jira", "--url", "https://b.example"])
    assert unknown.exit_code == 2 and "no servicenow connector of that name (known: sn)" in unknown.stderr


CLICK = """
const vm = require('vm');
const [script, onclick] = [process.argv[1], process.argv[2]];
const asked = {params: {}};
const sandbox = {
  JSON, prompt: () => 'an answer',
  g_form: {getValue: (field) => field === 'number' ? 'INC0010001' : '', addInfoMessage() {}, addErrorMessage() {}},
  GlideAjax: function (name) {
    asked.include = name;
    this.addParam = (key, value) => { asked.params[key] = value; };
    this.getXMLAnswer = () => { asked.sent = true; };
  },
};
vm.runInNewContext(script + '\\n;' + onclick, sandbox);
process.stdout.write(JSON.stringify(asked));
"""


def test_each_button_asks_the_script_include_for_a_method_it_has():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    tables = by_table(made())
    [include] = tables["sys_script_include"]
    methods = set(re.findall(r"^    (\w+): function", include.findtext("script"), re.MULTILINE))
    for action in tables["sys_ui_action"]:
        done = subprocess.run(
            [node, "-e", CLICK, action.findtext("script"), action.findtext("onclick")],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        asked = json.loads(done.stdout)
        assert asked["include"] == include.findtext("name") and asked["sent"]
        assert asked["params"]["sysparm_name"] in methods and asked["params"]["sysparm_number"] == "INC0010001"

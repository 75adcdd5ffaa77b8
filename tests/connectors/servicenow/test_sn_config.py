"""Building a ServiceNow connector from a deployment's settings: options, credentials, modes."""

from __future__ import annotations

import pytest
import responses

from baton_itsm.connectors.servicenow.connector import ServiceNowConnector
from baton_itsm.core.connector import Connector, build_connectors
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ConfigError
from baton_itsm.core.plugins import build_plugin_manager, connector_registry
from baton_itsm.core.settings.models import ConnectorConfig
from tests.connectors.servicenow.sn import BASE, connector

ENV = {"SN_USER": "baton.integration", "SN_PASSWORD": "pw", "SN_TOKEN": "t0k3n", "SN_SECRET": "s3cret"}


def config(**settings) -> ConnectorConfig:
    return ConnectorConfig(
        **{
            "type": "servicenow",
            "url": "https://acme.service-now.com",
            "auth": {"username_env": "SN_USER", "password_env": "SN_PASSWORD"},
            **settings,
        }
    )


def test_the_built_in_type_builds_a_connector_that_honours_the_contract():
    built = build_connectors(
        {"sn": config(options={"table": "sc_req_item", "page_size": 50})},
        connector_registry(build_plugin_manager()),
        environ=ENV,
    )
    sn = built["sn"]
    assert isinstance(sn, ServiceNowConnector) and isinstance(sn, Connector)
    assert (sn.options.table, sn.options.page_size, sn.account) == ("sc_req_item", 50, "baton.integration")
    assert sn.http.auth == ("baton.integration", "pw") and sn.http.headers["Accept"] == "application/json"
    assert sn.holders_from_audit and sn.webhook_secret is None


def test_an_explicit_account_wins_and_a_token_is_a_bearer_token():
    sn = ServiceNowConnector.from_config(
        instance="sn", config=config(account="baton", auth={"type": "oauth", "token_env": "SN_TOKEN"}), environ=ENV
    )
    assert sn.account == "baton" and sn.http.session.headers["Authorization"] == "Bearer t0k3n"


@pytest.mark.parametrize(("mode", "from_audit"), [("webhook", False), ("both", True)])
def test_with_deliveries_holder_changes_come_from_them_and_in_both_from_the_poll_too(mode, from_audit):
    sn = ServiceNowConnector.from_config(
        instance="sn", config=config(mode=mode, webhook_secret_env="SN_SECRET"), environ=ENV
    )
    assert sn.holders_from_audit is from_audit and sn.webhook_secret == b"s3cret"


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"mode": "webhook"}, "webhook_secret_env: mode webhook needs the secret"),
        ({"mode": "both"}, "webhook_secret_env: mode both needs the secret"),
        ({"options": {"page_size": 0}}, "options.page_size: Input should be greater than 0"),
        ({"options": {"tabel": "incident"}}, "options.tabel: Extra inputs are not permitted"),
        (
            {"auth": {"username_env": "SN_USER", "password_env": "SN_MISSING"}},
            "auth.password_env: environment variable SN_MISSING is not set",
        ),
        ({"auth": {"type": "token"}}, "auth.token_env: required"),
    ],
)
def test_a_broken_setting_is_a_config_error_naming_the_key(settings, problem):
    with pytest.raises(ConfigError) as raised:
        build_connectors({"sn": config(**settings)}, connector_registry(build_plugin_manager()), environ=ENV)
    assert any(p.startswith("connectors.sn: ") and problem in p for p in raised.value.problems), raised.value.problems


@responses.activate
def test_when_deliveries_bring_holder_changes_the_poll_reads_facts_only():
    record = {
        "sys_id": "t1",
        "number": "INC0010001",
        "assignment_group": "g1",
        "assigned_to": "",
        "sys_created_on": "2026-03-02 09:00:03",
        "sys_created_by": "dana",
        "sys_updated_on": "2026-03-02 09:00:09",
        "sys_updated_by": "alice",
        "sys_mod_count": "2",
        "state": "3",
        "caller_id": "",
    }
    responses.get(f"{BASE}/api/now/table/incident", json={"result": [record]}, headers={"X-Total-Count": "1"})
    responses.get(f"{BASE}/api/now/table/sys_user_group", json={"result": [{"sys_id": "g1", "name": "Network"}]})
    sn = connector(holders_from_audit=False)
    (event,) = sn.changes_since("2026-03-02 09:00:00||2026-03-02 09:00:00").events
    assert (event.kind, event.actor, event.new_holder, event.fields["status"]) == (
        ToolEventKind.UPDATED,
        "alice",
        None,
        "on hold",
    )  # no creation, no holder: those came by delivery
    assert not any("/sys_audit" in call.request.url for call in responses.calls)

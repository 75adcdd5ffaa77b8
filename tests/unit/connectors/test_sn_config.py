"""Building a ServiceNow connector from a deployment's settings: options, credentials, modes."""
from __future__ import annotations

import pytest

from baton_itsm.connectors.servicenow.connector import ServiceNowConnector
from baton_itsm.core.connector import Connector, build_connectors
from baton_itsm.core.errors import ConfigError
from baton_itsm.core.plugins import build_plugin_manager, connector_registry
from baton_itsm.core.settings.models import ConnectorConfig

ENV = {"SN_USER": "baton.integration", "SN_PASSWORD": "pw", "SN_TOKEN": "t0k3n", "SN_SECRET": "s3cret"}


def config(**settings) -> ConnectorConfig:
    return ConnectorConfig(**{"type": "servicenow", "url": "https://acme.service-now.com",
                              "auth": {"username_env": "SN_USER", "password_env": "SN_PASSWORD"}, **settings})


def test_the_built_in_type_builds_a_connector_that_honours_the_contract():
    built = build_connectors({"sn": config(options={"table": "sc_req_item", "page_size": 50})},
                             connector_registry(build_plugin_manager()), environ=ENV)
    sn = built["sn"]
    assert isinstance(sn, ServiceNowConnector) and isinstance(sn, Connector)
    assert (sn.options.table, sn.options.page_size, sn.account) == ("sc_req_item", 50, "baton.integration")
    assert sn.http.auth == ("baton.integration", "pw") and sn.http.headers["Accept"] == "application/json"
    assert sn.holders_from_audit and sn.webhook_secret is None


def test_an_explicit_account_wins_and_a_token_is_a_bearer_token():
    sn = ServiceNowConnector.from_config(instance="sn", config=config(
        account="baton", auth={"type": "oauth", "token_env": "SN_TOKEN"}), environ=ENV)
    assert sn.account == "baton" and sn.http.session.headers["Authorization"] == "Bearer t0k3n"


def test_webhook_mode_takes_holder_changes_from_deliveries_only():
    sn = ServiceNowConnector.from_config(instance="sn", config=config(mode="webhook", webhook_secret_env="SN_SECRET"),
                                         environ=ENV)
    assert not sn.holders_from_audit and sn.webhook_secret == b"s3cret"


@pytest.mark.parametrize(("settings", "problem"), [
    ({"mode": "both"}, "mode: both would take each holder change twice"),
    ({"mode": "webhook"}, "webhook_secret_env: mode webhook needs the secret"),
    ({"options": {"page_size": 0}}, "options.page_size: Input should be greater than 0"),
    ({"options": {"tabel": "incident"}}, "options.tabel: Extra inputs are not permitted"),
    ({"auth": {"username_env": "SN_USER", "password_env": "SN_MISSING"}},
     "auth.password_env: environment variable SN_MISSING is not set"),
    ({"auth": {"type": "token"}}, "auth.token_env: required"),
])
def test_a_broken_setting_is_a_config_error_naming_the_key(settings, problem):
    with pytest.raises(ConfigError) as raised:
        build_connectors({"sn": config(**settings)}, connector_registry(build_plugin_manager()), environ=ENV)
    assert any(p.startswith("connectors.sn: ") and problem in p for p in raised.value.problems), raised.value.problems

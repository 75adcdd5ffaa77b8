"""`baton jira webhooks register|list|delete` against the fake Jira (Cloud and Data Center), from ../cassettes.

Registering twice leaves one webhook, posting to Baton's URL for the instance, with the secret Baton verifies
deliveries with and the JQL of the watched projects; delete removes it, and deleting again removes nothing.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.connectors.jira.integration.jira_cassettes import (
    LOGINS,
    WEBHOOK_CONNECTOR,
    WEBHOOK_SECRET,
    deployment_options,
    jira_site,
)

BATON = "https://baton.example.com"


@pytest.fixture(params=["cloud", "datacenter"])
def baton(request, clock, tmp_path):
    """Run `baton ...` with a deployment holding one Jira connector; (run, the site)."""
    with jira_site(request, clock, request.param) as site:
        login, (_, secret) = next(iter(LOGINS[request.param].items()))
        config = tmp_path / "baton.yaml"
        options = json.dumps(deployment_options(request.param))
        config.write_text(WEBHOOK_CONNECTOR.format(url=site.url, options=options))
        env = {"BATON_JIRA_USER": login, "BATON_JIRA_SECRET": secret, "BATON_JIRA_WEBHOOK_SECRET": WEBHOOK_SECRET}

        def run(*args: str, **overrides):
            return CliRunner().invoke(
                cli,
                [
                    "--config",
                    str(config),
                    "--db",
                    str(tmp_path / "ledger.db"),
                    "jira",
                    "webhooks",
                    *args,
                    "--instance",
                    "jira",
                    "--url",
                    BATON,
                ],
                env={**env, **overrides},
            )

        yield run, site


def test_register_twice_is_one_webhook_with_the_secret_and_the_projects_jql(baton):
    run, site = baton
    first, again = run("register"), run("register")
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert first.output.startswith("created webhook 1 'Baton (jira)': https://baton.example.com/hooks/jira/jira")
    assert again.output.startswith("updated webhook 1 'Baton (jira)'")
    assert 'JQL project in ("SD")' in first.output
    (created,) = [json.loads(r.body) for r in site.sent("POST", "/rest/webhooks/1.0/webhook")]
    (updated,) = [json.loads(r.body) for r in site.sent("PUT", "/rest/webhooks/1.0/webhook/1")]
    assert created == updated
    assert created["secret"] == WEBHOOK_SECRET
    assert created["filters"] == {"issue-related-events-section": 'project in ("SD")'}
    assert created["events"] == ["jira:issue_created", "jira:issue_updated", "comment_created"]
    assert WEBHOOK_SECRET not in first.output + again.output

    listed = run("list")
    assert listed.exit_code == 0 and listed.output.splitlines() == [
        '1\tBaton (jira)\thttps://baton.example.com/hooks/jira/jira\tproject in ("SD")\tenabled'
    ]


def test_delete_removes_it_and_deleting_again_removes_nothing(baton):
    run, site = baton
    assert run("register").exit_code == 0
    removed, again = run("delete"), run("delete")
    assert (removed.exit_code, again.exit_code) == (0, 0)
    assert removed.output.strip() == "deleted 1 webhook(s) 1" and again.output.strip() == "deleted 0 webhook(s)"
    assert len(site.sent("DELETE", "/rest/webhooks/1.0/webhook/1")) == 1
    assert run("list").output.strip().startswith("no Baton webhook for jira")


def test_register_without_the_webhook_secret_says_which_setting_and_sends_nothing(baton):
    run, site = baton
    result = run("register", BATON_JIRA_WEBHOOK_SECRET=None)
    assert result.exit_code != 0 and "connectors.jira.webhook_secret_env" in result.output
    assert site.sent("POST", "/rest/webhooks/1.0/webhook") == []

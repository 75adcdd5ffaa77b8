"""`baton check` validates the Slack bot token (auth.test, on a loopback fake of Slack's Web API) and reaches each
Teams workflow URL (a loopback receiver), posting nothing, and never prints the token or a workflow URL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.integration.loopback import Loopback
from tests.integration.notify.slack_fake import TOKEN, FakeSlack
from tests.mail import free_port

CONFIG = """\
groups:
  Network: {{members: [carol], notify: [teams]}}
notifications:
  channels: {{staff: [slack]}}
  slack: {{api_url: "{api_url}"}}
  teams: {{group_webhook_envs: {{Network: BATON_TEAMS_NETWORK_URL}}}}
"""


@pytest.fixture
def chat(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    with FakeSlack({}) as slack, Loopback() as workflow:
        monkeypatch.setenv("BATON_TEAMS_NETWORK_URL", f"{workflow.url}/workflows/secret-sig")
        (tmp_path / "baton.yaml").write_text(CONFIG.format(api_url=slack.api_url))
        yield slack, workflow


def test_a_working_token_and_a_reachable_workflow_are_said_ok(chat, monkeypatch):
    slack, workflow = chat
    monkeypatch.setenv("BATON_SLACK_TOKEN", TOKEN)
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert "notifier slack: Slack: token works for baton in Desk Example" in result.stdout, result.output
    assert "notifier teams: Teams: workflow URLs reached for Network" in result.stdout
    assert [c["method"] for c in slack.calls] == ["auth.test"] and slack.calls[0]["auth"] == f"Bearer {TOKEN}"
    assert not workflow.seen, "nothing is posted (the receiver records what it answers: HEAD is refused unread)"
    assert TOKEN not in result.output and "secret-sig" not in result.output


def test_a_refused_token_is_one_line_naming_the_error(chat, monkeypatch):
    slack, _ = chat
    monkeypatch.setenv("BATON_SLACK_TOKEN", TOKEN)
    slack.refuse_next("auth.test", 200, {"ok": False, "error": "invalid_auth"})
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert "warning: notifier slack: Slack refused auth_test: invalid_auth" in result.stderr, result.output
    assert TOKEN not in result.output


def test_no_token_in_the_environment_names_the_variable(chat, monkeypatch):
    monkeypatch.delenv("BATON_SLACK_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert "notifier slack: no Slack bot token: set BATON_SLACK_TOKEN" in result.stderr, result.output


def test_an_unreachable_workflow_host_is_one_line_without_its_url(chat, monkeypatch):
    monkeypatch.setenv("BATON_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("BATON_TEAMS_NETWORK_URL", f"http://127.0.0.1:{free_port()}/workflows/secret-sig")
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert "warning: notifier teams: Teams: cannot reach Network's workflow host: ConnectionError" in result.stderr
    assert "secret-sig" not in result.output

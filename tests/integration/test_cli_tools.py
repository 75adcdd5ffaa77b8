"""`baton check` reaches every configured tool; `baton poll` refuses what is not configured."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.integration.loopback import Loopback


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("RT_USER", "baton")
    monkeypatch.setenv("RT_PASSWORD", "not-the-password")
    monkeypatch.delenv("BATON_CONFIG", raising=False)

    def write(url: str) -> None:
        (tmp_path / "baton.yaml").write_text(
            f"connectors:\n  rt:\n    type: rest\n    url: {url}/REST/2.0\n"
            "    auth: {username_env: RT_USER, password_env: RT_PASSWORD}\n"
            "    options: {profile: request-tracker5}\n"
        )

    return write


def baton(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_reaches_the_tool(deployment):
    with Loopback() as tool:
        tool.answer(200, {"Name": "baton"})
        deployment(tool.url)
        result = baton("check")
    assert result.exit_code == 0, result.output
    assert f"tool rt: reachable at {tool.url}/REST/2.0 as baton" in result.output
    assert tool.seen[0]["path"] == "/REST/2.0/user/baton"


def test_check_fails_on_refused_credentials_without_showing_them(deployment):
    with Loopback() as tool:
        tool.answer(401, {"message": "Unauthorized"})
        deployment(tool.url)
        result = baton("check")
    assert result.exit_code == 1
    assert "tool rt: GET /user/{account}: the tool did not accept Baton's credentials (401)" in result.stderr
    assert "not-the-password" not in result.output + result.stderr


def test_poll_names_an_unknown_instance(deployment):
    deployment("http://127.0.0.1:9")
    result = baton("poll", "--once", "jira")
    assert result.exit_code == 2 and "unknown connector instance 'jira' (known: rt)" in result.stderr


def test_an_unknown_profile_is_a_config_error(deployment, tmp_path):
    deployment("http://127.0.0.1:9")
    text = (tmp_path / "baton.yaml").read_text().replace("request-tracker5", "otrs")
    (tmp_path / "baton.yaml").write_text(text)
    result = baton("poll", "--once")
    assert result.exit_code == 2
    assert "connectors.rt: options.profile: no shipped profile 'otrs' (shipped: request-tracker5)" in result.stderr

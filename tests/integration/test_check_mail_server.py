"""`baton check` reaches the mail server as a delivery would (connect, STARTTLS, log in) and says what is wrong
in one line, never the password. A real SMTP server on loopback (aiosmtpd) stands in for the relay."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.mail import MailServer, free_port


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.delenv("BATON_CONFIG", raising=False)

    def write(port: int, extra: str = "") -> None:
        (tmp_path / "baton.yaml").write_text(
            f"notifications:\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n    timeout_seconds: 5\n{extra}"
        )

    return write


@pytest.fixture
def relay():
    servers = []

    def start(**options) -> MailServer:
        server = MailServer(free_port(), **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def baton_check():
    return CliRunner().invoke(cli, ["check"], catch_exceptions=False)


def mail_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "mail server" in line]


def test_a_reachable_mail_server_is_said_ok(deployment, relay):
    server = relay()
    deployment(server.port)
    result = baton_check()
    assert result.exit_code == 0, result.output
    assert f"notifier email: mail server 127.0.0.1:{server.port}: reachable" in result.stdout
    assert not server.received  # a check sends nothing


def test_nothing_listening_is_one_line(deployment):
    port = free_port()
    deployment(port)
    result = baton_check()
    assert mail_lines(result.stderr) == [
        f"warning: notifier email: cannot reach the mail server 127.0.0.1:{port}: nothing is listening there "
        "(connection refused); check notifications.smtp.host and port"
    ]
    assert result.exit_code == 0  # messages wait in the outbox; the rest of the deployment can start


def test_a_refused_login_names_the_variables_and_never_the_password(deployment, relay, monkeypatch):
    server = relay(login=("baton", "the-right-one"))
    monkeypatch.setenv("SMTP_USER", "baton")
    monkeypatch.setenv("SMTP_PASSWORD", "a-wrong-password")
    deployment(server.port, "    username_env: SMTP_USER\n    password_env: SMTP_PASSWORD\n")
    result = baton_check()
    [line] = mail_lines(result.stderr)
    assert line.startswith(f"warning: notifier email: the mail server 127.0.0.1:{server.port} refused the login (535")
    assert line.endswith("check SMTP_USER and SMTP_PASSWORD")
    assert "a-wrong-password" not in result.stdout + result.stderr


def test_a_login_that_works_is_said(deployment, relay, monkeypatch):
    server = relay(login=("baton", "the-right-one"))
    monkeypatch.setenv("SMTP_USER", "baton")
    monkeypatch.setenv("SMTP_PASSWORD", "the-right-one")
    deployment(server.port, "    username_env: SMTP_USER\n    password_env: SMTP_PASSWORD\n")
    result = baton_check()
    assert (
        f"notifier email: mail server 127.0.0.1:{server.port}: reachable (logged in as the user in SMTP_USER)"
        in result.stdout
    ), result.output + result.stderr


def test_starttls_the_server_does_not_offer_is_one_line(deployment, relay):
    server = relay()
    deployment(server.port, "    security: starttls\n")
    result = baton_check()
    assert mail_lines(result.stderr) == [
        f"warning: notifier email: the mail server 127.0.0.1:{server.port} does not offer STARTTLS; check "
        "notifications.smtp.security and its credentials"
    ]

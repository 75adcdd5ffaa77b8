"""The notifications section of the deployment file: defaults, refusals, and what `baton check` misses."""

from __future__ import annotations

import pytest

from baton_itsm.core.errors import ConfigError
from baton_itsm.core.settings.loader import missing_environment, parse_config


def load(yaml_text: str):
    return parse_config(yaml_text, "baton.yaml")


def test_defaults_mail_through_a_local_relay_and_coalesce_two_minutes():
    settings = load("").notifications
    assert (settings.smtp.host, settings.smtp.effective_port, str(settings.smtp.security)) == ("localhost", 25, "none")
    assert settings.coalesce_seconds == 120 and not settings.first_assignment_only
    assert settings.channels.requester == ["email"] and settings.channels.staff == ["email"]


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("ssl", 465)])
def test_the_port_follows_the_security(security, port):
    assert load(f"notifications: {{smtp: {{security: {security}}}}}").notifications.smtp.effective_port == port


@pytest.mark.parametrize(
    ("yaml_text", "problem"),
    [
        ("notifications: {smtp: {host: mail.example.com, username_env: U, password_env: P}}", "only over TLS"),
        ("notifications: {smtp: {username_env: U}}", "set both username_env and password_env"),
        ("notifications: {smtp: {password: hunter2}}", "secrets are read from the environment"),
        ("notifications: {channels: {staff: [ticket-reply]}}", "a ticket reply is public"),
        ("notifications: {base_url: baton.example.com}", "notifications.base_url"),
        ("notifications: {coalesce_seconds: -1}", "notifications.coalesce_seconds"),
        ("notifications: {smtp: {from_address: nobody}}", "notifications.smtp.from_address"),
    ],
)
def test_mistakes_are_reported_with_their_key(yaml_text, problem):
    with pytest.raises(ConfigError) as error:
        load(yaml_text)
    assert problem in str(error.value)


def test_credentials_over_plain_smtp_are_allowed_on_loopback():
    smtp = load("notifications: {smtp: {host: 127.0.0.1, username_env: U, password_env: P}}").notifications.smtp
    assert smtp.env_vars() == [("username_env", "U"), ("password_env", "P")]


def test_check_reports_unset_mail_credentials_and_link_secret(monkeypatch):
    for name in ("SMTP_USER", "SMTP_PASSWORD", "BATON_LINK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    config = load(
        "notifications: {base_url: 'https://baton.example.com', smtp: {security: starttls, "
        "host: mail.example.com, username_env: SMTP_USER, password_env: SMTP_PASSWORD}}"
    )
    assert missing_environment(config) == [
        "notifications.smtp.username_env: environment variable SMTP_USER is not set",
        "notifications.smtp.password_env: environment variable SMTP_PASSWORD is not set",
        "notifications.link_secret_env: environment variable BATON_LINK_SECRET is not set",
    ]

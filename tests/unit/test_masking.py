"""Secrets masked in any text: credentials written in URLs, and values of secret environment variables."""

from __future__ import annotations

import logging

from baton_itsm.core.errors import ConfigError, ToolUnavailable
from baton_itsm.core.masking import Masker, mask_url_credentials
from baton_itsm.core.runtime.logs import RedactSecrets


def test_url_credentials_are_masked_wherever_a_url_is_written():
    text = (
        "got 'postgresql://baton:hunter2@db:5432/baton' and no answer from https://rt-user:rt-pass@rt.example/x, "
        "https://ghp_token123@git.example/repo, postgresql+psycopg://baton@db/baton"
    )
    masked = mask_url_credentials(text)
    assert all(secret not in masked for secret in ("hunter2", "rt-pass", "rt-user", "ghp_token123"))
    assert "postgresql://baton:***@db:5432/baton" in masked and "https://***@rt.example/x" in masked
    assert "postgresql+psycopg://baton@db/baton" in masked  # a user name alone in a database URL is no secret


def test_errors_never_carry_url_credentials():
    assert "pw99" not in str(ToolUnavailable("no answer from http://u:pw99@127.0.0.1:9/REST/2.0"))
    error = ConfigError(["a.yaml:2: database.url: got 'postgresql://baton:pw99@db/baton'"])
    assert "pw99" not in str(error) and "pw99" not in error.problems[0]


def test_secret_environment_values_are_masked_including_those_the_config_names():
    environ = {
        "RT_TOKEN": "tok-0123456789",
        "SN_CRED": "sn-cred-value",
        "HOME": "/root",
        "BATON_DATABASE_URL": "postgresql://baton:db-pass-42@db/baton",
    }
    mask = Masker.from_environment(environ, secret_names={"SN_CRED"})
    masked = mask("token tok-0123456789, cred sn-cred-value, driver said: password db-pass-42 refused, home /root")
    assert "tok-0123456789" not in masked and "sn-cred-value" not in masked and "db-pass-42" not in masked
    assert "/root" in masked


def test_log_records_and_their_tracebacks_are_masked(monkeypatch):
    monkeypatch.setenv("SN_CRED", "sn-cred-value")
    try:
        raise RuntimeError("GET http://baton:url-pass@sn.example/api failed with sn-cred-value")
    except RuntimeError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "poll failed: %s",
            ("http://a:b-pass@h/",),
            exc_info=__import__("sys").exc_info(),
        )
    assert RedactSecrets(secret_names={"SN_CRED"}).filter(record)
    shown = record.getMessage() + record.exc_text
    assert "b-pass" not in shown and "url-pass" not in shown and "sn-cred-value" not in shown

"""Problem 10 of issue 16: secrets are masked in what `baton check` and `baton run` print, wherever they were
written (a database URL's password in the file or the environment, credentials in a connector URL, the value of
a secret environment variable echoed back by a config error)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mail import free_port

BATON = str(Path(sys.executable).parent / "baton")
DB_PASSWORD = "db-pass-hunter2"
URL_PASSWORD = "url-pass-rtpass99"
TOKEN = "rt-token-value-0123456789"


@pytest.fixture
def folder(tmp_path):
    return tmp_path


def environment(folder: Path, **extra: str) -> dict:
    env = {**os.environ, "BATON_DATABASE_URL": f"sqlite:///{folder / 'ledger.db'}", "RT_TOKEN": TOKEN, **extra}
    env.pop("BATON_CONFIG", None)
    return env


def rt_connector(port: int) -> str:
    return f"""\
connectors:
  rt:
    type: rest
    url: http://rt-user:{URL_PASSWORD}@127.0.0.1:{port}/REST/2.0
    account: baton
    auth: {{type: token, token_env: RT_TOKEN}}
    poll_interval_seconds: 0.2
    options: {{profile: request-tracker5}}
"""


def baton(folder: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BATON, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60)


def assert_no_secret(output: str) -> None:
    for secret in (DB_PASSWORD, URL_PASSWORD, TOKEN):
        assert secret not in output, output


def test_check_masks_a_database_password_written_in_the_file(folder):
    (folder / "baton.yaml").write_text(f"database: {{url: 'postgresql://baton:{DB_PASSWORD}@127.0.0.1:1/baton'}}\n")
    for command in ("check", "run"):
        result = baton(folder, environment(folder), command)
        assert result.returncode == 2 and "belongs in the environment variable BATON_DATABASE_URL" in result.stderr
        assert "postgresql://baton:***@127.0.0.1:1/baton" in result.stderr
        assert_no_secret(result.stdout + result.stderr)


def test_check_masks_credentials_written_in_a_connector_url(folder):
    (folder / "baton.yaml").write_text(rt_connector(free_port()))  # nothing listens there
    result = baton(folder, environment(folder), "check")
    assert result.returncode == 1 and "tool rt:" in result.stderr and "http://***@127.0.0.1" in result.stderr
    assert_no_secret(result.stdout + result.stderr)


def test_check_masks_a_secret_value_a_config_error_echoes(folder):
    (folder / "baton.yaml").write_text(f"ownership: {{model: {TOKEN}}}\n")  # pasted in the wrong place
    for command in ("check", "run"):
        result = baton(folder, environment(folder), command)
        assert result.returncode == 2 and "ownership.model: expected one of" in result.stderr
        assert_no_secret(result.stdout + result.stderr)


def test_an_unreachable_database_is_reported_without_its_password(folder):
    (folder / "baton.yaml").write_text("")
    env = environment(folder, BATON_DATABASE_URL=f"postgresql://baton:{DB_PASSWORD}@127.0.0.1:{free_port()}/baton")
    for command in ("check", "run"):
        result = baton(folder, env, command)
        assert result.returncode == 3 and "baton:***@127.0.0.1" in result.stderr
        assert_no_secret(result.stdout + result.stderr)


def test_the_running_service_logs_a_tool_failure_without_the_url_credentials(folder):
    (folder / "baton.yaml").write_text(rt_connector(free_port()))  # the tool is down: the poller logs why
    process = subprocess.Popen(
        [BATON, "run", "--no-http"], cwd=folder, env=environment(folder), stderr=subprocess.PIPE, text=True
    )
    lines = []
    try:
        deadline = time.monotonic() + 30  # a real service's first poll; it comes within a second or two
        while time.monotonic() < deadline and not any("no answer from" in line for line in lines):
            lines.append(process.stderr.readline())
    finally:
        process.send_signal(signal.SIGTERM)
        lines += process.communicate(timeout=30)[1].splitlines()
    logged = "".join(lines)
    assert "no answer from http://***@127.0.0.1" in logged
    assert_no_secret(logged)

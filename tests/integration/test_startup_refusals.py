"""Problem 7 of issue 16: `baton run` validates exactly as `baton check` does and refuses to start on an error
(exit 2, one line per problem), where it used to start with a bad connector option and fail every second."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mail import free_port

BATON = str(Path(sys.executable).parent / "baton")
# Two bad options of a Jira connector: `baton check` always caught them, `baton run` started anyway.
BROKEN = """\
connectors:
  jira:
    type: jira
    url: http://127.0.0.1:9/jira
    auth: {username_env: JIRA_EMAIL, password_env: JIRA_API_TOKEN}
    options: {deployment: moon, page_size: lots}
"""
PROBLEMS = [
    "baton.yaml: connectors.jira: options.deployment: Input should be 'cloud' or 'datacenter'",
    "baton.yaml: connectors.jira: options.page_size: Input should be a valid integer",
]


@pytest.fixture
def deployment(tmp_path):
    (tmp_path / "baton.yaml").write_text(BROKEN)
    env = {
        **os.environ,
        "BATON_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "JIRA_EMAIL": "baton@example.com",
        "JIRA_API_TOKEN": "jira-token-0123456789",
    }
    env.pop("BATON_CONFIG", None)
    return tmp_path, env


def baton(folder: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    try:  # a service that starts does not stop by itself: give it a generous minute to refuse instead
        return subprocess.run([BATON, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(f"`baton {' '.join(args)}` started instead of refusing; it said: {timeout.stderr!r}")


def problem_lines(stderr: str) -> list[str]:
    return [line.strip().removeprefix("baton: ") for line in stderr.splitlines() if line.strip()]


def test_run_refuses_to_start_on_what_check_refuses(deployment):
    folder, env = deployment
    checked = baton(folder, env, "check")
    ran = baton(folder, env, "run", "--port", str(free_port()))
    assert checked.returncode == ran.returncode == 2
    for lines in (problem_lines(checked.stderr), problem_lines(ran.stderr)):
        assert len(lines) == 2 and all(line.startswith(problem) for line, problem in zip(lines, PROBLEMS, strict=True))
    assert problem_lines(ran.stderr) == problem_lines(checked.stderr)  # one validation, the same words
    assert "baton running" not in ran.stderr and not (folder / "ledger.db").exists()  # no store opened, no worker


def test_run_lists_missing_credentials_and_bad_options_together(deployment):
    folder, env = deployment
    (folder / "baton.yaml").write_text(
        BROKEN
        + """\
  sn:
    type: servicenow
    url: http://127.0.0.1:9
    auth: {username_env: SN_USER, password_env: SN_PASSWORD}
notifications:
  templates_dir: no-such-folder
"""
    )
    ran = baton(folder, {**env, "SN_USER": "baton"}, "run", "--no-http")
    lines = problem_lines(ran.stderr)
    assert ran.returncode == 2 and len(lines) == 4, ran.stderr
    assert "baton.yaml: connectors.sn.auth.password_env: environment variable SN_PASSWORD is not set" in lines
    assert any("notifications.templates_dir: no such folder" in line for line in lines)
    assert not (folder / "ledger.db").exists()

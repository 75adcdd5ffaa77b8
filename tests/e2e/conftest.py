"""End to end against a real Request Tracker 5 (scripts/rt5-server.sh) and Baton's own CLI and poller.

Skipped with the reason when RT is not reachable; with BATON_TEST_REQUIRE_SERVICES=1 (CI) that fails
instead. Each test starts from a freshly reset RT.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from baton_itsm.core.app import build_app
from baton_itsm.core.cli.main import cli
from baton_itsm.core.clock import FixedClock, SystemClock
from tests.conftest import REQUIRE_SERVICES
from tests.desk import DESK
from tests.e2e import rt5

CONNECTOR = """\
connectors:
  rt:
    type: rest
    url: {url}
    account: baton
    auth: {{username_env: BATON_E2E_RT_USER, password_env: BATON_E2E_RT_PASSWORD}}
    poll_interval_seconds: 5
    options: {{profile: request-tracker5}}
"""


@pytest.fixture(scope="session")
def rt_available():
    why = rt5.unreachable()
    if why:
        if REQUIRE_SERVICES:
            pytest.fail(f"{why} (BATON_TEST_REQUIRE_SERVICES=1)")
        pytest.skip(why)
    with rt5.exclusive():
        yield


@pytest.fixture
def rt(rt_available):
    rt5.server("reset")
    yield rt5
    if rt5.unreachable():  # a test that stopped RT must not leave it down for the next one
        rt5.server("start")


@pytest.fixture
def mail(mail_server):
    """The SMTP server of tests/conftest.py, by the name the e2e tests use."""
    return mail_server


@pytest.fixture
def deployment(rt, tmp_path, monkeypatch):
    """Files and environment of a deployment watching the freshly reset local RT; returns (config, db path)."""
    return deployment_files(tmp_path, monkeypatch)


@pytest.fixture
def deployment_beside(rt_available, tmp_path, monkeypatch):
    """The same, on RT as it is, not reset: for tests that create their own tickets and read only those."""
    return deployment_files(tmp_path, monkeypatch)


def deployment_files(tmp_path, monkeypatch) -> tuple[str, str]:
    monkeypatch.setenv("BATON_E2E_RT_USER", "baton")
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", rt5.PASSWORDS["baton"])
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER"):
        monkeypatch.delenv(var, raising=False)
    config = tmp_path / "baton.yaml"
    config.write_text(DESK + CONNECTOR.format(url=rt5.URL))
    return str(config), str(tmp_path / "ledger.db")


@pytest.fixture
def baton_app(deployment):
    """Baton's composition root on that deployment, on a clock the test moves (for retry backoff)."""
    config, db = deployment
    app = build_app(config, db, clock=FixedClock(SystemClock().now()))
    app.poller.run_once()  # the first poll only sets the checkpoint: Baton watches from now on
    return app


@pytest.fixture
def baton_cli(deployment, baton_app):
    config, db = deployment

    def run(*args: str):
        result = CliRunner().invoke(cli, ["--config", config, "--db", db, *args], catch_exceptions=False)
        return result

    return run

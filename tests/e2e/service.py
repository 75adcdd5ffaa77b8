"""`baton run` as a real process for the e2e tests: started with a deployment file, driven over HTTP.

Waiting here is for another process (polled with a deadline), never for time itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e import rt5

API_TOKEN = "e2e-api-token-0123456789"
BATON = Path(sys.executable).parent / "baton"


def wait_for(what: str, check, timeout: float = 60.0):
    """Poll another process's state until `check()` is truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def service_env(webhook_secret: str) -> dict[str, str]:
    env = {
        **os.environ,
        "BATON_E2E_RT_USER": "baton",
        "BATON_E2E_RT_PASSWORD": rt5.PASSWORDS["baton"],
        "BATON_E2E_WEBHOOK_SECRET": webhook_secret,
        "BATON_API_TOKEN": API_TOKEN,
        "BATON_LINK_SECRET": "e2e-link-secret-0123456789abcdef",
    }
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL"):
        env.pop(var, None)
    return env


class Service:
    """One `baton run` process on 127.0.0.1:`port`, its log in `log`; `tokens`: people's API tokens."""

    def __init__(self, config: Path, db: Path, port: int, env: dict[str, str], log: Path):
        self.config, self.db, self.port, self.env, self.log = config, db, port, env, log
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.tokens: dict[str, str] = {}
        self.mail = None

    def baton(self, *args: str) -> str:
        """A CLI command on the same deployment (store, config); its standard output."""
        return subprocess.run(
            [str(BATON), "--config", str(self.config), "--db", str(self.db), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def start(self) -> Service:
        with self.log.open("a") as sink:
            self.process = subprocess.Popen(
                [
                    str(BATON),
                    "--config",
                    str(self.config),
                    "--db",
                    str(self.db),
                    "run",
                    "--port",
                    str(self.port),
                    "--log-format",
                    "json",
                ],
                env=self.env,
                stdout=sink,
                stderr=sink,
            )
        wait_for("the service to answer /healthz", self.healthy)
        return self

    def stop(self) -> int:
        """SIGTERM, as an admin's service manager stops it; the exit code."""
        assert self.process is not None
        self.process.terminate()
        return self.process.wait(30)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def healthy(self) -> bool:
        try:
            return requests.get(self.base + "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def api(self, method: str, path: str, as_: str | None = None, **kwargs):
        """A call with the service token (it reads), or `as_` a person, with their own token."""
        token = self.tokens[as_] if as_ else API_TOKEN
        return requests.request(
            method, self.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs
        )

    def ledger(self, ticket: str) -> list[dict]:
        return self.api("GET", f"/api/tickets/rt:{ticket}/ledger").json()

    def metrics(self) -> str:
        return requests.get(self.base + "/metrics", timeout=5).text

    def worker_rounds(self, worker: str) -> int | None:
        """Rounds `worker` (e.g. `poll:rt`) has run in this process; None when the process has no such worker."""
        prefix = f'baton_worker_rounds_total{{worker="{worker}"}} '
        line = next((line for line in self.metrics().splitlines() if line.startswith(prefix)), None)
        return None if line is None else int(float(line.removeprefix(prefix)))

"""`baton run` in a subprocess on loopback, on SQLite, and what a test reads of it from /proc.

The service is the real one an admin starts, so its limits are the server's, not a test client's. Its
memory (VmRSS, VmHWM) and open files (/proc/PID/fd) are read from outside; `reset_peak()` sets VmHWM back
to the current RSS (Linux's clear_refs), so a test measures the peak of what it did, not of start-up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.mail import free_port

RT_PROFILE = "{profile: request-tracker5}"


def webhook_instance(tool_url: str) -> str:
    """A `connectors:` block with one Request Tracker instance taking signed webhooks (secret in the env)."""
    return f"""\
connectors:
  rt:
    type: rest
    url: {tool_url}
    account: baton
    mode: webhook
    webhook_secret_env: BATON_TEST_WEBHOOK_SECRET
    auth: {{username_env: BATON_TEST_RT_USER, password_env: BATON_TEST_RT_PASSWORD}}
    options: {RT_PROFILE}
"""


class Served:
    """A running `baton run`, stopped when the `with` block ends; its log is kept in `log` for failures."""

    def __init__(self, folder: Path, config: str, env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "baton.log"
        (folder / "baton.yaml").write_text(config)
        environment = {k: v for k, v in os.environ.items() if k not in ("BATON_CONFIG", "BATON_DATABASE_URL")}
        environment |= {"BATON_TEST_RT_USER": "baton", "BATON_TEST_RT_PASSWORD": "rt-password-not-real", **(env or {})}
        baton = Path(sys.executable).parent / "baton"
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                [
                    str(baton),
                    "--config",
                    str(folder / "baton.yaml"),
                    "--db",
                    str(folder / "ledger.db"),
                    "run",
                    "--port",
                    str(self.port),
                ],
                env=environment,
                stdout=sink,
                stderr=sink,
                start_new_session=True,  # a group of its own, as a service manager runs it (stop_group)
            )
        self.pid = self.process.pid

    def __enter__(self) -> Served:
        deadline = time.monotonic() + 60
        try:
            while not self._answers():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"baton run did not start:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.1)  # waiting for another process to start, not for time
        except BaseException:
            self.stop()  # whatever ends the wait (a failure, Ctrl-C), no `baton run` is left behind
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop_group(self, signum: int = signal.SIGTERM) -> None:
        """Signal every process of `baton run`, as systemd stops a unit (KillMode=control-group) and a terminal's
        Ctrl-C interrupts a foreground job."""
        os.killpg(self.pid, signum)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def _answers(self) -> bool:
        try:
            requests.get(self.base + "/healthz", timeout=2)
            return True
        except (requests.ConnectionError, requests.Timeout):
            return False  # not listening yet, or too busy starting to answer within the timeout

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    # --- what the process uses, read from /proc ---------------------------------------------------
    def status_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def reset_peak(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

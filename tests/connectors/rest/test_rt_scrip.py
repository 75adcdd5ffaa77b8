"""The shipped RT webhook Scrip, run under Perl with stand-ins for RT's objects, and Baton reading what it posts.

This pins the contract between connectors/rest/rt_scrip/baton-webhook-initialdata.pl and the REST profile's
webhook section: the signature header, names instead of ids, the ticket as the transaction left it. The Scrip
posts for real, with RT's own LWP, to an HTTP server on loopback. The real RT runs it in
tests/e2e/test_rt5_webhook.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from baton_itsm.connectors.rest.profile import load_profile
from baton_itsm.connectors.rest.rt_scrip import initialdata
from baton_itsm.connectors.rest.webhook import parse_webhook
from baton_itsm.core.cli.main import cli
from baton_itsm.core.connector import WebhookOutcome
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind

HARNESS = Path(__file__).with_name("rt_scrip_harness.pl")
SECRET = "rt-scrip-test-secret"
USERS = {"6": "Nobody", "28": "alice", "32": "carol"}
QUEUES = {"3": "Service Desk", "4": "Network"}


def commit_code() -> str:
    found = re.search(r"<<'BATON_COMMIT';\n(.*?)\nBATON_COMMIT\n", initialdata(), re.S)
    assert found, "the initialdata file keeps the Scrip's code in a BATON_COMMIT here-document"
    return found.group(1)


def perl_with_modules() -> str:
    perl = shutil.which("perl")
    if perl is None:
        pytest.skip("perl is not installed: the Scrip cannot be run here")
    probe = subprocess.run([perl, "-MJSON", "-MLWP::UserAgent", "-MDigest::SHA", "-e", "1"], capture_output=True)
    if probe.returncode:
        pytest.skip("perl lacks JSON, LWP::UserAgent or Digest::SHA (RT's own dependencies)")
    return perl


class Receiver:
    """An HTTP server on loopback that keeps each POST's headers and body and answers `status`."""

    def __init__(self, status: int = 200):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/rest/rt"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def run_scrip(tmp_path, url: str, txn: dict, ticket: dict, config: dict | None = None) -> subprocess.CompletedProcess:
    perl = perl_with_modules()
    code = tmp_path / "commit.pl"
    code.write_text(commit_code())
    spec = {
        "config": {"BatonWebhookURL": url, "BatonWebhookSecret": SECRET, **(config or {})},
        "users": USERS,
        "queues": QUEUES,
        "txn": txn,
        "ticket": ticket,
    }
    return subprocess.run(
        [perl, str(HARNESS), str(code), json.dumps(spec)], capture_output=True, text=True, timeout=30, check=True
    )


PUSH = {
    "id": 69,
    "Type": "Set",
    "Field": "Owner",
    "OldValue": "28",
    "NewValue": "32",
    "ObjectType": "RT::Ticket",
    "ObjectId": 1,
    "Created": "2026-11-23T05:00:00Z",
    "Creator": "alice",
}
TICKET = {
    "id": "1",
    "Subject": "Printer on fire",
    "Status": "open",
    "Priority": 0,
    "Queue": "Service Desk",
    "Owner": "carol",
    "Requestors": [{"id": 40, "Name": "jo@example.test", "RealName": "Jo Bloggs", "EmailAddress": "jo@example.test"}],
}


def test_an_owner_change_is_posted_signed_with_names_and_baton_reads_the_push(tmp_path, receiver):
    done = run_scrip(tmp_path, receiver.url, PUSH, TICKET)
    assert done.stdout.strip() == "returned 1" and done.stderr == ""

    ((headers, body),) = receiver.received
    assert headers["Content-Type"] == "application/json"
    result = parse_webhook("rt", load_profile("request-tracker5"), SECRET.encode(), headers, body)
    assert result.outcome is WebhookOutcome.ACCEPTED, result.reason
    (event,) = result.events
    assert (event.event_id, event.kind, event.actor) == ("69", ToolEventKind.HOLDER_CHANGED, "alice")
    assert (event.old_holder, event.new_holder) == (Holder("Service Desk", "alice"), Holder("Service Desk", "carol"))
    assert event.fields["requester"] == "jo@example.test" and event.fields["requester_name"] == "Jo Bloggs"
    assert (
        parse_webhook("rt", load_profile("request-tracker5"), b"another secret", headers, body).outcome
        is WebhookOutcome.ANOMALOUS
    )


def test_a_queue_change_names_both_queues(tmp_path, receiver):
    move = {**PUSH, "id": 74, "Field": "Queue", "OldValue": "3", "NewValue": "4"}
    run_scrip(tmp_path, receiver.url, move, {**TICKET, "Queue": "Network", "Owner": "Nobody"})
    ((headers, body),) = receiver.received
    (event,) = parse_webhook("rt", load_profile("request-tracker5"), SECRET.encode(), headers, body).events
    assert (event.old_holder, event.new_holder) == (Holder("Service Desk"), Holder("Network"))


def test_rt_mail_records_are_not_posted(tmp_path, receiver):
    run_scrip(tmp_path, receiver.url, {**PUSH, "Type": "EmailRecord", "Field": None}, TICKET)
    assert receiver.received == []


def test_baton_unreachable_is_logged_and_the_scrip_still_succeeds(tmp_path):
    closed = Receiver()
    closed.close()  # nothing listens there now: RT's request must go on
    done = run_scrip(tmp_path, closed.url, PUSH, TICKET)
    assert done.stdout.strip() == "returned 1"
    assert "[warning] Baton webhook: ticket 1, transaction 69 not delivered" in done.stderr
    assert SECRET not in done.stderr


def test_without_url_or_secret_nothing_is_posted_and_rt_is_told(tmp_path, receiver):
    done = run_scrip(tmp_path, receiver.url, PUSH, TICKET, config={"BatonWebhookSecret": None})
    assert done.stdout.strip() == "returned 1" and receiver.received == []
    assert "are not both set" in done.stderr


def test_the_installer_is_valid_perl_and_baton_rt_scrip_prints_it():
    perl = perl_with_modules()
    result = CliRunner().invoke(cli, ["rt", "scrip"])
    assert result.exit_code == 0 and result.output == initialdata()
    checked = subprocess.run([perl, "-c", "-"], input=result.output, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr

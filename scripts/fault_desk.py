"""The desk the fault test replays events into: its deployment file, its tool stub and its webhook deliveries.

Shared by the disturbed run (`baton run` processes, killed at random) and the undisturbed reference run
(scripts/fault_reference.py), so both see the same desk and the same events.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.connectors.rest.rt_deliveries import owner_change, signature
from tests.mail import free_port

SECRET = "fault-test-webhook-secret-0123456789"
QUEUES = {"3": "Service Desk", "4": "Network"}
LEASE_SECONDS = 3
CONFIG = """\
ownership: {{model: follows, desk_groups: [Service Desk]}}
groups:
  Service Desk: {{members: [alice, bob, carol], managers: [dana]}}
  Network: {{members: [carol], managers: [erin]}}
people:
  alice: {{name: Alice Agent, email: alice@example.com}}
  carol: {{name: Carol Agent, email: carol@example.com}}
notifications:
  coalesce_seconds: 1
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.com}}
service: {{lease_seconds: {lease}}}
rules:
  accept_before_reassign: {{mode: revert}}
connectors:
  rt:
    type: rest
    url: http://127.0.0.1:{tool_port}/REST/2.0
    account: baton
    mode: webhook
    webhook_secret_env: FAULT_WEBHOOK_SECRET
    auth: {{username_env: FAULT_RT_USER, password_env: FAULT_RT_PASSWORD}}
    options: {{profile: request-tracker5}}
"""


class Tool:
    """The RT 5 REST2 calls Baton makes to write a holder or a note; every write is recorded."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owners: dict[str, str] = {}  # ticket id -> owner name (every ticket starts pushed to carol)
        self.versions: Counter = Counter()
        self.puts: list[tuple[str, dict]] = []
        self.notes: Counter = Counter()
        tool = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> dict:
                return json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")

            def do_GET(self):
                parts = self.path.split("?")[0].strip("/").split("/")  # REST, 2.0, kind, id
                kind, ident = parts[2], parts[3] if len(parts) > 3 else ""
                if kind == "ticket":
                    with tool.lock:
                        owner = tool.owners.setdefault(ident, "carol")
                        version = tool.versions[ident]
                    self._answer(
                        200,
                        {
                            "id": int(ident),
                            "Queue": {"id": "3"},
                            "Owner": {"id": owner},
                            "Status": "open",
                            "Subject": f"ticket {ident}",
                        },
                        {"ETag": f'"{version}"'},
                    )
                elif kind == "queue":
                    self._answer(200, {"id": int(ident), "Name": QUEUES.get(ident, ident)})
                else:
                    self._answer(200, {"Name": ident})

            def do_PUT(self):
                ident = self.path.strip("/").split("/")[3]
                body = self._body()
                with tool.lock:
                    old = tool.owners.setdefault(ident, "carol")
                    tool.puts.append((ident, body))
                    tool.owners[ident] = body.get("Owner", old)
                    tool.versions[ident] += 1
                self._answer(200, [f"Ticket {ident}: Owner changed from {old} to {tool.owners[ident]}"])

            def do_POST(self):
                ident = self.path.strip("/").split("/")[3]
                with tool.lock:
                    tool.notes[(ident, self._body().get("Content", ""))] += 1
                self._answer(201, ["Comments added"])

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a killed Baton hangs up mid-answer: expected here

        self.server = Server(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def ticket_deliveries(events: int, at: str) -> list[list[bytes]]:
    """Two deliveries per ticket, in the tool's order: alice takes it, then bob pushes it to carol, at `at`.

    Dated at the run's start, no timer is due while the test runs (the first, a stale reminder, is 240
    business minutes away), so the outcome does not hang on when the scheduler happens to look. Events dated
    long ago make the stale reminder and escalation fire at once, between or after a ticket's two events.
    """
    return [
        [
            owner_change(2 * t - 1, t, "Nobody", "alice", "alice", at),
            owner_change(2 * t, t, "alice", "carol", "bob", at),
        ]
        for t in range(1, events // 2 + 1)
    ]


def signed_headers(body: bytes) -> dict[str, str]:
    return {"X-Baton-Signature": signature(body, SECRET.encode()), "Content-Type": "application/json"}

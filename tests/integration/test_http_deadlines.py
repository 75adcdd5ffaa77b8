"""Issue 16, problem 4: slow clients are cut off at the documented deadlines, and connections are bounded.

Against a real `baton run` on loopback, with raw sockets and short deadlines (head 1 s, body 2 s): a
connection that trickles its headers or its body one byte every 200 ms is answered 408 and closed at its
deadline; one that sends nothing is closed; 200 trickling at once are all closed, the service's open
files fall back to where they were, and a normal request is answered meanwhile. Past the connection
bound a new connection gets 503 at once. Before the fix all of them stayed open as long as the client
liked. Waiting here is for the real deadlines of a real server: short, with generous margins.
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from dataclasses import dataclass

import pytest
import requests

from tests.connectors.rest.test_rest_webhook import SECRET
from tests.integration.loopback import LoopbackServer
from tests.integration.served import Served, webhook_instance

HEAD_SECONDS, BODY_SECONDS = 1.0, 2.0
MARGIN = 3.0  # a loaded test machine may run the server's timer late; never early
TRICKLE_EVERY = 0.2
LIMITS = f"""\
service:
  http: {{header_timeout_seconds: {HEAD_SECONDS}, body_timeout_seconds: {BODY_SECONDS}, max_connections: 300}}
"""
SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: baton\r\nX-Slow: "  # then one more byte at a time, never the end
SLOW_BODY = (
    b"POST /hooks/rest/rt HTTP/1.1\r\nHost: baton\r\nContent-Type: application/json\r\n"
    b"Content-Length: 4096\r\n\r\n"
)  # then the body, one byte at a time


@pytest.fixture(scope="module")
def tool():
    with LoopbackServer(lambda method, path, headers, body: (200, {}, b"{}")) as server:
        yield server


@pytest.fixture(scope="module")
def service(tmp_path_factory, tool):
    config = webhook_instance(tool.url + "/REST/2.0") + LIMITS
    with Served(tmp_path_factory.mktemp("served"), config, env={"BATON_TEST_WEBHOOK_SECRET": SECRET.decode()}) as s:
        yield s


@dataclass
class Slow:
    """One client connection sending its request one byte at a time, and what became of it."""

    connection: socket.socket
    opened: float
    closed_after: float | None = None
    answer: bytes = b""

    @property
    def status(self) -> int | None:
        return int(self.answer.split(b" ")[1]) if self.answer.startswith(b"HTTP/1.1 ") else None


def open_slow(served: Served, count: int, start: bytes) -> list[Slow]:
    clients = []
    for _ in range(count):
        connection = served.connect()
        connection.sendall(start)
        connection.setblocking(False)
        clients.append(Slow(connection, time.monotonic()))
    return clients


def trickle(clients: list[Slow], within: float, each_round=lambda: None) -> None:
    """Send each open client's next byte every 200 ms until the service has closed them all, or `within`
    seconds passed; `each_round()` runs after each round of bytes."""
    deadline = time.monotonic() + within
    while (open_ := [c for c in clients if c.closed_after is None]) and time.monotonic() < deadline:
        for client in open_:
            with contextlib.suppress(BlockingIOError, OSError):  # closed by the service: the read below sees it
                client.connection.send(b"a")
        each_round()
        _read_until(open_, time.monotonic() + TRICKLE_EVERY)
    for client in clients:
        client.connection.close()


def _read_until(clients: list[Slow], until: float) -> None:
    while (wait := until - time.monotonic()) > 0:
        readable, _, _ = select.select([c.connection for c in clients if c.closed_after is None], [], [], wait)
        for client in clients:
            if client.connection in readable:
                try:
                    data = client.connection.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                client.answer += data
                if not data:
                    client.closed_after = time.monotonic() - client.opened
        if not readable:
            return


def assert_closed_at(clients: list[Slow], seconds: float) -> None:
    for client in clients:
        assert client.closed_after is not None, "the service kept a slow connection open"
        assert seconds * 0.8 <= client.closed_after <= seconds + MARGIN, client.closed_after


def test_a_connection_trickling_its_headers_gets_408_and_is_closed_at_the_header_deadline(service):
    clients = open_slow(service, 1, SLOW_HEAD)
    trickle(clients, within=HEAD_SECONDS + MARGIN + 1)
    assert_closed_at(clients, HEAD_SECONDS)
    assert clients[0].status == 408


def test_a_connection_trickling_its_body_gets_408_and_is_closed_at_the_body_deadline(service):
    clients = open_slow(service, 1, SLOW_BODY)
    trickle(clients, within=BODY_SECONDS + MARGIN + 1)
    assert_closed_at(clients, BODY_SECONDS)
    assert clients[0].status == 408


def test_a_kept_alive_connection_trickling_its_next_request_is_closed_at_the_header_deadline(service):
    clients = open_slow(service, 1, b"GET /healthz HTTP/1.1\r\nHost: baton\r\n\r\n" + SLOW_HEAD)
    trickle(clients, within=HEAD_SECONDS + MARGIN + 1)
    assert clients[0].closed_after is not None and clients[0].closed_after <= HEAD_SECONDS + MARGIN
    first, second = clients[0].answer.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 ") and second.startswith(b"408 ")


def test_a_connection_that_sends_nothing_is_closed_at_the_header_deadline_without_an_answer(service):
    clients = open_slow(service, 1, b"")
    _read_until(clients, time.monotonic() + HEAD_SECONDS + MARGIN)
    assert_closed_at(clients, HEAD_SECONDS)
    assert clients[0].answer == b""


def test_two_hundred_slow_connections_are_all_closed_and_a_normal_request_is_answered_meanwhile(service):
    files_before = service.open_files()
    clients = open_slow(service, 100, SLOW_HEAD) + open_slow(service, 100, SLOW_BODY)
    held, answered = [], []

    def each_round():
        held.append(service.open_files() - files_before)
        if held[-1] >= 190 and not answered:  # all of them are connected: a normal request still gets in
            answered.append(requests.get(service.base + "/healthz", timeout=10).status_code)

    trickle(clients, within=BODY_SECONDS + MARGIN + 2, each_round=each_round)
    assert max(held) >= 190, f"the service held only {max(held)} more files while 200 clients were connected"
    assert answered == [200]
    assert_closed_at(clients[:100], HEAD_SECONDS)
    assert_closed_at(clients[100:], BODY_SECONDS)
    assert _settles(service.open_files, lambda files: files <= files_before + 2), (files_before, service.open_files())


def _settles(read, ok, within: float = 5.0) -> bool:
    """Whether `ok(read())` holds within a few seconds: the service closes its side just after ours saw it."""
    deadline = time.monotonic() + within
    while not ok(read()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_headers_too_large_get_a_4xx_whether_they_arrive_whole_or_in_pieces(service):
    with service.connect() as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: baton\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 431 ")
    with service.connect() as connection:  # never complete: h11 stops at its buffer limit
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: baton\r\nX-Big: " + b"a" * 40_000)
        assert connection.recv(65536).startswith(b"HTTP/1.1 400 ")


def test_past_the_connection_bound_a_new_connection_gets_503_and_is_closed(tmp_path, tool):
    config = webhook_instance(tool.url + "/REST/2.0") + "service:\n  http: {max_connections: 20}\n"
    with Served(tmp_path, config, env={"BATON_TEST_WEBHOOK_SECRET": SECRET.decode()}) as served:
        files_before = served.open_files()
        held = [served.connect() for _ in range(20)]  # accepted in order: these 20 before the next
        with served.connect() as one_too_many:
            answer = one_too_many.recv(65536)
            assert answer.startswith(b"HTTP/1.1 503 ") and one_too_many.recv(65536) == b""
        assert "refused 1 connection(s)" in served.log.read_text()  # the admin is told, once a minute at most
        for connection in held:
            connection.close()
        assert _settles(served.open_files, lambda files: files <= files_before + 2)
        assert requests.get(served.base + "/healthz", timeout=10).status_code == 200

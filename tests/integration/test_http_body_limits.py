"""Issue 16, problem 2: a large body costs the service no memory; it is refused with 413 as it comes.

Against a real `baton run` on loopback: one unsigned 256 MiB upload to the webhook route, declaring its
length or chunked, and four concurrent 128 MiB ones, are each answered 413 while the service's peak
memory (VmHWM, reset before the upload) grows by less than 16 MiB over its resident memory before. The
test streams the upload from one 64 KiB chunk and stops sending once the answer arrives, as a client
does. Before the fix the route read the whole body and then refused it: 256 MiB more resident memory.
"""

from __future__ import annotations

import json
import select
import socket
import threading

import pytest
import requests

from tests.connectors.rest.test_rest_webhook import SECRET, delivery, signed
from tests.integration.loopback import LoopbackServer
from tests.integration.served import Served, webhook_instance

MIB = 1 << 20
CHUNK = b"x" * (64 * 1024)
GROWTH_LIMIT_KIB = 16 * 1024


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    tool = LoopbackServer(lambda method, path, headers, body: (200, {"Content-Type": "application/json"}, b"{}"))
    with (
        tool,
        Served(
            tmp_path_factory.mktemp("served"),
            webhook_instance(tool.url + "/REST/2.0"),
            env={"BATON_TEST_WEBHOOK_SECRET": SECRET.decode()},
        ) as served,
    ):
        yield served


def upload(served: Served, total: int, chunked: bool) -> tuple[int, dict, int]:
    """Stream `total` bytes of body to the webhook route until the service answers; the status, its JSON
    and the bytes sent."""
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % total
    piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
    with served.connect() as connection:
        connection.sendall(
            b"POST /hooks/rest/rt HTTP/1.1\r\nHost: baton\r\nContent-Type: application/json\r\n%s\r\n\r\n" % framing
        )
        connection.setblocking(False)
        pending, sent = b"", 0
        while pending or sent < total:
            if not pending:
                pending, sent = piece, sent + len(CHUNK)
            readable, writable, _ = select.select([connection], [connection], [], 10)
            if readable or not writable:
                break  # the answer came (or nothing moves): stop sending, as a client does
            try:
                pending = pending[connection.send(pending) :]
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                break  # closed by the service once it answered
        else:
            if chunked:
                connection.setblocking(True)
                connection.sendall(b"0\r\n\r\n")  # all of it went: end the body, wait for the answer
        answer = _read_answer(connection)
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, json.loads(body) if body else {}, sent


def _read_answer(connection: socket.socket) -> bytes:
    connection.setblocking(True)
    connection.settimeout(10)
    answer = b""
    try:
        while chunk := connection.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass  # the service closes a refused upload; its answer was read before the reset
    return answer


def peak_growth_kib(served: Served, work) -> int:
    """How far the service's peak resident memory rose above its resident memory before `work()`."""
    served.reset_peak()
    before = served.status_kib("VmRSS")
    work()
    return served.status_kib("VmHWM") - before


def warm_up(served: Served) -> None:
    """The refusal's own code paths loaded once, so the measurement counts bodies, not first use."""
    assert upload(served, 2 * MIB, chunked=True)[0] == 413
    assert upload(served, 2 * MIB, chunked=False)[0] == 413


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_256_mib_upload_is_refused_with_413_and_costs_under_16_mib(service, chunked):
    warm_up(service)
    answers = []
    growth = peak_growth_kib(service, lambda: answers.append(upload(service, 256 * MIB, chunked)))
    ((status, answer, sent),) = answers
    print(
        f"256 MiB upload ({'chunked' if chunked else 'Content-Length'}): {status} after {sent // MIB} MiB sent, "
        f"peak RSS growth {growth} KiB"
    )  # the figure the issue asks for; shown with pytest -s
    assert growth < GROWTH_LIMIT_KIB, f"peak memory grew by {growth} KiB"
    assert status == 413 and answer["outcome"] == "anomalous", answer
    assert sent < 256 * MIB, "the service answered only after the whole body"


def test_four_concurrent_128_mib_uploads_are_refused_and_cost_under_16_mib(service):
    warm_up(service)
    answers: list[tuple[int, dict, int]] = []

    def four_at_once():
        uploads = [
            threading.Thread(target=lambda chunked=chunked: answers.append(upload(service, 128 * MIB, chunked)))
            for chunked in (False, True, False, True)
        ]
        for thread in uploads:
            thread.start()
        for thread in uploads:
            thread.join()

    growth = peak_growth_kib(service, four_at_once)
    print(f"four concurrent 128 MiB uploads: {[status for status, _, _ in answers]}, peak RSS growth {growth} KiB")
    assert [status for status, _, _ in answers] == [413] * 4
    assert growth < GROWTH_LIMIT_KIB, f"peak memory grew by {growth} KiB"


def test_after_the_uploads_the_service_is_healthy_and_takes_a_signed_delivery(service):
    upload(service, 8 * MIB, chunked=True)
    assert requests.get(service.base + "/healthz", timeout=10).status_code == 200
    headers, body = signed(delivery())
    answer = requests.post(service.base + "/hooks/rest/rt", data=body, headers=headers, timeout=10)
    assert (answer.status_code, answer.json()["outcome"]) == (200, "accepted")

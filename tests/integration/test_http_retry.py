"""Retries against a real HTTP server on loopback: Retry-After honoured, POSTs not repeated blindly.

Nobody sleeps: the client's sleep is a recorder, so the waits it asked for are what the tests assert.
"""

from __future__ import annotations

import socket

import pytest

from baton_itsm.connectors.http import HttpClient, RetryPolicy
from baton_itsm.core.errors import ToolAuthError, ToolRateLimited, ToolUnavailable
from tests.integration.loopback import Loopback


@pytest.fixture
def server():
    with Loopback() as loopback:
        yield loopback


def client(url: str, waits: list, **kwargs) -> HttpClient:
    return HttpClient(
        url,
        auth=("baton", "s3cret"),
        timeout=kwargs.pop("timeout", 5),
        retry=RetryPolicy(attempts=4, base_seconds=0.5, max_wait_seconds=30),
        sleep=waits.append,
        **kwargs,
    )


def test_rate_limit_waits_as_long_as_the_tool_asked(server):
    server.answer(429, {"message": "slow down"}, {"Retry-After": "7"}).answer(200, {"ok": True})
    waits = []
    assert client(server.url, waits).call("GET", "/x").json() == {"ok": True}
    assert waits == [7.0] and len(server.seen) == 2


def test_server_errors_back_off_then_succeed(server):
    server.answer(500).answer(503).answer(200, {"ok": True})
    waits = []
    client(server.url, waits).call("PUT", "/ticket/1", json={"Owner": "carol"})
    assert waits == [0.5, 1.0] and [s["method"] for s in server.seen] == ["PUT"] * 3


def test_gives_up_after_the_attempts_with_the_last_error(server):
    for _ in range(4):
        server.answer(502, {"message": "bad gateway"})
    waits = []
    with pytest.raises(ToolUnavailable, match="502"):
        client(server.url, waits).call("GET", "/x")
    assert len(server.seen) == 4 and len(waits) == 3


def test_a_post_that_may_have_arrived_is_not_repeated(server):
    server.answer(500)
    with pytest.raises(ToolUnavailable):
        client(server.url, []).call("POST", "/ticket/1/comment", json={"Content": "x"})
    assert len(server.seen) == 1  # the outbox retries it later, after its own backoff


def test_a_rate_limited_post_is_repeated(server):
    server.answer(429, headers={"Retry-After": "2"}).answer(201, ["Comments added"])
    waits = []
    client(server.url, waits).call("POST", "/ticket/1/comment", json={"Content": "x"})
    assert waits == [2.0] and len(server.seen) == 2


def test_a_long_retry_after_is_left_to_the_caller(server):
    server.answer(429, headers={"Retry-After": "3600"})
    with pytest.raises(ToolRateLimited) as raised:
        client(server.url, []).call("GET", "/x")
    assert raised.value.retry_after == 3600 and len(server.seen) == 1


def test_auth_errors_are_not_retried_and_show_no_secret(server):
    server.answer(401, {"message": "Unauthorized"})
    with pytest.raises(ToolAuthError) as raised:
        client(server.url, []).call("GET", "/user/baton")
    assert len(server.seen) == 1 and "s3cret" not in str(raised.value)
    assert server.seen[0]["headers"]["Authorization"].startswith("Basic ")


def test_a_slow_tool_times_out(server):
    for _ in range(2):
        server.answer(200, {}, delay=0.5)
    waits = []
    slow = HttpClient(server.url, timeout=0.1, retry=RetryPolicy(attempts=2), sleep=waits.append)
    with pytest.raises(ToolUnavailable, match="no answer"):
        slow.call("GET", "/x")
    assert len(waits) == 1


def test_nothing_listening_is_unavailable_and_safe_to_repeat_even_for_a_post():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the call: nothing listens there
    waits = []
    with pytest.raises(ToolUnavailable, match="no answer"):
        client(f"http://127.0.0.1:{port}", waits).call("POST", "/ticket/1/comment", json={})
    assert len(waits) == 3  # never sent, so repeating it cannot make the tool act twice


def test_requests_are_counted_by_path_template(server):
    http = client(server.url, [])
    http.call("GET", "/user/6", label="/user/{id}")
    http.call("GET", "/user/28", label="/user/{id}")
    assert http.counts[("GET", "/user/{id}")] == 2 and http.total_requests == 2


def test_where_waiting_is_not_allowed_the_error_comes_at_once(server):
    """The outbox dispatcher's calls: no sleep, no second attempt; the row keeps the time of its next try."""
    from baton_itsm.core.runtime.no_waiting import without_waiting

    server.answer(429, {"message": "slow down"}, {"Retry-After": "7"}).answer(200, {"ok": True})
    waits = []
    with without_waiting(), pytest.raises(ToolRateLimited) as raised:
        client(server.url, waits).call("GET", "/x")
    assert raised.value.retry_after == 7 and waits == [] and len(server.seen) == 1
    assert client(server.url, waits).call("GET", "/x").json() == {"ok": True}, "a poll may wait again"

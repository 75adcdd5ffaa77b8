"""One mapping from HTTP status to ToolError, and Retry-After read both ways HTTP allows."""

from __future__ import annotations

import pytest

from baton_itsm.connectors.http import error_for_status, parse_retry_after
from baton_itsm.core.errors import (
    ToolAuthError,
    ToolConflict,
    ToolNotFound,
    ToolRateLimited,
    ToolRefused,
    ToolUnavailable,
)


@pytest.mark.parametrize(
    ("status", "kind", "retryable"),
    [
        (401, ToolAuthError, False),
        (403, ToolRefused, False),
        (404, ToolNotFound, False),
        (410, ToolNotFound, False),
        (409, ToolConflict, False),
        (412, ToolConflict, False),
        (415, ToolRefused, False),
        (422, ToolRefused, False),
        (429, ToolRateLimited, True),
        (408, ToolUnavailable, True),
        (500, ToolUnavailable, True),
        (502, ToolUnavailable, True),
        (503, ToolUnavailable, True),
    ],
)
def test_each_status_maps_to_one_error(status, kind, retryable):
    error = error_for_status(status, "PUT /ticket/{id}", "Precondition Failed", retry_after=3)
    assert type(error) is kind and error.retryable is retryable and error.status == status
    assert str(error).startswith("PUT /ticket/{id}: ") and "Precondition Failed" in str(error)


def test_success_is_no_error():
    assert error_for_status(200, "GET /x") is None and error_for_status(201, "POST /x") is None


def test_rate_limit_carries_retry_after():
    assert error_for_status(429, "GET /x", retry_after=12.0).retry_after == 12.0


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412460.0) == 20.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412500.0) == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None

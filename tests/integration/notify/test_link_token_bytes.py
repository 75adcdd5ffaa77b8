"""Problem 6 of issue 16: a link token of any bytes (non-ASCII, invalid percent-encoding, enormous) is a
400 page that says the link is not valid, on every link page, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.notify.links import ACCEPT_PATH, AUDIT_PATH, DECLINE_PATH, ESCALATION_REVIEW_PATH, REVIEW_PATH
from baton_itsm.core.web import create_app

PAGES = [ACCEPT_PATH, DECLINE_PATH, REVIEW_PATH, AUDIT_PATH, ESCALATION_REVIEW_PATH]
# Each shaped like a token (version, payload, signature) so that it reaches the signature check.
QUERIES = {
    "non-ASCII signature": "t=v1.eyJoIjoiaDEifQ.%C3%A9t%C3%A9",
    "invalid percent-encoded bytes": "t=v1.eyJoIjoiaDEifQ.%FF%FE%FD",
    "non-ASCII payload": "t=v1.%E2%98%83.abc",
    "enormous": "t=v1." + "A" * 60_000 + ".abc",
}


@pytest.fixture
def web(make_desk, monkeypatch, link_secret):
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)
    return TestClient(create_app(make_desk().app), raise_server_exceptions=False)


def _is_invalid_link_page(response) -> bool:
    return (
        response.status_code == 400
        and "text/html" in response.headers["content-type"]
        and "Invalid link" in response.text
        and "Traceback" not in response.text
    )


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_following_a_link_with_a_token_of_any_bytes_is_a_400_page(web, path, query):
    assert _is_invalid_link_page(web.get(f"{path}?{query}"))


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_answering_with_a_token_of_any_bytes_is_a_400_page(web, path, query):
    form = query + ("&reason=no&needed=yes" if path != ESCALATION_REVIEW_PATH else "&cause=x")
    response = web.post(path, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert _is_invalid_link_page(response)

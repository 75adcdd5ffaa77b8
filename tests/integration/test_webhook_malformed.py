"""Problem 5: signed bodies of the wrong shape are refused with a 4xx `anomalous` answer naming why, never a 500,
and nothing accepted then fails in the inbox worker. Through the real app, on the three webhook instances."""

from __future__ import annotations

import json

import pytest

from tests.connectors.jira.jira_fixtures import fixture
from tests.integration import webhook_fuzz
from tests.integration.webhook_fuzz import NOW, SECRETS, running_service

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def service(tmp_path, monkeypatch):
    with running_service(tmp_path, monkeypatch) as running:
        yield running


def tools() -> dict[str, webhook_fuzz.Tool]:
    return {
        "sn": webhook_fuzz.servicenow(SECRETS["SN_WEBHOOK_SECRET"], NOW),
        "jira": webhook_fuzz.jira(SECRETS["JIRA_WEBHOOK_SECRET"], NOW, fixture),
        "rt": webhook_fuzz.request_tracker(SECRETS["RT_WEBHOOK_SECRET"], NOW),
    }


def post(client, tool: webhook_fuzz.Tool, body: bytes, **headers):
    sent = {**tool.sign(body, {}), **headers}
    return client.post(f"/hooks/{tool.name}/{tool.instance}", headers=sent, content=body)


def refused(answer, reason: str) -> bool:
    return answer.status_code == 400 and answer.json()["outcome"] == "anomalous" and reason in answer.json()["reason"]


@pytest.mark.parametrize("instance", ["sn", "jira", "rt"])
def test_deeply_nested_json_is_refused(service, instance):
    _, client = service
    answer = post(client, tools()[instance], DEEP)
    assert refused(answer, "nests deeper than 32 levels"), answer.text


@pytest.mark.parametrize("instance", ["sn", "jira", "rt"])
@pytest.mark.parametrize("body", [b'{"a": [[[[1e999]]]]}', b'{"a": -1e999}'])
def test_a_number_too_large_for_a_float_is_refused(service, instance, body):
    _, client = service
    assert refused(post(client, tools()[instance], body), "a number too large to read")


@pytest.mark.parametrize("instance", ["sn", "jira", "rt"])
def test_json_33_levels_deep_is_refused_and_32_is_read(service, instance):
    _, client = service
    answer = post(client, tools()[instance], b"[" * 33 + b"]" * 33)
    assert refused(answer, "nests deeper than 32 levels"), answer.text
    answer = post(client, tools()[instance], b"[" * 32 + b"]" * 32)
    assert "nests deeper" not in answer.text, answer.text


def jira_payload(**changes) -> dict:
    payload = fixture("jira_webhook_mattermost_issue-updated-assigned.json")
    payload["timestamp"] = int(NOW.timestamp() * 1000) - 1000
    payload.update(changes)
    return payload


def test_a_jira_project_that_is_a_string_is_refused_by_name(service):
    _, client = service
    payload = jira_payload()
    payload["issue"]["fields"]["project"] = "TES"
    answer = post(client, tools()["jira"], json.dumps(payload).encode())
    assert refused(answer, "issue.fields.project is a string, not an object"), answer.text


@pytest.mark.parametrize("stamp", [10**30, -1, 1e300, "1550287081752"])
def test_a_jira_timestamp_that_is_not_a_time_is_refused(service, stamp):
    _, client = service
    answer = post(client, tools()["jira"], json.dumps(jira_payload(timestamp=stamp)).encode())
    assert refused(answer, "timestamp"), answer.text


def test_a_5000_digit_servicenow_timestamp_is_refused(service):
    from baton_itsm.connectors.servicenow.webhook import TIMESTAMP, sign
    from tests.connectors.servicenow.sn import payload

    _, client = service
    body, stamp = json.dumps(payload()).encode(), "9" * 5000
    answer = post(
        client,
        tools()["sn"],
        body,
        **{
            TIMESTAMP: stamp,
            "X-Baton-Signature": sign(SECRETS["SN_WEBHOOK_SECRET"], stamp, body),
            "X-Baton-Delivery": payload()["delivery_id"],
        },
    )
    assert refused(answer, "more than 300 s from now"), answer.text


@pytest.mark.parametrize(
    "what, change",
    [
        ("a lone surrogate in the issue id", lambda p: p["issue"].update(id="\ud800")),
        ("a lone surrogate in a user id", lambda p: p["user"].update(accountId="\udc80x")),
        ("a NUL in the changelog", lambda p: p["changelog"]["items"][0].update(to="ad\u0000min")),
        ("an issue id of 500 digits", lambda p: p["issue"].update(id="1" * 500)),
        ("a group name of 5,000 characters", lambda p: p["issue"]["fields"]["project"].update(key="K" * 5000)),
        ("a changelog id that is an object", lambda p: p["changelog"].update(id={"id": 1})),
    ],
)
def test_no_accepted_jira_delivery_then_fails_in_the_inbox_worker(service, what, change):
    """Answered 200, such a delivery used to fail in the inbox worker on every attempt: now refused at once."""
    app, client = service
    payload = jira_payload()
    change(payload)
    answer = post(client, tools()["jira"], json.dumps(payload).encode())
    report = app.intake.process_pending()
    assert report.failed == 0, f"{what}: answered {answer.status_code}, then failed in the inbox worker"
    assert answer.status_code == 400 and answer.json()["outcome"] == "anomalous", f"{what}: {answer.text}"
    assert report.new == 0, what


def test_non_utf8_and_non_ascii_bodies_are_refused_or_taken_cleanly(service):
    app, client = service
    assert refused(post(client, tools()["rt"], b'{"transaction": "\xff\xfe"}'), "not UTF-8")
    payload = jira_payload()
    payload["issue"]["fields"]["summary"] = "Imprimante \u00e9teinte \u6f22\u5b57 \U0001f642"
    answer = post(client, tools()["jira"], json.dumps(payload, ensure_ascii=False).encode())
    assert answer.json()["outcome"] == "accepted", answer.text
    assert (report := app.intake.process_pending()).new == 1 and report.failed == 0

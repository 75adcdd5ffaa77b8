"""A signed Jira delivery taken into a real ledger store: a retry of it (same delivery id) is a no-op."""

from __future__ import annotations

from baton_itsm.core.connector import WebhookOutcome
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.usecases.intake import Intake
from tests.connectors.jira.jira_fixtures import TESS, connector, raw, sent_at, signed

ASSIGNED = "jira_webhook_mattermost_issue-updated-assigned.json"


def test_a_replayed_delivery_is_taken_in_once(store, clock):
    body = raw(ASSIGNED)
    jira = connector(users={"tess": TESS}, now=sent_at(body))
    first = jira.parse_webhook(signed(body, delivery="5f1c0de8-0001"), body)
    retry = jira.parse_webhook(signed(body, delivery="5f1c0de8-0001", **{"X-Atlassian-Webhook-Retry": "1"}), body)
    assert first.outcome is retry.outcome is WebhookOutcome.ACCEPTED and first.delivery_id == retry.delivery_id
    intake = Intake(store, RulesEngine(), clock)

    assert intake.receive("jira", first.delivery_id, list(first.events)) is True
    assert intake.receive("jira", retry.delivery_id, list(retry.events)) is False  # kept once: a retry
    handled = intake.process_pending()
    assert (handled.new, handled.failed) == (1, 0)
    assert intake.process_pending().new == 0

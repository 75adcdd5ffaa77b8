"""Teams cards posted to a group's workflow URL (a loopback receiver answering as a workflow does), and the
per-group and per-person choice of staff channels in the deployment file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baton_itsm.core.app import App
from baton_itsm.core.notify.build import notification_handlers
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher
from tests.integration.loopback import Loopback
from tests.integration.notify.conftest import DESK_YAML, Desk
from tests.integration.notify.slack_fake import TOKEN, FakeSlack

WORKFLOW_SHAPE = json.loads((Path(__file__).parents[2] / "fixtures" / "teams" / "workflow_message.json").read_text())
# Network's notices go by email and to its Teams channel; frank wants only Slack, whatever his group chose.
ROUTED = {
    "Network: {{members: [carol, frank], managers: [erin]}}": (
        "Network: {{members: [carol, frank], managers: [erin], notify: [email, teams]}}"
    ),
    "frank: {{name: Frank Field, email: frank@example.com}}": (
        "frank: {{name: Frank Field, email: frank@example.com, notify: [slack]}}"
    ),
}
EXTRA = """\
  slack: {{api_url: "{api_url}"}}
  teams: {{group_webhook_envs: {{Network: BATON_TEAMS_NETWORK_URL}}}}
"""


@pytest.fixture
def routed_desk(tmp_path, clock, mail_server, link_secret):
    text = DESK_YAML
    for plain, routed in ROUTED.items():
        text = text.replace(plain, routed)
    with Loopback() as workflow, FakeSlack({"frank@example.com": "U0FRANK"}) as slack:
        for _ in range(5):
            workflow.answer(202, "")  # a workflow takes the card and answers 202 Accepted, empty
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        config = parse_config(
            text.format(
                model="follows", web_port=8000, smtp_port=mail_server.port, extra=EXTRA.format(api_url=slack.api_url)
            ),
            "desk.yaml",
        )
        app = App(config, None, url, clock)
        env = {
            "BATON_LINK_SECRET": link_secret,
            "BATON_SLACK_TOKEN": TOKEN,
            "BATON_TEAMS_NETWORK_URL": f"{workflow.url}/workflows/network/triggers/manual/run?sig=secret",
        }
        yield Desk(app, OutboxDispatcher(app.store, notification_handlers(app, env), clock)), workflow, slack
        app.engine.dispose()


def test_a_request_to_a_group_with_a_teams_workflow_posts_a_card_naming_the_receiver(routed_desk, mail_server):
    desk, workflow, _slack = routed_desk
    desk.request_to_network()
    [post] = [seen for seen in workflow.seen if seen["method"] == "POST"]
    assert post["path"].startswith("/workflows/network/") and post["headers"]["Content-Type"] == "application/json"
    message = json.loads(post["body"])
    assert message["type"] == WORKFLOW_SHAPE["type"]
    [attachment] = message["attachments"]
    assert attachment["contentType"] == WORKFLOW_SHAPE["attachments"][0]["contentType"]
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["$schema"] == WORKFLOW_SHAPE["attachments"][0]["content"]["$schema"]
    texts = [block["text"] for block in card["body"]]
    assert texts[0] == "[local:42] Please accept: Printer on fire" and texts[1] == "For Carol Agent"
    assert "switch port dead since 8:00" in texts[2]
    accept, decline = card["actions"]
    assert (accept["type"], accept["title"]) == ("Action.OpenUrl", "Accept") and "/handoff/accept?t=" in accept["url"]
    assert decline["title"] == "Decline" and "/handoff/decline?t=" in decline["url"]


def test_staff_channels_follow_the_person_then_the_group_then_the_deployment(routed_desk, mail_server):
    desk, workflow, slack = routed_desk
    desk.request_to_network()
    assert mail_server.to("carol@example.com"), "carol: her group's choice includes email"
    assert not mail_server.to("frank@example.com"), "frank chose Slack only"
    assert [c["args"]["channel"] for c in slack.called("chat.postMessage")] == ["U0FRANK"]
    assert len([seen for seen in workflow.seen if seen["method"] == "POST"]) == 1, "frank's card: none"

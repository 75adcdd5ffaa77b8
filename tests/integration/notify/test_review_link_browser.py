"""Issue 10's demand: a receiver answers a handoff review from its emailed link in headless Chromium; the
answer is in the ledger and in `baton report`; the link cannot be used again, nor by someone else.

The handoff is requested and accepted through Baton with `reviews: {ask: all}`; the acceptance confirmation
arrives at a real SMTP server on loopback; the web app runs under uvicorn on loopback (see browser.py).
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.notify.links import REVIEW_PATH, LinkMaker
from baton_itsm.core.notify.tokens import REVIEW
from tests.integration.notify.browser import ARTIFACTS

pytestmark = pytest.mark.browser


def baton(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", database_url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def no_deployment_file(tmp_path, monkeypatch):
    """`baton` run here reads the store named by --db and Baton's built-in settings, nothing of the host's."""
    monkeypatch.chdir(tmp_path)
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)


def test_a_review_answered_in_chromium_is_in_the_ledger_and_the_report_and_its_link_is_spent(
    serve_desk, mail_server, browser, link_secret, clock, tmp_path, no_deployment_file
):
    desk = serve_desk(extra="reviews: {ask: all}")
    desk.request_to_network()
    desk.app.handoffs.execute(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    desk.drain()

    [confirmation] = [m for m in mail_server.to("carol@example.com") if "You have it now" in m.message["Subject"]]
    html = confirmation.part("html")
    review_link = re.search(r'href="([^"]+/handoff/review\?t=[^"]+)"', html).group(1).replace("&amp;", "&")
    ARTIFACTS.mkdir(exist_ok=True)

    # the receiver answers the three questions and a note, on one screen
    browser.goto(review_link)
    assert browser.locator("h1").inner_text() == "Review the handoff of ticket local:42"
    assert "re-patched the cable, swapped the port" in browser.inner_text("main")
    browser.screenshot(path=str(ARTIFACTS / "review-link-1-form.png"), full_page=True)
    browser.check("#needed-yes")
    browser.check("#prepared-no")
    browser.check("#timely-late")
    browser.fill("#note", "the switch logs were not attached")
    browser.click("#send")
    browser.wait_for_selector("text=Your review of the handoff of local:42 is recorded")
    browser.screenshot(path=str(ARTIFACTS / "review-link-2-recorded.png"), full_page=True)

    # in the ledger, as `baton ledger` shows it
    database_url = desk.app.database_url
    rows = json.loads(baton(database_url, "ledger", "local:42", "--format", "json"))
    reviewed = rows[-1]
    assert (reviewed["entry_type"], reviewed["actor"], reviewed["handoff_id"]) == ("reviewed", "carol", "h1")
    assert reviewed["data"] == {
        "needed": True,
        "prepared": False,
        "timely": "late",
        "note": "the switch logs were not attached",
        "via": "link",
    }

    # in `baton report`: the summary and the per-receiver table
    summary = baton(database_url, "report", "--out", str(tmp_path / "report"), "--no-charts")
    assert re.search(r"^handoff reviews: 1 of 1 handoffs reviewed", summary, re.M), summary
    with open(tmp_path / "report" / "reviews_by_receiver.csv", newline="") as table:
        (carols,) = [row for row in csv.DictReader(table) if row["receiver"] == "carol"]
    assert (carols["reviewed"], carols["poorly_prepared"], carols["too_late"]) == ("1", "1", "1")

    # the same link again: used up
    again = browser.goto(review_link)
    assert again.status == 409
    assert browser.locator("h1").inner_text() == "This link was already used"
    browser.screenshot(path=str(ARTIFACTS / "review-link-3-already-used.png"), full_page=True)

    # someone else: a valid link for the same handoff, signed for frank, who did not receive it
    maker = LinkMaker.from_settings(desk.app.config.notifications, {"BATON_LINK_SECRET": link_secret})
    franks = browser.goto(maker.link(REVIEW_PATH, "h1", "frank", REVIEW, clock.now()))
    assert franks.status == 403
    assert browser.locator("h1").inner_text() == "Only the receiver can review this handoff"
    browser.screenshot(path=str(ARTIFACTS / "review-link-4-someone-else.png"), full_page=True)

    # a tampered link
    token = review_link.split("t=", 1)[1]
    tampered = browser.goto(review_link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")))
    assert tampered.status == 400 and browser.locator("h1").inner_text() == "Invalid link"
    assert "Traceback" not in browser.content()
    assert [r["entry_type"] for r in json.loads(baton(database_url, "ledger", "local:42", "--format", "json"))].count(
        "reviewed"
    ) == 1

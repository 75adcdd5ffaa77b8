"""A receiver follows the accept link of a real email in real headless Chromium (Debian's `chromium`).

The web app runs under uvicorn on loopback; the browser is the system's, driven by playwright with
`executable_path` (no browser is downloaded). Screenshots land in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import re

import pytest

from baton_itsm.core.domain.holders import Holder
from tests.integration.notify.browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_accepting_from_an_email_link_in_chromium(serve_desk, mail_server, browser):
    desk = serve_desk()
    desk.request_to_network()
    html = mail_server.to("carol@example.com")[-1].part("html")
    accept_link = re.search(r'href="([^"]+/handoff/accept\?t=[^"]+)"', html).group(1).replace("&amp;", "&")
    ARTIFACTS.mkdir(exist_ok=True)

    browser.goto(accept_link)
    assert browser.locator("h1").inner_text() == "Accept ticket local:42?"
    browser.screenshot(path=str(ARTIFACTS / "accept-link-1-request.png"), full_page=True)
    browser.click("#accept")
    browser.wait_for_selector("text=You accepted ticket local:42")
    assert "The ticket is handed to you" in browser.inner_text("main")
    browser.screenshot(path=str(ARTIFACTS / "accept-link-2-accepted.png"), full_page=True)
    assert desk.app.handoffs.ledger(desk.key)[-1].event.to_holder == Holder("Network", "carol")

    browser.goto(accept_link)
    assert browser.locator("h1").inner_text() == "This link was already used"
    assert "already used to accept the request" in browser.inner_text("main")
    browser.screenshot(path=str(ARTIFACTS / "accept-link-3-already-used.png"), full_page=True)

    token = accept_link.split("t=", 1)[1]
    tampered = accept_link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    browser.goto(tampered)
    assert browser.locator("h1").inner_text() == "Invalid link"
    assert "Traceback" not in browser.content()
    browser.screenshot(path=str(ARTIFACTS / "accept-link-4-invalid.png"), full_page=True)

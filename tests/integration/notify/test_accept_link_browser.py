"""A receiver follows the accept link of a real email in real headless Chromium (Debian's `chromium`).

The web app runs under uvicorn on loopback; the browser is the system's, driven by playwright with
`executable_path` (no browser is downloaded). Screenshots land in test-artifacts/ for people to look at.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.web import create_app

from tests.mail import free_port

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
# A quiet, throwaway browser: no first-run UI, no background traffic, nothing synced. Playwright adds
# --headless itself (headless=True) and the fresh profile is its user_data_dir (--user-data-dir).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _need_browser():
    why = None
    if not os.path.exists(CHROMIUM):
        why = "no chromium at /usr/bin/chromium (apt-get install chromium; scripts/ci-services.sh does)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            why = "the playwright package is not installed (pip install -e '.[test]')"
    if why and os.environ.get("BATON_TEST_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{why} (BATON_TEST_REQUIRE_SERVICES=1)")
    if why:
        pytest.skip(why)


@pytest.fixture
def browser(tmp_path):
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 900, "height": 700})
        try:
            yield context.new_page()
        finally:
            context.close()


@pytest.fixture
def served_desk(make_desk, monkeypatch, link_secret):
    """A desk whose links point at its web app, running under uvicorn on a free loopback port."""
    port = free_port()
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)
    desk = make_desk(web_port=port)
    server = uvicorn.Server(uvicorn.Config(create_app(desk.app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # wait until it listens (readiness, not time passing for the test's clock)
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield desk
    server.should_exit = True
    thread.join(timeout=10)


def test_accepting_from_an_email_link_in_chromium(served_desk, mail_server, browser):
    desk = served_desk
    desk.tool(ToolEventKind.CREATED, "alice", "Service Desk/alice", subject="Printer on fire",
              requester="rita@example.org", url="https://desk.example.com/t/42")
    desk.app.handoffs.execute(RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"),
                                             by="alice", reason="switch port dead since 8:00",
                                             summary="re-patched the cable, swapped the port"))
    desk.drain()
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

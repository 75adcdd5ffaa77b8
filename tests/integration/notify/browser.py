"""Headless Chromium (Debian's `chromium`, driven by playwright with `executable_path`: no browser is
downloaded) and the web app under uvicorn on loopback, for the tests that follow links from real emails.
Screenshots land in test-artifacts/ for people to look at."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from baton_itsm.core.web import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
# A quiet, throwaway browser: no first-run UI, no background traffic, nothing synced. Playwright adds
# --headless itself (headless=True) and the fresh profile is its user_data_dir (--user-data-dir).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need_browser() -> None:
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


@contextmanager
def chromium_page(profile: Path) -> Iterator:
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 900, "height": 700},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


@contextmanager
def serving(app, port: int) -> Iterator[None]:
    """Baton's web app for `app` under uvicorn on 127.0.0.1:`port`, until the block ends."""
    server = uvicorn.Server(uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # wait until it listens (readiness, not time passing for the test's clock)
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)

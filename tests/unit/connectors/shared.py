"""The project's shared reference fixtures (../shared/fixtures/ beside the repository), for connector tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[4] / "shared" / "fixtures"


def shared_dir(tool: str) -> Path:
    """The folder of one tool's fixtures; the test is skipped (failed in CI) when they are not there."""
    folder = SHARED / tool
    if not folder.is_dir():
        why = f"the shared fixtures are not beside the repository ({folder})"
        if os.environ.get("BATON_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return folder

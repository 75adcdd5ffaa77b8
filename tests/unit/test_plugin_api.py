"""Baton's own plugins use Baton as a third-party plugin would: through core/plugin_api.py only, and cheaply.

connectors/*/plugin.py and every module under plugins/ may import `baton_itsm.core.plugin_api` and nothing else of
the core (checked with `ast`, imports inside functions included). Building the plugin manager imports no heavy
library, since every `baton` command that looks for plugin commands builds it (`baton import servicenow-log`).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import baton_itsm.core.plugin_api as plugin_api

REPO = Path(__file__).resolve().parents[2]
API = "baton_itsm.core.plugin_api"
# The Slack interactivity handler is no hook: core/web/slack.py calls it with the application's HandoffService and
# UnitOfWork, to accept a handoff from a click.
NOT_PLUGIN_MODULES = {"plugins/slack/clicks.py"}
HEAVY = ("sqlalchemy", "pydantic", "requests", "jira", "slack_sdk", "fastapi", "jinja2")


def plugin_modules() -> list[Path]:
    found = [*sorted(REPO.glob("connectors/*/plugin.py")), *sorted(REPO.glob("plugins/**/*.py"))]
    return [p for p in found if p.relative_to(REPO).as_posix() not in NOT_PLUGIN_MODULES]


def core_imports(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
        )
        if isinstance(node, ast.ImportFrom) and node.module == "baton_itsm.core":
            names = [f"baton_itsm.core.{a.name}" for a in node.names]
        found += [(node.lineno, name) for name in names if name.startswith("baton_itsm.core") and name != API]
    return sorted(found)


def test_the_check_sees_a_deep_import_and_allows_the_api():
    source = (
        "from baton_itsm.core.plugin_api import hookimpl\n"
        "def f():\n    from baton_itsm.core.usecases.dispatcher import Handler\n"
        "from baton_itsm.core import errors\n"
    )
    assert core_imports(source) == [(3, "baton_itsm.core.usecases.dispatcher"), (4, "baton_itsm.core.errors")]


def test_plugin_modules_import_the_core_only_through_plugin_api():
    modules = plugin_modules()
    assert len(modules) >= 10  # the three connectors' plugin.py and the notifiers' modules
    offenders = [
        f"{path.relative_to(REPO)} line {line}: {name}"
        for path in modules
        for line, name in core_imports(path.read_text())
    ]
    assert offenders == [], f"plugins import the core only through {API}:\n" + "\n".join(offenders)


def test_every_name_of_the_api_is_there():
    for name in plugin_api.__all__:
        assert getattr(plugin_api, name) is not None, name
    assert sorted(dir(plugin_api)) == sorted(plugin_api.__all__)


def test_building_the_plugin_manager_loads_no_heavy_library():
    probe = (
        "import sys; from baton_itsm.core.plugins import build_plugin_manager, cli_commands; "
        "assert cli_commands(build_plugin_manager()); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"a plugin module pulled in: {loaded}"

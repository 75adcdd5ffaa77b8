"""The hooks: each is documented in docs/plugins.md and tested (here, by a test named test_hook_<name>)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from baton_itsm.core import hookspecs
from baton_itsm.core.errors import ConfigError
from baton_itsm.core.hookspecs import hookimpl
from baton_itsm.core.plugins import (
    build_plugin_manager,
    built_in_entry_points,
    cli_commands,
    connector_registry,
    history_reader,
    notifier_registry,
)

REPO = Path(__file__).resolve().parents[2]


def hookspec_names() -> list[str]:
    return [
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, f"{hookspecs.PROJECT}_spec")
    ]


def test_there_are_hookspecs():
    assert {"register_connectors", "register_notifiers", "register_cli_commands", "register_history_readers"} <= set(
        hookspec_names()
    )


@pytest.mark.parametrize("name", hookspec_names())
def test_every_hookspec_is_documented(name):
    docs = (REPO / "docs" / "plugins.md").read_text()
    assert re.search(rf"^### `{name}\(", docs, re.MULTILINE), f"docs/plugins.md has no section for {name}"


@pytest.mark.parametrize("name", hookspec_names())
def test_every_hookspec_has_a_test(name):
    tests = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    assert f"def test_hook_{name}" in tests, f"no test_hook_{name} under tests/"


class _Plugin:
    @hookimpl
    def register_connectors(self, register):
        register("rest", lambda **kw: "mine")
        register("fake", lambda **kw: "fake")

    @hookimpl
    def register_notifiers(self, register):
        register("pager", lambda context: None)

    @hookimpl
    def register_cli_commands(self, register):
        register("rt", "mine:rt")
        register("mytool", "mytool_baton.cli:mytool")
        register("import  mytool-export", "mytool_baton.cli:export")

    @hookimpl
    def register_history_readers(self, register):
        register("servicenow-log", "baton_itsm.core.hookspecs:PROJECT")  # any "module:attribute" will do here
        register("mytool-export", "baton_itsm.core.hookspecs:hookimpl")


def test_hook_register_connectors():
    manager = build_plugin_manager()
    plugin = _Plugin()
    manager.register(plugin)
    try:
        registry = connector_registry(manager)
        assert registry.get("fake")() == "fake"
        assert registry.get("rest")() == "mine"  # the built-in is trylast: a user's plugin of that name wins
    finally:
        manager.unregister(plugin)
    assert connector_registry(manager).get("rest").__module__ == "baton_itsm.connectors.rest.plugin"
    assert connector_registry(manager).get("jira").__name__ == "jira_connector"
    with pytest.raises(ConfigError, match="unknown connector type 'fake' \\(known: jira, rest, servicenow\\)"):
        connector_registry(manager).get("fake")


def test_hook_register_notifiers():
    manager = build_plugin_manager()
    plugin = _Plugin()
    manager.register(plugin)
    try:
        assert callable(notifier_registry(manager).get("pager"))
    finally:
        manager.unregister(plugin)
    with pytest.raises(ConfigError, match="unknown notification channel 'pager'"):
        notifier_registry(manager).get("pager")
    assert callable(notifier_registry(manager).get("email"))  # built in


def test_hook_register_cli_commands():
    manager = build_plugin_manager()
    built_in = cli_commands(manager)
    assert built_in == {
        "servicenow": "baton_itsm.connectors.servicenow.cli:servicenow",
        "import servicenow-log": "baton_itsm.connectors.servicenow.cli:servicenow_log",
        "jira": "baton_itsm.connectors.jira.cli:jira",
        "import jira-changelog": "baton_itsm.connectors.jira.cli:jira_changelog",
        "rt": "baton_itsm.connectors.rest.cli:rt",
        "import rt": "baton_itsm.connectors.rest.cli:request_tracker",
    }
    plugin = _Plugin()
    manager.register(plugin)
    try:
        mine = cli_commands(manager)
        assert mine["rt"] == "mine:rt"  # the built-in is trylast: a user's plugin of that name wins
        assert mine["mytool"] == "mytool_baton.cli:mytool"
        assert mine["import mytool-export"] == "mytool_baton.cli:export"  # paths are words, however spaced
    finally:
        manager.unregister(plugin)


def test_hook_register_history_readers():
    manager = build_plugin_manager()
    reader = history_reader("servicenow-log", manager)
    assert type(reader).__module__ == "baton_itsm.connectors.servicenow.history.reader"
    assert callable(reader.read) and callable(reader.events)
    plugin = _Plugin()
    manager.register(plugin)
    try:
        assert history_reader("servicenow-log", manager) == "baton"  # a user's plugin of that name wins
        assert history_reader("mytool-export", manager) is hookimpl
    finally:
        manager.unregister(plugin)
    with pytest.raises(ConfigError, match="unknown history format 'mytool-export' \\(known: servicenow-log\\)"):
        history_reader("mytool-export", manager)


def test_built_ins_are_this_distributions_entry_points_registered_first_like_third_party_ones():
    names = [entry_point.name for entry_point in built_in_entry_points()]
    assert sorted(names) == [
        "baton_itsm.connectors.jira.plugin",
        "baton_itsm.connectors.rest.plugin",
        "baton_itsm.connectors.servicenow.plugin",
        "baton_itsm.plugins.email",
        "baton_itsm.plugins.slack",
        "baton_itsm.plugins.teams",
        "baton_itsm.plugins.ticket_reply",
    ]
    manager = build_plugin_manager()
    registered = [name for name, _ in manager.list_name_plugin()]
    assert registered[: len(names)] == names  # before any third-party plugin, as they always were
    assert all(manager.get_plugin(name).__name__ == name for name in names)


def test_an_installed_third_party_plugin_is_registered_after_the_built_ins_and_its_commands_win(tmp_path, monkeypatch):
    """A plugin installed as a distribution with a `baton` entry point (docs/plugins.md), read from the same one
    look at the installed distributions as the built-ins: registered after them, its same-named command wins."""
    (tmp_path / "acme_baton.py").write_text(
        "from baton_itsm.core.plugin_api import hookimpl\n\n"
        "@hookimpl\n"
        "def register_cli_commands(register):\n"
        '    register("import servicenow-log", "acme_baton:servicenow_log")\n'
        '    register("acme", "acme_baton:acme")\n'
    )
    info = tmp_path / "acme_baton-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-baton\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[baton]\nacme = acme_baton\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    manager = build_plugin_manager()

    registered = [name for name, _ in manager.list_name_plugin()]
    assert registered[-1] == "acme" and len(registered) == len(built_in_entry_points()) + 1
    assert cli_commands(manager)["import servicenow-log"] == "acme_baton:servicenow_log"
    assert cli_commands(manager)["acme"] == "acme_baton:acme"

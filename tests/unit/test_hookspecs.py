"""The hooks: each is documented in docs/plugins.md and tested (here, by a test named test_hook_<name>)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from baton_itsm.core import hookspecs
from baton_itsm.core.errors import ConfigError
from baton_itsm.core.hookspecs import hookimpl
from baton_itsm.core.plugins import DEFAULT_PLUGINS, build_plugin_manager, connector_registry, notifier_registry

REPO = Path(__file__).resolve().parents[2]


def hookspec_names() -> list[str]:
    return [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(fn, f"{hookspecs.PROJECT}_spec")]


def test_there_are_hookspecs():
    assert {"register_connectors", "register_notifiers"} <= set(hookspec_names())


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
    assert connector_registry(manager).get("rest").__name__ == "from_config"
    assert connector_registry(manager).get("jira").__qualname__ == "JiraConnector.from_config"
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


def test_built_ins_are_plain_modules_registered_like_third_party_ones():
    manager = build_plugin_manager()
    assert all(manager.get_plugin(name) is not None for name in DEFAULT_PLUGINS)

"""The core names no connector: built-in connectors reach it through the plugin hooks, like third-party ones.

Every .py under core/ is read with `ast`: an import of `baton_itsm.connectors` (at the top or inside a function)
or a string naming a `baton_itsm.connectors...` module (a lazy "module:attribute" spec, an importlib name) fails,
naming the module and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import baton_itsm.core as core

CONNECTORS = "baton_itsm.connectors"
CORE = Path(core.__file__).parent


def _names_connectors(name: str) -> bool:
    return name == CONNECTORS or name.startswith(CONNECTORS + ".") or name.startswith(CONNECTORS + ":")


def connector_references(source: str) -> list[tuple[int, str]]:
    """(line, what) for each import of a connector module in `source`, and each string naming one."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if _names_connectors(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _names_connectors(node.module):
                found.append((node.lineno, f"from {node.module} import ..."))
            elif node.module == "baton_itsm":
                found += [
                    (node.lineno, "from baton_itsm import connectors") for a in node.names if a.name == "connectors"
                ]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and any(_names_connectors(word) for word in node.value.replace('"', " ").replace("'", " ").split())
        ):
            found.append((node.lineno, f"string {node.value[:80]!r}"))
    return sorted(found)


def test_the_guard_sees_imports_at_the_top_inside_functions_and_in_strings():
    source = (
        "import baton_itsm.connectors.jira.connector\n"
        "def f():\n    from baton_itsm.connectors.rest.history import read_rt_history\n"
        "SPEC = 'baton_itsm.connectors.servicenow.plugin'\n"
        "from baton_itsm import connectors\n"
        "from baton_itsm.core.connector import Connector\n"
        "DOC = 'the connectors: connectors.NAME'\n"
    )
    assert [line for line, _ in connector_references(source)] == [1, 3, 4, 5]


def test_no_module_under_core_imports_or_names_a_connector():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        module = ".".join(("baton_itsm.core", *path.relative_to(CORE).with_suffix("").parts))
        offenders += [f"{module} line {line}: {what}" for line, what in connector_references(path.read_text())]
    assert offenders == [], "core must reach connectors only through the plugin hooks:\n" + "\n".join(offenders)

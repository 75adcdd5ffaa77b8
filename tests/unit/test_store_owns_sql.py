"""The store owns SQL: no module outside core/store imports SQLAlchemy or the table definitions, and the store
imports nothing of the layers above it (the rules, notify, web, CLI, service). Tests, benchmarks and scripts may
use SQLAlchemy; they are not walked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STORE = REPO / "core" / "store"
SCHEMA = "baton_itsm.core.store.schema"
# The layers above the store: the store may import the domain, the errors and its own modules, never these.
ABOVE_THE_STORE = tuple(f"baton_itsm.core.{layer}" for layer in ("rules", "notify", "web", "cli", "service"))


def imported_names(tree: ast.AST):
    """(line, dotted name) of every import; `from a import b` yields a.b as well, so `from x.store import schema`
    counts as importing x.store.schema. Relative imports are not used in Baton and would show as a leading dot."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def sources(*folders: str, exclude: Path | None = None) -> list[Path]:
    found = []
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            if exclude is not None and exclude in path.parents:
                continue
            found.append(path)
    return found


def offences(paths: list[Path], forbidden) -> list[str]:
    found: dict[tuple[str, int], str] = {}
    for path in paths:
        for line, name in imported_names(ast.parse(path.read_text(), str(path))):
            if forbidden(name):
                found.setdefault((str(path.relative_to(REPO)), line), name)
    return [f"{path}:{line} imports {name}" for (path, line), name in sorted(found.items())]


def sql(name: str) -> bool:
    return name == "sqlalchemy" or name.startswith("sqlalchemy.") or name == SCHEMA or name.startswith(SCHEMA + ".")


def test_no_module_outside_the_store_imports_sqlalchemy_or_the_tables():
    found = offences(sources("core", "connectors", "plugins", exclude=STORE), sql)
    assert found == [], "SQL belongs in core/store (a query module or a unit-of-work method):\n" + "\n".join(found)


def test_the_store_imports_no_layer_above_it():
    found = offences(sources("core/store"), lambda name: name.startswith(ABOVE_THE_STORE))
    assert found == [], "the store must not import the layers above it:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source, caught",
    [
        ("import sqlalchemy\n", True),
        ("from sqlalchemy.dialects import postgresql\n", True),
        ("import sqlalchemy.exc as e\n", True),
        ("from baton_itsm.core.store.schema import outbox\n", True),
        ("from baton_itsm.core.store import schema\n", True),
        ("from baton_itsm.core.store.outbox_queries import claim\n", False),
        ("import sqlalchemy_utils_like_name_is_not_sqlalchemy\n", False),
    ],
)
def test_the_walk_sees_every_spelling_of_the_import(source, caught):
    assert any(sql(name) for _, name in imported_names(ast.parse(source))) is caught

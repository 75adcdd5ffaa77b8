"""The domain imports no HTTP, SQL, framework or clock-reading module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import baton_itsm.core.domain as domain

FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "sqlite3",
    "psycopg",
    "requests",
    "httpx",
    "urllib3",
    "http.client",
    "urllib.request",
    "socket",
    "fastapi",
    "starlette",
    "uvicorn",
    "click",
    "pluggy",
    "jinja2",
    "smtplib",
    "yaml",
    "tenacity",
)
# `time` is loaded by the interpreter itself, so it can only be checked in the sources.
FORBIDDEN_IN_SOURCE = (*FORBIDDEN, "time")
ALLOWED_BATON = ("baton_itsm.core.domain", "baton_itsm.core.errors")


def test_importing_the_domain_loads_no_forbidden_module():
    probe = (
        "import sys, baton_itsm.core.domain.protocol, baton_itsm.core.domain.ownership; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", f"the domain pulled in: {loaded}"


def test_domain_sources_import_only_the_standard_library_and_the_domain():
    offenders = []
    for source in Path(domain.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            )
            for name in names:
                top = name.split(".")[0]
                if (
                    (name.startswith("baton_itsm") and not name.startswith(ALLOWED_BATON))
                    or (not name.startswith("baton_itsm") and top not in sys.stdlib_module_names)
                    or top in FORBIDDEN_IN_SOURCE
                    or name in FORBIDDEN_IN_SOURCE
                ):
                    offenders.append(f"{source.name}: {name}")
    assert offenders == []


def test_the_domain_never_reads_the_clock():
    for source in Path(domain.__file__).parent.glob("*.py"):
        text = source.read_text()
        assert ".now(" not in text and "utcnow" not in text and "today(" not in text, source.name

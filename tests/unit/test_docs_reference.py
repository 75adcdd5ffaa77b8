"""The reference pages are the code's: the CLI reference is click's command tree, the configuration reference the
settings models. Each is regenerated in memory and compared with the committed page, so neither can go stale."""

from __future__ import annotations

import difflib
import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("docs_reference", REPO / "scripts" / "docs_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", ["cli.md", "configuration.md"])
def test_reference_page_is_what_the_code_says(page):
    path = REPO / "docs" / "reference" / page
    expected = _generator().pages()[path]
    committed = path.read_text(encoding="utf-8") if path.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(True), expected.splitlines(True), f"committed {page}", "from the code", n=1
        )
    )
    assert committed == expected, f"docs/reference/{page} is stale: run python scripts/docs_reference.py\n{diff[:3000]}"


def test_cli_reference_names_every_command_and_option():
    """What a user reads in `baton X --help` is in the page: every command path and every option name."""
    import click

    from baton_itsm.core.cli.main import cli

    generator = _generator()
    text = (REPO / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")

    def walk(command, ctx, path):
        assert f"`{' '.join(path)}`" in text, f"{' '.join(path)} is not in the CLI reference"
        for param in (p for p in command.get_params(ctx) if not generator.is_help(p, ctx)):  # said once, on top
            names = param.opts if isinstance(param, click.Option) else [param.human_readable_name]
            for name in names:
                section = text.split(f"`{' '.join(path)}`\n", 1)[1]
                assert f"`{name}`" in section.split("\n#", 1)[0], f"{' '.join(path)} {name} is not in its section"
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                walk(sub, click.Context(sub, info_name=name, parent=ctx), [*path, name])

    walk(cli, click.Context(cli, info_name="baton", **cli.context_settings), ["baton"])


def test_configuration_reference_describes_every_key():
    """Every key has a type and a description (a comment beside the field in its model), so a new setting
    without one fails here rather than reaching admins undocumented."""
    from baton_itsm.core.settings.models import BatonConfig

    text = (REPO / "docs" / "reference" / "configuration.md").read_text(encoding="utf-8")
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| `")]
    assert rows
    undescribed = [row[0].strip("| `") for row in rows if not row[3].strip(" |")]
    assert undescribed == [], f"settings without a description (add a comment beside the field): {undescribed}"
    for name in BatonConfig.model_fields:
        assert re.search(rf"^\| `{name}[.`\[]", text, re.MULTILINE), f"{name} is not in the configuration reference"
    assert "| `service.http.max_connections` | integer | `500` |" in text
    assert "| `rules.acceptance_timeout.after` | business minutes | `60` |" in text

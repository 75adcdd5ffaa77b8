"""The README is the front door: short, its two set-up commands where CI reads them, its links alive, and the
documentation site it points to complete (every page in the navigation, every navigation entry a page)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _block(name: str) -> list[str]:
    """What .ci/run extracts: the lines between the markers, less the markers and the code fences."""
    match = re.search(rf"^<!-- {name} -->\n(.*?)^<!-- /{name} -->$", README, re.MULTILINE | re.DOTALL)
    assert match, f"the README has no <!-- {name} --> block"
    return [line for line in match.group(1).splitlines() if line and not line.startswith("```")]


def test_readme_is_at_most_150_lines():
    assert len(README.splitlines()) <= 150, "the README is the front door: move the detail into docs/"


def test_readme_keeps_the_two_set_up_commands_where_ci_reads_them():
    assert _block("run-command") == ["pip install -e . && baton demo"]
    assert _block("test-command") == ["pip install -e '.[test]' && pytest"]


def test_readme_links_lead_to_files_in_the_repository():
    links = [target for target in re.findall(r"\]\(([^)\s]+)\)", README) if not target.startswith("http")]
    assert links
    broken = [target for target in links if not (REPO / target.split("#")[0]).exists()]
    assert broken == [], f"README links to files that do not exist: {broken}"


def _nav_pages(entries) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_every_docs_page_is_in_the_navigation_and_every_entry_is_a_page():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    pages = sorted(str(p.relative_to(REPO / "docs")) for p in (REPO / "docs").rglob("*.md"))
    assert sorted(nav) == pages


def test_the_site_builds_offline():
    """Material's defaults fetch Google Fonts; social cards and the privacy plugin download too."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["font"] is False
    assert config["plugins"] == ["search"]

"""Message templates: Jinja2, a text and an HTML part per notice, each overridable by the administrator.

For a notice NAME the text part is `NAME.txt.j2` (blocks `subject` and `body`) and the HTML part is
`NAME.html.j2`. A file of the same name in the deployment's `notifications.templates_dir` replaces the
built-in one; copy a built-in from core/notify/templates/ to start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

BUILT_IN = PackageLoader("baton_itsm.core.notify", "templates")
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _when(value: Any, timezone: ZoneInfo) -> str:
    """'Mon 2 Mar 2026, 10:00 UTC' in the deployment's time zone; '' for nothing."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = moment.astimezone(timezone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


class Renderer:
    def __init__(self, override_dir: Path | None = None, timezone: ZoneInfo = UTC_ZONE):
        loader = ChoiceLoader([FileSystemLoader(str(override_dir)), BUILT_IN]) if override_dir else BUILT_IN
        # StrictUndefined: a misspelt variable in an override fails loudly (the row retries and shows the
        # error) instead of mailing people a sentence with a hole in it.
        common: dict[str, Any] = {
            "loader": loader,
            "undefined": StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
        }
        self._text = Environment(autoescape=False, keep_trailing_newline=True, **common)
        self._html = Environment(autoescape=True, **common)
        for env in (self._text, self._html):
            env.filters["when"] = lambda value: _when(value, timezone)

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        text_template = self._text.get_template(f"{name}.txt.j2")
        subject = self._block(text_template, "subject", context)
        body = self._block(text_template, "body", context)
        html = self._html.get_template(f"{name}.html.j2").render(context)
        return Rendered(" ".join(subject.split()), body.strip() + "\n", html)

    @staticmethod
    def _block(template, block: str, context: dict[str, Any]) -> str:
        return "".join(template.blocks[block](template.new_context(context)))

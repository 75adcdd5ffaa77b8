"""Block Kit messages: a notice as Slack shows it, with Accept / Decline on a request, and the message after a click.

Buttons carry only the handoff id (`value`); who clicked is what Slack signs, so a forwarded message gives nobody
else's rights. The decline button opens Baton's signed decline page, where the reason is asked (and, with a
decline catalog, offered as choices: see `decline_choices`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ACCEPT, DECLINE = "baton_accept", "baton_decline"
ANSWERABLE = frozenset({"handoff-request", "acceptance-reminder"})


def notice_blocks(
    template: str, subject: str, text: str, details: Mapping[str, Any], links: Mapping[str, str] | None
) -> list[dict]:
    """The message of one notice: its subject, what was asked and tried, and the answer buttons of a request."""
    blocks: list[dict] = [{"type": "header", "text": _plain(subject[:150])}]
    if template in ANSWERABLE and details.get("handoff_id"):
        ticket = details.get("ticket_subject") or ""
        fields = [
            f"*Why*\n{details.get('reason') or '(not said)'}",
            f"*What was tried*\n{details.get('summary') or '(not said)'}",
        ]
        if ticket:
            blocks.append({"type": "section", "text": _mrkdwn(_linked(ticket, details.get("ticket_url")))})
        blocks.append({"type": "section", "fields": [_mrkdwn(f) for f in fields]})
        blocks.append(answer_buttons(str(details["handoff_id"]), links))
    else:
        blocks.append({"type": "section", "text": _mrkdwn(text[:2900])})
    return blocks


def answer_buttons(handoff_id: str, links: Mapping[str, str] | None) -> dict:
    decline: dict[str, Any] = {"type": "button", "action_id": DECLINE, "value": handoff_id, "text": _plain("Decline")}
    if links and links.get("decline"):
        decline["url"] = links["decline"]  # the page asks for the reason (decline_choices: the catalog's hook)
    return {
        "type": "actions",
        "block_id": f"answer:{handoff_id}",
        "elements": [
            {"type": "button", "action_id": ACCEPT, "value": handoff_id, "style": "primary", "text": _plain("Accept")},
            decline,
        ],
    }


def decline_choices(reasons: list[Mapping[str, Any]]) -> list[dict]:
    """The options of a decline-reason menu, from a catalog (`rules.decline_reasons`: code, words); [] without one.

    Where a catalog is configured, a `static_select` of these options can replace the free-text reason."""
    return [
        {"text": _plain(str(r.get("words") or r.get("code"))[:75]), "value": str(r.get("code"))}
        for r in reasons
        if r.get("code")
    ]


def answered_blocks(original: list[dict], line: str) -> list[dict]:
    """The message after an answer: what it said, without its buttons, and who answered when."""
    kept = [block for block in original if block.get("type") != "actions"]
    return [*kept, {"type": "context", "elements": [_mrkdwn(line)]}]


def _linked(text: str, url: str | None) -> str:
    return f"<{url}|{_escape(text)}>" if url else _escape(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}

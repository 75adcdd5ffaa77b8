"""Adaptive Cards (schema 1.4) for a Teams channel workflow: the notice, its addressee, and the answer links."""

from __future__ import annotations

from collections.abc import Mapping

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def notice_card(subject: str, text: str, addressee: str, links: Mapping[str, str] | None) -> dict:
    body = [
        {"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": f"For {addressee}", "isSubtle": True, "wrap": True},
        {"type": "TextBlock", "text": text[:4000], "wrap": True},
    ]
    actions = []
    if links and links.get("accept"):
        actions += [
            {"type": "Action.OpenUrl", "title": "Accept", "url": links["accept"]},
            {"type": "Action.OpenUrl", "title": "Decline", "url": links["decline"]},
        ]
    elif links and links.get("url"):
        actions.append({"type": "Action.OpenUrl", "title": "Open", "url": links["url"]})
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.4", "body": body, "actions": actions}


def webhook_message(card: dict) -> dict:
    """The body a workflow's "When a Teams webhook request is received" trigger takes."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }

"""Baton's admin webhook in Jira: registered, listed and deleted through Jira's REST API, idempotently.

Cloud and Data Center both keep admin webhooks at /rest/webhooks/1.0/webhook (developer.atlassian.com,
cloud/jira/platform/webhooks: "Webhooks created in Jira Administration or registered by /rest/webhooks/1.0/webhook
are called admin webhooks"; server/jira/platform/webhooks for Data Center). A webhook is a name, the URL Jira
posts to, the events, and a JQL filter under `filters["issue-related-events-section"]`; the `secret` makes Jira
sign each delivery (X-Hub-Signature, connectors/jira/webhook.py) and is never given back by Jira. Jira answers a
webhook with its `self` URL, whose last segment is its id.

Baton's webhook is the one named `Baton (INSTANCE)` or posting to Baton's URL for that instance: registering
again updates it in place (the secret and the filter as configured now), so there is never a second one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PATH = "/rest/webhooks/1.0/webhook"
# What the connector reads (connectors/jira/webhook.py); comment_created carries Cloud's comments.
EVENTS = ("jira:issue_created", "jira:issue_updated", "comment_created")
JQL_SECTION = "issue-related-events-section"


@dataclass(frozen=True)
class Webhook:
    id: str
    name: str
    url: str
    jql: str
    events: tuple[str, ...]
    enabled: bool = True


def webhook_name(instance: str) -> str:
    return f"Baton ({instance})"


def delivery_url(baton_url: str, instance: str) -> str:
    """Where Baton takes this instance's deliveries (core/web/webhooks.py)."""
    return f"{baton_url.rstrip('/')}/hooks/jira/{instance}"


def scope_jql(projects: Sequence[str]) -> str:
    """The filter: the watched projects, or every issue when none is configured."""
    quoted = ", ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in projects)
    return f"project in ({quoted})" if projects else ""


def _read(item: Mapping) -> Webhook:
    filters = found if isinstance(found := item.get("filters"), Mapping) else {}
    return Webhook(
        id=str(item.get("self", "")).rstrip("/").rsplit("/", 1)[-1],
        name=str(item.get("name", "")),
        url=str(item.get("url", "")),
        jql=str(filters.get(JQL_SECTION) or ""),
        events=tuple(item.get("events") or ()),
        enabled=bool(item.get("enabled", True)),
    )


def listed(http) -> list[Webhook]:
    """Every admin webhook Jira has (Baton's and others')."""
    answer = http.call("GET", PATH, label=PATH).json()
    return [_read(item) for item in answer if isinstance(item, Mapping)]


def batons(http, instance: str, baton_url: str) -> list[Webhook]:
    """Baton's webhooks for this instance: by name or by the URL they post to."""
    url = delivery_url(baton_url, instance)
    return [w for w in listed(http) if w.name == webhook_name(instance) or w.url == url]


def register(http, *, instance: str, baton_url: str, secret: str, jql: str) -> tuple[Webhook, str]:
    """Create Baton's webhook, or update the one there is: (the webhook, "created" | "updated")."""
    body = {
        "name": webhook_name(instance),
        "url": delivery_url(baton_url, instance),
        "events": list(EVENTS),
        "filters": {JQL_SECTION: jql},
        "excludeBody": False,
        "enabled": True,
        "secret": secret,
    }
    found = batons(http, instance, baton_url)
    for extra in found[1:]:  # more than one (made by hand, or by an older Baton): one is kept
        http.call("DELETE", f"{PATH}/{extra.id}", label=f"{PATH}/ID")
    if found:
        answer = http.call("PUT", f"{PATH}/{found[0].id}", label=f"{PATH}/ID", json=body)
        return _read(answer.json()), "updated"
    return _read(http.call("POST", PATH, label=PATH, json=body).json()), "created"


def delete(http, *, instance: str, baton_url: str) -> list[Webhook]:
    """Remove Baton's webhooks for this instance; the ones removed (none: nothing to do)."""
    found = batons(http, instance, baton_url)
    for webhook in found:
        http.call("DELETE", f"{PATH}/{webhook.id}", label=f"{PATH}/ID")
    return found

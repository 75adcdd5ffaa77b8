"""Jira users under one name each, and Baton's names for them.

Jira names a user by accountId on Cloud and by user name on Data Center, but changelogs do not always
use that name: Data Center's give the user *key* (the name itself for users made before Jira 8, a
`JIRAUSER10100` for later ones) and 2019-era Cloud payloads give the user name. Every user object in a
payload (assignee, reporter, comment author, `user`) carries all of its names, so each read teaches the
aliases, and a changelog's `from`/`to` can be read back to the one canonical id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_ALIASES = ("accountId", "name", "key")


def _is_user(value: Any) -> bool:
    return isinstance(value, Mapping) and "displayName" in value and ("accountId" in value or "name" in value)


@dataclass
class People:
    cloud: bool
    users: Mapping[str, str] = field(default_factory=dict)  # Baton name -> Jira id (options.users)
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._names = {jira_id: name for name, jira_id in self.users.items()}

    def learn(self, payload: Any) -> None:
        """Remember the names of every user object anywhere in `payload`."""
        stack = [payload]
        while stack:
            value = stack.pop()
            if _is_user(value):
                canonical = self._id_of(value)
                for key in _ALIASES:
                    if value.get(key) and canonical:
                        self._aliases[str(value[key])] = canonical
            if isinstance(value, Mapping):
                stack.extend(v for v in value.values() if isinstance(v, Mapping | list))
            elif isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, Mapping | list))

    def _id_of(self, user: Mapping) -> str | None:
        preferred = ("accountId", "name") if self.cloud else ("name", "accountId")
        return next((str(user[k]) for k in preferred if user.get(k)), None)

    def canonical(self, alias: Any) -> str | None:
        """The canonical id of a user named by any of their names; an unknown name stays as it is."""
        if alias is None or alias == "":
            return None
        return self._aliases.get(str(alias), str(alias))

    def canonical_of(self, user: Any) -> str | None:
        if not isinstance(user, Mapping):
            return None
        self.learn(user)
        return self._id_of(user)

    def baton(self, jira_id: str | None) -> str | None:
        """Baton's name for a Jira user: as `options.users` maps it, else the Jira id itself."""
        return None if jira_id is None else self._names.get(jira_id, jira_id)

    def actor(self, user: Any) -> str | None:
        return self.baton(self.canonical_of(user))

    def jira(self, person: str) -> str:
        """The Jira id to write for a Baton person (the name itself on Data Center when unmapped)."""
        return self.users.get(person, person)

    def requester(self, user: Any) -> str | None:
        """Someone notices can reach: a mapped Baton person, else their address, else their display name."""
        jira_id = self.canonical_of(user)
        if jira_id is None:
            return None
        if jira_id in self._names:
            return self._names[jira_id]
        return user.get("emailAddress") or user.get("displayName") or jira_id

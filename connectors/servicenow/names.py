"""Groups and people by sys_id and by name, from sys_user_group and sys_user: cached, looked up in batches.

Baton's holders use names (a group is its `name`, a person their `user_name`), records and sys_audit use
sys_ids. Reading one page of tickets needs at most one query per table for the ids never seen before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.servicenow.client import TableClient
from baton_itsm.connectors.servicenow.values import Ref, quote, text
from baton_itsm.core.errors import ToolRefused

GROUPS, USERS = "sys_user_group", "sys_user"
USER_FIELDS = ("sys_id", "user_name", "email", "name")
BATCH = 100  # sys_ids per `sys_idIN` query: about 3.3 kB of URL


@dataclass(frozen=True)
class Person:
    user_name: str
    email: str | None = None
    name: str | None = None  # sys_user.name: the full name ("Jo Bloggs"), what requester messages greet


@dataclass
class Names:
    client: TableClient
    groups: dict[str, str | None] = field(default_factory=dict)  # sys_id -> name (None: no such group)
    people: dict[str, Person | None] = field(default_factory=dict)  # sys_id -> person
    group_ids: dict[str, str] = field(default_factory=dict)  # name -> sys_id
    person_ids: dict[str, str] = field(default_factory=dict)  # user_name -> sys_id

    def learn(self, group_ids: Iterable[str] = (), person_ids: Iterable[str] = ()) -> None:
        """Look up, in one query per table and batch, every id not known yet."""
        self._fetch(GROUPS, [i for i in dict.fromkeys(group_ids) if i not in self.groups], ("sys_id", "name"))
        self._fetch(USERS, [i for i in dict.fromkeys(person_ids) if i not in self.people], USER_FIELDS)

    def group(self, value: Ref | str | None) -> str | None:
        """A group's name; a display value is the name already. An unknown id stays the id (nothing is lost)."""
        if isinstance(value, Ref) and value.display:
            return value.display
        sys_id = value.sys_id if isinstance(value, Ref) else value
        if sys_id is None:
            return None
        self.learn(group_ids=[sys_id])
        return self.groups.get(sys_id) or sys_id

    def person(self, value: Ref | str | None) -> Person | None:
        """A person by sys_id (a display value is a full name, never the user_name, so it is not used)."""
        sys_id = value.sys_id if isinstance(value, Ref) else value
        if sys_id is None:
            return None
        self.learn(person_ids=[sys_id])
        return self.people.get(sys_id) or Person(sys_id)

    def group_id(self, name: str) -> str:
        return self._id(GROUPS, "name", name, self.group_ids)

    def person_id(self, user_name: str) -> str:
        return self._id(USERS, "user_name", user_name, self.person_ids)

    def _fetch(self, table: str, missing: list[str], fields: tuple[str, ...]) -> None:
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            found = self.client.query(table, query=f"sys_idIN{','.join(batch)}", fields=fields, limit=BATCH)
            for record in found:
                self._remember(table, record)
            for sys_id in batch:  # deleted, or hidden by an ACL: remembered too, so not asked again
                (self.groups if table == GROUPS else self.people).setdefault(sys_id, None)

    def _remember(self, table: str, record: dict) -> None:
        sys_id = text(record.get("sys_id"))
        if sys_id is None:
            return
        if table == GROUPS:
            name = text(record.get("name"))
            self.groups[sys_id] = name
            if name:
                self.group_ids.setdefault(name, sys_id)
        else:
            user_name = text(record.get("user_name"))
            self.people[sys_id] = (
                Person(user_name, text(record.get("email")), text(record.get("name"))) if user_name else None
            )
            if user_name:
                self.person_ids.setdefault(user_name, sys_id)

    def _id(self, table: str, column: str, name: str, known: dict[str, str]) -> str:
        if name not in known:
            fields = ("sys_id", "name") if table == GROUPS else USER_FIELDS
            record = self.client.first(table, query=f"{column}={quote(name)}", fields=fields)
            if record is None:
                raise ToolRefused(
                    f"ServiceNow has no {'group' if table == GROUPS else 'user'} {name!r} "
                    f"({table}.{column}); check the names in Baton's config"
                )
            sys_id = text(record.get("sys_id"))
            if sys_id is None:  # else None would be written as the holder, clearing the field
                raise MalformedPayload(f"ServiceNow answered for {table}.{column}={name!r} without a sys_id")
            self._remember(table, record)
            known.setdefault(name, sys_id)
        return known[name]

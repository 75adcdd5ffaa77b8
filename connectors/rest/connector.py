"""The generic REST connector: a profile (config/profiles/*.yaml) says how to talk to the tool.

Reading changes costs one paged search for the changes after the cursor, one paged search for the
facts of the tickets they touch, and a lookup per user or queue id never named before (cached).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.http import HttpClient, RetryPolicy, credentials
from baton_itsm.connectors.rest.mapping import (
    RawChange,
    classify,
    dig,
    mark_public,
    public_ids,
    read_change,
    read_ticket,
    text,
    unaccepted_messages,
)
from baton_itsm.connectors.rest.profile import Profile, load_profile
from baton_itsm.connectors.rest.timeline import (
    NamedChange,
    TicketNow,
    continues_write,
    disagrees_with_now,
    named_change,
    to_events,
)
from baton_itsm.connectors.rest.webhook import parse_webhook, verify_signature
from baton_itsm.core.connector import Changes, Observation, ToolTicket, WebhookResult
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.errors import ConfigError, ToolConflict, ToolNotFound, ToolRefused


@dataclass
class RestConnector:
    instance: str
    profile: Profile
    http: HttpClient
    account: str | None = None
    webhook_secret: bytes | None = None
    _names: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, *, instance: str, config, environ: Mapping[str, str]) -> RestConnector:
        profile = load_profile(str(config.options.get("profile", "")) or _missing("options.profile"))
        auth, headers, account = credentials(
            config.auth, environ, connector="rest", token_header=profile.request.token_header
        )
        account = getattr(config, "account", None) or account  # an explicit `account:` wins
        secret = environ.get(config.webhook_secret_env) if config.webhook_secret_env else None
        http = HttpClient(
            config.url,
            headers={**profile.request.headers, **headers},
            auth=auth,
            timeout=profile.request.timeout_seconds,
            retry=RetryPolicy(),
        )
        return cls(instance, profile, http, account, secret.encode() if secret else None)

    # --- reading ----------------------------------------------------------------------------
    def changes_since(self, checkpoint: str | None) -> Changes:
        spec = self.profile.changes
        if checkpoint is None:
            if spec.start == "latest":
                return Changes([], self._newest_cursor())
            checkpoint = "0"
        raws, cursor, more = self._read_changes(checkpoint, spec.max_pages)
        changes = self._watched(raws)
        now = self._tickets_now({c.ticket_id for c in changes})
        later, held_back, observed = self._settle(changes, now, cursor)
        if held_back:
            changes = [c for c in changes if c.ticket_id not in held_back]
            cursor = str(min(int(cursor), *(int(held_back[t]) - 1 for t in held_back)))
        events = to_events(self.instance, changes, now, later)
        events += [self._observed(t, now[t], cursor) for t in observed]
        public = public_ids([(raw, rule) for raw in raws if (rule := classify(raw, spec.kinds)) is not None])
        return Changes(mark_public(events, public), cursor, more)

    def observe(self, ticket_ids: Collection[str], checkpoint: str | None) -> dict[str, Observation]:
        """The tickets' holders now (or why Baton cannot see them), leaving out any ticket with a watched change after
        `checkpoint` not yet read: the next read brings that change first."""
        clause = self.profile.changes.ticket_clause
        if not ticket_ids or clause is None or checkpoint is None:
            return {}
        now = self._tickets_now(set(ticket_ids))
        seen = {t: Observation(Holder(s.group, s.person) if s.group else None) for t, s in now.items()}
        for ticket_id in ticket_ids:
            if ticket_id not in seen:  # not found by a search: deleted, hidden from Baton, or gone
                seen[ticket_id] = self._unseen(ticket_id)
        unread = {c.ticket_id for c in self._changes_of(clause, seen, checkpoint)}
        return {t: o for t, o in seen.items() if t not in unread}

    def read_ticket(self, ticket_id: str) -> ToolTicket:
        shape = self.profile.ticket
        response = self.http.call("GET", shape.path.format(id=ticket_id), label=shape.path)
        now = self._ticket_now(read_ticket(_json(response), shape))
        version = response.headers.get(shape.version_header) if shape.version_header else None
        holder = Holder(now.group, now.person) if now.group else None
        return ToolTicket(TicketKey(self.instance, ticket_id), holder, version, now.fields)

    # --- writing ----------------------------------------------------------------------------
    def set_holder(self, ticket_id: str, holder: Holder, expected: Holder | None = None) -> bool:
        """True when written; False when the ticket already had that holder (a repeated action is harmless)."""
        spec = self.profile.writes.set_holder
        current = self.read_ticket(ticket_id)
        if current.holder == holder:
            return False
        if expected is not None and current.holder != expected:
            raise ToolConflict(
                f"{self.instance}:{ticket_id} is held by {current.holder or 'nobody'} now, "
                f"not {expected}; Baton will decide again on the change"
            )
        body: dict[str, str | None] = {}
        if current.holder is None or current.holder.group != holder.group:
            body[spec.group] = holder.group
        if current.holder is None or current.holder.person != holder.person:
            body[spec.person] = holder.person or spec.no_person
        headers = {"If-Match": current.version} if spec.if_match and current.version else None
        response = self.http.call(
            spec.method, spec.path.format(id=ticket_id), label=spec.path, json=body, headers=headers
        )
        if spec.accepted_messages:
            refused = unaccepted_messages(_json(response), spec.accepted_messages)
            if refused:
                raise ToolRefused(
                    f"{self.instance}:{ticket_id}: the tool refused to make {holder} the holder: " + "; ".join(refused)
                )
        return True

    def add_note(self, ticket_id: str, text: str) -> None:
        self._post(self.profile.writes.note, ticket_id, text)

    def reply(self, ticket_id: str, text: str) -> None:
        self._post(self.profile.writes.reply, ticket_id, text)

    # --- webhooks and health ----------------------------------------------------------------
    def verify_signature(self, headers: Mapping[str, str], body: bytes) -> bool:
        return verify_signature(self.profile, self.webhook_secret, headers, body)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookResult:
        return parse_webhook(self.instance, self.profile, self.webhook_secret, headers, body)

    def check(self) -> str:
        path = self.profile.check.path
        self.http.call("GET", path.format(account=self.account or ""), label=path)
        return f"reachable at {self.http.base_url} as {self.account or '(token)'}"

    # --- internals --------------------------------------------------------------------------
    def _pages(
        self, path: str, params: Mapping[str, str], expect: int | None = None, past_empty: int = 0
    ) -> Iterator[list]:
        """Each page's items until a short page (RT leaves `total`/`pages` null for most accounts), or until
        `expect` items came, when the caller knows how many there are. With `past_empty`, pages that come back
        empty before any item was seen do not end it, up to that many pages in all."""
        paging = self.profile.paging
        page, seen = paging.first_page, 0
        while True:
            answer = _json(
                self.http.call("GET", path, params={**params, paging.page_param: page, paging.size_param: paging.size})
            )
            items = dig(answer, paging.items)
            if not isinstance(items, list):
                raise MalformedPayload(f"GET {path}: no list at {paging.items!r}")
            yield items
            seen += len(items)
            read_past = not items and not seen and page - paging.first_page + 1 < past_empty
            if (len(items) < paging.size and not read_past) or (expect is not None and seen >= expect):
                return
            page += 1

    def _newest_cursor(self) -> str | None:
        """The newest change Baton's account can see: its present. None while it sees none (the next read asks again),
        never the beginning: a fresh ledger must not replay the tool's past (`baton import rt` brings history in)."""
        spec, size = self.profile.changes, self.profile.paging.size_param
        for page in range(self.profile.paging.first_page, self.profile.paging.first_page + spec.newest_max_pages):
            answer = _json(
                self.http.call(
                    "GET",
                    spec.path,
                    params={**spec.newest, size: self.profile.paging.size, self.profile.paging.page_param: page},
                )
            )
            items = dig(answer, self.profile.paging.items) or []
            ids = [int(i) for item in items if (i := text(dig(item, spec.cursor))) and i.isdigit()]
            if ids:
                return str(max(ids))
        return None

    def _read_changes(self, checkpoint: str, max_pages: int) -> tuple[list[RawChange], str, bool]:
        """Changes after `checkpoint`, the new cursor, and whether more wait. RT takes a page, then drops what
        Baton's account may not see: an empty first page is no proof that nothing follows. When one comes back
        and the newest changes after the checkpoint (one page, newest first) hold a visible one, the read goes
        again past empty pages, up to the page budget; otherwise an idle read costs two requests."""
        spec = self.profile.changes
        params = {k: v.format(cursor=int(checkpoint)) for k, v in spec.params.items()}
        raws, cursor, more = self._read_pages(params, checkpoint, max_pages, past_empty=0)
        if not raws and self._visible_after(params):
            raws, cursor, more = self._read_pages(params, checkpoint, max_pages, past_empty=max_pages)
        return raws, cursor, more

    def _read_pages(self, params, checkpoint: str, max_pages: int, past_empty: int):
        spec = self.profile.changes
        raws, cursor = [], checkpoint
        for pages, items in enumerate(self._pages(spec.path, params, past_empty=past_empty), start=1):
            for item in items:
                raw = read_change(item, spec.item)
                raws.append(raw)
                cursor = str(max(int(cursor), int(text(dig(item, spec.cursor)) or 0)))
            if pages >= max_pages and len(items) == self.profile.paging.size:
                return raws, cursor, True
        return raws, cursor, False

    def _visible_after(self, params: Mapping[str, str]) -> bool:
        """Whether a change after the checkpoint is visible among the newest ones (the `newest` ordering)."""
        spec, paging = self.profile.changes, self.profile.paging
        ordering = {k: v for k, v in spec.newest.items() if k not in ("query", "fields")}
        if not ordering:
            return False
        answer = _json(self.http.call("GET", spec.path, params={**params, **ordering, paging.size_param: paging.size}))
        return bool(dig(answer, paging.items))

    def _watched(self, raws: list[RawChange]) -> list[NamedChange]:
        spec = self.profile.changes
        watched = [(raw, rule) for raw in raws if (rule := classify(raw, spec.kinds)) is not None]
        return [self._with_text(self._named(raw, rule)) for raw, rule in watched]

    def _changes_of(self, clause: str, ticket_ids: Collection[str], checkpoint: str) -> list[NamedChange]:
        """Watched changes of these tickets after `checkpoint` (one page per 100 tickets: a hint, not a history);
        `clause` is the profile's ticket_clause."""
        spec, found = self.profile.changes, []
        ordered = sorted(ticket_ids, key=lambda t: (len(t), t))
        for start in range(0, len(ordered), self.profile.paging.size):
            tickets = " OR ".join(clause.format(id=t) for t in ordered[start : start + self.profile.paging.size])
            params = {k: v.format(cursor=int(checkpoint)) for k, v in spec.params.items()}
            params["query"] = f"({params['query']}) AND ({tickets})"
            answer = _json(
                self.http.call(
                    "GET", spec.path, params={**params, self.profile.paging.size_param: self.profile.paging.size}
                )
            )
            raws = [read_change(item, spec.item) for item in dig(answer, self.profile.paging.items) or []]
            found += [self._named(raw, rule) for raw in raws if (rule := classify(raw, spec.kinds)) is not None]
        return found

    def _settle(self, changes: list[NamedChange], now: dict[str, TicketNow], cursor: str):
        """For tickets whose holder now is not where their changes end: the changes read after the batch (`later`),
        the tickets whose last write was read half done (held back: ticket -> its first change id, read again next
        time), and those no change explains (observed: the ledger follows the tool)."""
        by_ticket: dict[str, list[NamedChange]] = {}
        for change in changes:
            by_ticket.setdefault(change.ticket_id, []).append(change)
        odd = {t for t, own in by_ticket.items() if t in now and disagrees_with_now(own, now[t])}
        clause = self.profile.changes.ticket_clause
        if not odd or clause is None:
            return [], {}, []
        later = self._changes_of(clause, odd, cursor)
        first_later: dict[str, NamedChange] = {}
        for change in later:
            first_later.setdefault(change.ticket_id, change)
        held_back = {
            t: by_ticket[t][0].event_id
            for t in odd
            if t in first_later and continues_write(by_ticket[t], first_later[t])
        }
        observed = sorted(t for t in odd if t not in first_later)
        return later, held_back, observed

    def _observed(self, ticket_id: str, state: TicketNow, cursor: str) -> ToolEvent:
        holder = Holder(state.group, state.person) if state.group else None
        return ToolEvent(
            ticket=TicketKey(self.instance, ticket_id),
            event_id=f"observed:{ticket_id}@{cursor}:{holder}",
            kind=ToolEventKind.OBSERVED,
            at=datetime.now(UTC),
            new_holder=holder,
            fields=dict(state.fields),
        )

    def _unseen(self, ticket_id: str) -> Observation:
        """Why a ticket did not come back from a search: deleted, or where Baton's account may not look."""
        try:
            ticket = self.read_ticket(ticket_id)
        except ToolRefused:
            return Observation(None, lost="hidden")
        except ToolNotFound:
            return Observation(None, lost="deleted")
        if (ticket.fields.get("status") or "").lower() == "deleted":
            return Observation(None, lost="deleted")
        return Observation(ticket.holder)

    def _named(self, raw: RawChange, rule) -> NamedChange:
        lookup = self.profile.changes.values.get(rule.part) if rule.part else None
        return named_change(raw, rule, lambda value, part: self._name(lookup, value, part))

    def _with_text(self, change: NamedChange) -> NamedChange:
        """A comment with its body read, unless it is Baton's own note (Baton never answers itself)."""
        spec = self.profile.changes.comment_text
        if change.kind is not ToolEventKind.COMMENTED or spec is None or change.actor == self.account:
            return change
        answer = _json(self.http.call("GET", spec.path.format(id=change.event_id), label=spec.path, params=spec.params))
        parts = [p for p in (dig(answer, spec.items) or []) if isinstance(p, Mapping)]
        preferred = [p for p in parts if spec.content_type and text(dig(p, spec.content_type)) == spec.prefer]
        body = next((text(dig(p, spec.content)) for p in preferred or parts if text(dig(p, spec.content))), "")
        return replace(change, text=body or "")

    def _name(self, lookup: str | None, value: str | None, part: str | None) -> str | None:
        if value is not None and lookup is not None:
            key = (lookup, value)
            if key not in self._names:
                spec = self.profile.lookups[lookup]
                answer = _json(self.http.call("GET", spec.path.format(id=value), label=spec.path))
                self._names[key] = text(dig(answer, spec.name))
            value = self._names[key]
        if part == "person" and value in self.profile.no_person:
            return None
        return value

    def _ticket_now(self, raw) -> TicketNow:
        shape = self.profile.ticket
        return TicketNow(
            self._name(shape.group_lookup, raw.group, "group"),
            self._name(shape.person_lookup, raw.person, "person"),
            raw.fields,
        )

    def _tickets_now(self, ticket_ids: set[str]) -> dict[str, TicketNow]:
        """The state now of every ticket in `ticket_ids`, read in searches of one page each."""
        search, size = self.profile.ticket.search, self.profile.paging.size
        ordered = sorted(ticket_ids, key=lambda t: (len(t), t))
        found = {}
        for start in range(0, len(ordered), size):
            chunk = ordered[start : start + size]
            query = search.joiner.join(search.id_clause.format(id=t) for t in chunk)
            for items in self._pages(search.path, {**search.params, search.query_param: query}, expect=len(chunk)):
                for item in items:
                    raw = read_ticket(item, self.profile.ticket)
                    found[raw.ticket_id] = self._ticket_now(raw)
        return found

    def _post(self, spec, ticket_id: str, body_text: str) -> None:
        body = {k: body_text if v == "{text}" else v for k, v in spec.body.items()}
        self.http.call(spec.method, spec.path.format(id=ticket_id), label=spec.path, json=body)


def _json(response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise MalformedPayload(
            f"{response.request.method} {response.request.path_url.split('?')[0]}: the answer is not JSON"
        ) from None


def _missing(key: str) -> str:
    raise ConfigError([f"{key}: required by the rest connector (e.g. request-tracker5)"])

"""A REST profile: how one ticketing tool's REST API is read and written, as validated YAML.

Shipped profiles live in config/profiles/ (package data `baton_itsm.config.profiles`); a deployment may
name its own file instead. Every key is explained in config/profiles/request-tracker5.yaml.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequestSettings(_Strict):
    timeout_seconds: float = Field(30, gt=0)
    headers: dict[str, str] = {}
    token_header: str = "Bearer {token}"


class Paging(_Strict):
    page_param: str = "page"
    size_param: str = "per_page"
    size: int = Field(100, gt=0)
    first_page: int = 1
    items: str = "items"


class KindRule(_Strict):
    """A change matches when its type (and field, and old/new value, where given) match."""

    type: str
    field: str | None = None
    old: list[str] | None = None
    new: list[str] | None = None
    kind: ToolEventKind
    part: Literal["group", "person"] | None = None  # for holder changes: which half of the holder moved
    # for comments: one the requester reads or wrote (RT's Correspond). Kept as the ticket's latest reply
    # (the report-back quotes it), never run as a `/baton` command: those come from internal comments only.
    public: bool = False


class ItemPaths(_Strict):
    id: str
    ticket: str
    at: str
    actor: str
    type: str
    field: str
    old: str
    new: str


class CommentText(_Strict):
    """Where a comment's body is read, one call per comment (comment commands such as `/baton review`)."""

    path: str  # with {id}: the change's id
    params: dict[str, str] = {}
    items: str = "items"  # the list of parts (a comment may have a text and an HTML part)
    content: str
    content_type: str | None = None
    prefer: str = "text/plain"  # the part to read when there are several


class Changes(_Strict):
    path: str
    params: dict[str, str]
    cursor: str
    start: Literal["latest", "beginning"] = "latest"
    newest: dict[str, str] = {}
    item: ItemPaths
    kinds: list[KindRule]
    values: dict[Literal["group", "person"], str] = {}  # which lookup names a part's raw values
    max_pages: int = Field(50, gt=0)  # per read; the rest comes with `more` on the next read
    comment_text: CommentText | None = None  # without it, comments carry no text (no comment commands)
    # Narrows the changes query to some tickets, joined with " OR " and ANDed to `params.query` (`ObjectId = {id}`):
    # how Baton checks that a ticket it observes has no change it has not read yet. Without it, no observation.
    ticket_clause: str | None = None
    # The first read with no checkpoint pages back through the newest changes (`newest`) until one is visible to
    # Baton's account (a tool may hide others' changes and answer a short or empty page): at most this many pages.
    newest_max_pages: int = Field(20, gt=0)


class Lookup(_Strict):
    path: str
    name: str


class TicketSearch(_Strict):
    path: str
    query_param: str = "query"
    id_clause: str
    joiner: str
    params: dict[str, str] = {}


class TicketShape(_Strict):
    path: str
    version_header: str | None = None
    id: str = "id"
    group: str
    group_lookup: str | None = None
    person: str
    person_lookup: str | None = None
    fields: dict[str, str] = {}
    search: TicketSearch


class SetHolder(_Strict):
    method: str = "PUT"
    path: str
    group: str
    person: str
    no_person: str | None = None
    if_match: bool = False
    accepted_messages: list[str] = []  # when set, the answer is a message list and each must match one


class Post(_Strict):
    method: str = "POST"
    path: str
    body: dict[str, str]


class Writes(_Strict):
    set_holder: SetHolder
    note: Post
    reply: Post


class Check(_Strict):
    path: str


class ObjectFilter(_Strict):
    path: str
    equals: str


class Webhook(_Strict):
    signature_header: str
    signature_prefix: str = ""
    digest: Literal["sha256", "sha1", "sha512"] = "sha256"
    change: str
    ticket: str
    object_type: ObjectFilter | None = None
    ignored_types: list[str] = []
    # A tool that posts each change of one write on its own (RT: Owner and Queue of one PUT, two transactions)
    # says how long a delivery waits for the rest of its write; the intake then reads them as the poll does.
    settle_seconds: float = Field(default=0.0, ge=0, le=10)


class Profile(_Strict):
    name: str
    description: str = ""
    request: RequestSettings = RequestSettings()
    paging: Paging = Paging()
    changes: Changes
    lookups: dict[str, Lookup] = {}
    no_person: list[str] = []
    ticket: TicketShape
    writes: Writes
    check: Check
    webhook: Webhook | None = None


def load_profile(name_or_path: str) -> Profile:
    """A shipped profile by name (`request-tracker5`) or a YAML file by path."""
    path = Path(name_or_path).expanduser()
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ConfigError([f"options.profile: no such profile file {path}"])
        return parse_profile(path.read_text(encoding="utf-8"), str(path))
    shipped = files("baton_itsm.config").joinpath("profiles", f"{name_or_path}.yaml")
    if not shipped.is_file():
        known = ", ".join(sorted(shipped_profiles())) or "none"
        raise ConfigError([f"options.profile: no shipped profile {name_or_path!r} (shipped: {known})"])
    return parse_profile(shipped.read_text(encoding="utf-8"), f"profile {name_or_path}")


def shipped_profiles() -> list[str]:
    folder = files("baton_itsm.config").joinpath("profiles")
    return [p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")]


def parse_profile(text: str, source: str) -> Profile:
    try:
        data = yaml.safe_load(text)
        return Profile.model_validate(data)
    except yaml.YAMLError as error:
        raise ConfigError([f"{source}: not valid YAML: {error}"]) from None
    except ValidationError as error:
        raise ConfigError([f"{source}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]) from None

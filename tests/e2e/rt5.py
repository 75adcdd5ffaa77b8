"""The Request Tracker 5 of scripts/rt5-server.sh, as the e2e tests drive it: reset, stop, act as people."""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "rt5-server.sh"
PORT = os.environ.get("RT_PORT", "8080")
URL = f"http://127.0.0.1:{PORT}/REST/2.0"
PASSWORDS = {
    "root": os.environ.get("RT_ROOT_PASSWORD", "password"),
    "baton": os.environ.get("RT_BATON_PASSWORD", "batonpass"),
    "alice": "alicepass",
    "bob": "bobpass",
    "carol": "carolpass",
    "dave": "davepass",
    "dana": "danapass",
    "erin": "erinpass",
}
JSON = {"Content-Type": "application/json"}  # RT answers 415 to writes without it
# Where Baton's webhook Scrip posts and what it signs with, once `rt5-server.sh scrip` installed it (RT's site config)
HOOK_URL = os.environ.get("RT_BATON_HOOK_URL", "http://127.0.0.1:8099/hooks/rest/rt")
WEBHOOK_SECRET = os.environ.get("RT_BATON_WEBHOOK_SECRET", "e2e-rt-webhook-secret-0123456789")


def unreachable() -> str | None:
    """Why RT cannot be used here, or None when it answers as the seeded `baton` user."""
    try:
        answer = requests.get(f"{URL}/user/baton", auth=("baton", PASSWORDS["baton"]), timeout=5)
    except requests.RequestException as error:
        return f"no Request Tracker at {URL} ({type(error).__name__}); start it: sudo scripts/rt5-server.sh start"
    if answer.status_code != 200:
        return f"Request Tracker at {URL} answered {answer.status_code} for the seeded baton user"
    if os.geteuid() != 0:
        return "the RT e2e tests reset RT with scripts/rt5-server.sh, which must run as root"
    return None


@contextmanager
def exclusive(wait_seconds: float = 1200) -> Iterator[None]:
    """Hold the machine's one RT for a whole test session: runs from other work trees on this machine
    reset it too, and would otherwise wipe tickets out from under each other. They wait their turn."""
    state = Path(os.environ.get("RT_STATE_DIR", "/var/tmp/baton-rt5"))
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "e2e-session.lock", "w") as lock:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another test run has held {lock.name} for {wait_seconds:.0f} s") from None
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def server(action: str) -> None:
    """start, stop or reset the local RT (reset restores the freshly seeded database: ticket ids from 1), or
    install Baton's webhook Scrip in it (`scrip`; the next reset removes it)."""
    subprocess.run(["bash", str(SCRIPT), action], check=True, capture_output=True, timeout=300)


WEB = URL.removesuffix("/REST/2.0")
_sessions: dict[str, requests.Session] = {}


def _session(name: str, fresh: bool = False) -> requests.Session:
    """A logged-in web session of `name`. RT checks a password (bcrypt) on every basic-auth request, about
    0.35 s each here; a session cookie costs one login, then about 0.03 s a request. RT's CSRF protection
    refuses cookie-authenticated writes that do not come from its own pages: the Referer says they do."""
    if fresh or name not in _sessions:
        session = requests.Session()
        session.headers.update({**JSON, "Referer": WEB + "/"})
        session.post(
            WEB + "/NoAuth/Login.html",
            data={"user": name, "pass": PASSWORDS[name]},
            timeout=30,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if not any(cookie.name.startswith("RT_SID") for cookie in session.cookies):
            raise RuntimeError(f"RT did not log {name} in at {WEB}/NoAuth/Login.html")
        _sessions[name] = session
    return _sessions[name]


@dataclass
class Person:
    """Someone working in RT's REST2 as themselves (what agents do beside Baton), in their own web session."""

    name: str

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        answer = _session(self.name).request(method, URL + path, timeout=30, **kwargs)
        if answer.status_code == 401:  # the session is gone (RT was reset): log in again
            answer = _session(self.name, fresh=True).request(method, URL + path, timeout=30, **kwargs)
        answer.raise_for_status()
        return answer

    def create(self, queue: str, subject: str, owner: str | None = None) -> str:
        body = {
            "Queue": queue,
            "Subject": subject,
            "Requestor": "customer@example.test",
            "Content": subject,
            "ContentType": "text/plain",
            **({"Owner": owner} if owner else {}),
        }
        return str(self._call("POST", "/ticket", json=body).json()["id"])

    def update(self, ticket: str, **fields: str) -> list[str]:
        return self._call("PUT", f"/ticket/{ticket}", json=fields).json()

    def comment(self, ticket: str, text: str) -> list[str]:
        """An internal comment, as an agent writes one in RT's ticket page."""
        return self._call(
            "POST", f"/ticket/{ticket}/comment", json={"Content": text, "ContentType": "text/plain"}
        ).json()

    def take(self, ticket: str) -> list[str]:
        return self._call("PUT", f"/ticket/{ticket}/take").json()

    def steal(self, ticket: str) -> list[str]:
        """Take a ticket someone else owns (RT's StealTicket)."""
        return self._call("PUT", f"/ticket/{ticket}/steal").json()

    def untake(self, ticket: str) -> list[str]:
        """Give the ticket back to its queue (Owner Nobody)."""
        return self._call("PUT", f"/ticket/{ticket}/untake").json()

    def delete(self, ticket: str) -> list[str]:
        """Status deleted, as RT's Delete button does (needs DeleteTicket)."""
        return self.update(ticket, Status="deleted")

    def ticket(self, ticket: str) -> dict:
        return self._call("GET", f"/ticket/{ticket}").json()

    def history(self, ticket: str) -> list[dict]:
        """Every transaction of the ticket, oldest first (all pages)."""
        items, page = [], 1
        while True:
            answer = self._call(
                "GET",
                "/transactions",
                params={
                    "query": f"ObjectType = 'RT::Ticket' AND ObjectId = {ticket}",
                    "per_page": 100,
                    "page": page,
                    "fields": "Type,Field,OldValue,NewValue,Creator,Created",
                    "orderby": "id",
                    "order": "ASC",
                },
            ).json()["items"]
            items += answer
            if len(answer) < 100:
                return items
            page += 1

    def content(self, transaction: str) -> str:
        """A comment's text (its text/plain part)."""
        parts = self._call(
            "GET", f"/transaction/{transaction}/attachments", params={"fields": "Content,ContentType"}
        ).json()["items"]
        return "\n".join(p.get("Content") or "" for p in parts if p.get("ContentType") == "text/plain")


def holder_in_rt(ticket: str) -> tuple[str, str]:
    """(queue name, owner name) as RT shows them now."""
    root = Person("root")
    data = root.ticket(ticket)
    queue = root._call("GET", f"/queue/{data['Queue']['id']}").json()["Name"]
    return queue, data["Owner"]["id"]

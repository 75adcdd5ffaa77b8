"""A loopback fake of Slack's Web API and of a click's response_url, answering with Slack's published shapes
(tests/fixtures/slack, provenance beside them), and what a test needs to click as Slack does: a signed body."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.integration.loopback import LoopbackServer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"
SIGNING_SECRET = "slack-signing-secret-for-tests-0123"
TOKEN = "xoxb-test-token-not-real"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeSlack(LoopbackServer):
    """Slack's Web API under /api/, response URLs under /actions/. `users` maps email to (user id, DM channel)."""

    def __init__(self, users: dict[str, str]):
        self.users = users  # email: Slack user id
        self.calls: list[dict] = []
        self.refusals: deque = deque()  # (method, status, headers, body): the next call of that method gets it
        super().__init__(self._answer)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def refuse_next(self, method: str, status: int, body: dict, headers: dict | None = None) -> None:
        self.refusals.append((method, status, headers or {}, body))

    def called(self, method: str) -> list[dict]:
        return [call for call in self.calls if call["method"] == method]

    def _answer(self, verb: str, path: str, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(path)
        method = parts.path.rsplit("/", 1)[-1] if parts.path.startswith("/api/") else "response_url"
        arguments = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if body:
            arguments |= (
                json.loads(body)
                if headers.get("Content-Type", "").startswith("application/json")
                else {k: v[0] for k, v in parse_qs(body.decode()).items()}
            )
        call = {"method": method, "args": arguments, "auth": headers.get("Authorization", "")}
        self.calls.append(call)
        for refusal in list(self.refusals):
            if refusal[0] == method:
                self.refusals.remove(refusal)
                return refusal[1], {"Content-Type": "application/json", **refusal[2]}, json.dumps(refusal[3]).encode()
        call["answer"] = self._result(method, arguments)
        return 200, {"Content-Type": "application/json"}, json.dumps(call["answer"]).encode()

    def _result(self, method: str, arguments: dict) -> dict:
        if method == "response_url":
            return {"ok": True}
        if method in ("users.lookupByEmail", "users.info"):
            email = arguments.get("email") or next(
                (e for e, u in self.users.items() if u == arguments.get("user")), None
            )
            if email not in self.users:
                return {"ok": False, "error": "users_not_found"}
            user = fixture(f"{method}.json")
            user["user"]["id"], user["user"]["profile"]["email"] = self.users[email], email
            return user
        if method in ("chat.postMessage", "chat.update"):
            answer = fixture(f"{method}.json")
            channel = arguments["channel"]  # a user id names the app's direct message with them, D...
            answer["channel"] = f"D{channel[1:]}" if channel.startswith("U") else channel
            return answer
        return fixture(f"{method}.json")


def click(action_id: str, handoff_id: str, user_id: str, posted: dict, response_url: str) -> bytes:
    """The form body Slack sends when `user_id` clicks a button of the message `posted` (a chat.postMessage call)."""
    payload = copy.deepcopy(fixture("block_actions__button.json"))
    payload["user"]["id"] = user_id
    payload["actions"][0] |= {"action_id": action_id, "value": handoff_id, "block_id": f"answer:{handoff_id}"}
    payload["message"]["blocks"] = posted["args"]["blocks"]
    payload["container"]["channel_id"] = payload["channel"]["id"] = posted["answer"]["channel"]
    payload["container"]["message_ts"] = payload["message"]["ts"] = posted["answer"]["ts"]
    payload["response_url"] = response_url
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's headers: v0=HMAC-SHA256(secret, 'v0:{timestamp}:{body}')."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }

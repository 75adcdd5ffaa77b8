"""Outbound HTTP for connectors: one status-to-error mapping, timeouts always, retries that honour Retry-After.

Retries sleep, so they happen only where waiting is allowed (`core/runtime/no_waiting.py`): a poller or a command
may wait for its own tool; the outbox dispatcher never does, it gets the error at once and stores the time of the
next try.

Messages name the method and path, never credentials or query strings (a query can carry a token).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from urllib3.exceptions import NewConnectionError

from baton_itsm.core.errors import (
    ConfigError,
    ToolAuthError,
    ToolConflict,
    ToolError,
    ToolNotFound,
    ToolRateLimited,
    ToolRefused,
    ToolUnavailable,
)
from baton_itsm.core.runtime.no_waiting import may_wait

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now())
    except (TypeError, ValueError):
        return None


def error_for_status(status: int, what: str, detail: str = "", retry_after: float | None = None) -> ToolError | None:
    """The ToolError an HTTP status means, or None for success. `what` names the call, e.g. `PUT /ticket/1`."""
    if status < 400:
        return None
    said = f": {detail}" if detail else ""
    if status == 401:
        return ToolAuthError(f"{what}: the tool did not accept Baton's credentials (401){said}", status=status)
    if status == 403:
        return ToolRefused(f"{what}: not allowed for Baton's account (403){said}", status=status)
    if status in (404, 410):
        return ToolNotFound(f"{what}: not found ({status}){said}", status=status)
    if status in (409, 412):
        return ToolConflict(f"{what}: changed in the tool since Baton read it ({status}){said}", status=status)
    if status == 429:
        return ToolRateLimited(f"{what}: rate limited (429){said}", status=status, retry_after=retry_after)
    if status == 408 or status >= 500:
        return ToolUnavailable(f"{what}: the tool failed ({status}){said}", status=status, retry_after=retry_after)
    return ToolRefused(f"{what}: refused ({status}){said}", status=status)


def _never_sent(error: requests.RequestException) -> bool:
    """True when the request cannot have reached the tool (no connection was made)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


class NotReached(ToolUnavailable):
    """The tool was not reached at all, so repeating even a POST cannot duplicate it."""


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 0.5
    max_wait_seconds: float = 30.0  # a longer Retry-After is left to the caller's own schedule (outbox, next poll)

    def wait(self, state: RetryCallState) -> float:
        backoff = min(self.max_wait_seconds, self.base_seconds * 2 ** (state.attempt_number - 1))
        error = state.outcome.exception() if state.outcome else None
        asked = getattr(error, "retry_after", None) or 0.0
        return max(backoff, asked)


class Session(Protocol):
    """What HttpClient uses of a session: a requests.Session, or a library's (jira/client.py's LibrarySession)."""

    auth: Any

    @property
    def headers(self) -> MutableMapping[str, Any]: ...

    def request(
        self, method: str, url: str, *, params: Any, json: Any, headers: Any, timeout: float, allow_redirects: bool
    ) -> requests.Response: ...


@dataclass
class HttpClient:
    """A requests session bound to one base URL, with a timeout on every call and counted requests."""

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: Any = None
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep  # injected by tests: nobody waits for real time there
    session: Session = field(default_factory=requests.Session)
    counts: Counter = field(default_factory=Counter)  # (method, path template) -> requests sent
    # Reads the tool's reason from an error answer (Jira: errorMessages/errors); default: `message` or the text.
    describe: Callable[[requests.Response], str] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session.headers.update(self.headers)
        self.session.auth = self.auth

    def call(
        self,
        method: str,
        path: str,
        *,
        label: str | None = None,
        params: Mapping | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send with retries; returns a 2xx/3xx response or raises the mapped ToolError."""
        method = method.upper()

        def may_retry(error: BaseException) -> bool:
            if not may_wait():
                return False  # the outbox dispatcher: the row keeps the time of its next attempt instead
            if not isinstance(error, ToolError) or not error.retryable:
                return False
            if error.retry_after and error.retry_after > self.retry.max_wait_seconds:
                return False
            # A POST that may have reached the tool is not repeated here: the tool could act twice.
            return method in IDEMPOTENT or isinstance(error, (ToolRateLimited, NotReached))

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self.retry.wait,
            retry=retry_if_exception(may_retry),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(self._send, method, path, label or path, params, json, headers)

    def _send(self, method: str, path: str, label: str, params, json, headers) -> requests.Response:
        what = f"{method} {label}"
        self.counts[(method, label)] += 1
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            kind = NotReached if _never_sent(error) else ToolUnavailable
            raise kind(f"{what}: no answer from {self.base_url} ({type(error).__name__})") from None
        detail = (self.describe or _detail)(response)[:200] if response.status_code >= 400 else ""
        problem = error_for_status(
            response.status_code, what, detail, parse_retry_after(response.headers.get("Retry-After"))
        )
        if problem is not None:
            raise problem
        return response

    @property
    def total_requests(self) -> int:
        return sum(self.counts.values())


def _detail(response: requests.Response) -> str:
    """A short, safe excerpt of an error body (tools put their reason there)."""
    if response.status_code < 400:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        # ServiceNow: {"error": {"message", "detail"}, "status": "failure"}; detail may be null
        detail = error.get("detail")
        return (error["message"] + (f" ({detail})" if isinstance(detail, str) and detail else ""))[:200]
    return str(body)[:200]


def env_secret(environ: Mapping[str, str], key: str, var: str | None) -> str:
    """The value of the environment variable `auth.KEY` names; a clear config error when it is unset."""
    value = environ.get(var) if var else None
    if not value:
        raise ConfigError([f"auth.{key}: " + (f"environment variable {var} is not set" if var else "required")])
    return value


def credentials(
    auth,
    environ: Mapping[str, str],
    *,
    connector: str,
    token_header: str = "Bearer {token}",
    token_types: tuple[str, ...] = ("token",),
) -> tuple[Any, dict[str, str], str | None]:
    """(requests auth, extra headers, the user name) from the environment variables a connector's `auth` names.

    The user name is Baton's account by default: it names Baton's own writes in the tool's history.
    """

    def need(key: str, var: str | None) -> str:
        return env_secret(environ, key, var)

    user = environ.get(auth.username_env) if auth.username_env else None
    if auth.type == "basic":
        return (need("username_env", auth.username_env), need("password_env", auth.password_env)), {}, user
    if auth.type in token_types:
        return None, {"Authorization": token_header.format(token=need("token_env", auth.token_env))}, user
    known = ["basic", *token_types]
    raise ConfigError(
        [f"auth.type: the {connector} connector supports {', '.join(known[:-1])} and {known[-1]}, not {auth.type}"]
    )

"""Jira's REST API, sent through the `jira` library's session with connectors/http.py's retries and errors.

The library builds the authenticated session (Cloud: e-mail and API token; Data Center: a personal
access token or a password) with Jira's headers (`X-Atlassian-Token: no-check` for Data Center's XSRF
check). Its own calls are not used: `assign_issue` searches users before assigning and `search_issues`
reads the field list first, both extra round trips; and its ResilientSession retries 429/503 with real
sleeps and raises its own errors. So every call, platform and /rest/servicedeskapi/ alike, goes through
one HttpClient: one status-to-ToolError mapping, a timeout, tenacity retries that honour Retry-After and
fall back to backoff when a 429 comes without it (Jira Cloud sends some so).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from jira import JIRA
from jira.resilientsession import parse_error_msg

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.http import HttpClient, RetryPolicy
from baton_itsm.core.errors import ToolNotFound, ToolRefused

API = "/rest/api/2"  # v2: comment bodies are plain text; v3 would want ADF documents
DESK = "/rest/servicedeskapi"


class LibrarySession:
    """The library's session (its auth, headers, cookies, TLS settings), sent as plain requests does.

    ResilientSession.request adds its own retry loop and error type and takes no `timeout`; calling the
    base method on the same session object keeps everything else the library set up.
    """

    def __init__(self, session: requests.Session):
        self.session = session

    @property
    def headers(self):
        return self.session.headers

    @property
    def auth(self):
        return self.session.auth

    @auth.setter
    def auth(self, value) -> None:
        self.session.auth = value

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        return requests.Session.request(self.session, method, url, **kwargs)


def _describe(response: requests.Response) -> str:
    """Jira's reason: errorMessages and errors of its ErrorCollection, or a plain-text body (some 401s)."""
    return parse_error_msg(resp=response)


@dataclass
class JiraClient:
    http: HttpClient
    cloud: bool
    page_size: int = 50

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        basic: tuple[str, str] | None = None,
        token: str | None = None,
        cloud: bool,
        timeout: float,
        page_size: int = 50,
        sleep: Callable[[float], None] = time.sleep,
    ) -> JiraClient:
        """Builds the session; connects to nothing (no server-info call, no retries of the library's own)."""
        library = JIRA(
            server=url,
            basic_auth=basic,
            token_auth=token,
            get_server_info=False,
            max_retries=0,
            timeout=timeout,
            options={"check_update": False},
        )
        session = library._session  # the library's authenticated session; it offers no public accessor
        http = HttpClient(
            url,
            auth=session.auth,
            timeout=timeout,
            retry=RetryPolicy(base_seconds=1.0),
            sleep=sleep,
            session=LibrarySession(session),
            describe=_describe,
        )
        return cls(http, cloud, page_size)

    # --- reading ----------------------------------------------------------------------------
    def search_pages(self, jql: str, fields: Sequence[str], expand: str = "changelog") -> Iterator[tuple[list, bool]]:
        """Each page of issues and whether more follow: Cloud pages /search/jql by nextPageToken (absent
        on the last page), Data Center pages /search by startAt and total."""
        params = {"jql": jql, "fields": ",".join(fields), "expand": expand, "maxResults": self.page_size}
        token, start = None, 0
        while True:
            if self.cloud:
                page = self._json(
                    "GET", f"{API}/search/jql", params={**params, **({"nextPageToken": token} if token else {})}
                )
                token = page.get("nextPageToken")
                more = bool(token) and page.get("isLast") is not True
            else:
                page = self._search_dc({**params, "startAt": start})
                start += len(page.get("issues") or [])
                more = bool(page.get("issues")) and start < int(page.get("total") or 0)
            issues = page.get("issues")
            if not isinstance(issues, list):
                raise MalformedPayload(f"a search answer without issues: {str(page)[:200]}")
            yield issues, more
            if not more:
                return

    def _search_dc(self, params: dict) -> dict:
        try:
            return self._json("GET", f"{API}/search", params=params)
        except ToolNotFound as error:
            if error.status == 410:  # Jira Cloud has retired /search: the instance is Cloud, configured as DC
                raise ToolRefused(
                    f"{error}; Jira Cloud answers 410 to /rest/api/2/search: set "
                    "options.deployment: cloud for this instance",
                    status=410,
                ) from None
            raise

    def changelog(self, issue_id: str, start_at: int, max_results: int = 100) -> dict:
        """One page of an issue's changelog (Cloud), for issues whose embedded changelog was cut short."""
        return self._json(
            "GET",
            f"{API}/issue/{issue_id}/changelog",
            label=f"{API}/issue/{{id}}/changelog",
            params={"startAt": start_at, "maxResults": max_results},
        )

    def issue(self, issue_id: str, fields: Sequence[str]) -> dict:
        return self._json(
            "GET", f"{API}/issue/{issue_id}", label=f"{API}/issue/{{id}}", params={"fields": ",".join(fields)}
        )

    def slas(self, issue_id: str) -> list[dict]:
        """The request's SLAs (Service Management pages as start/limit/isLastPage)."""
        found: list[dict] = []
        start = 0
        while True:
            page = self._json(
                "GET",
                f"{DESK}/request/{issue_id}/sla",
                label=f"{DESK}/request/{{id}}/sla",
                params={"start": start, "limit": 50},
            )
            values = page.get("values") or []
            found += values
            if page.get("isLastPage", True) or not values:
                return found
            start += len(values)

    def myself(self) -> dict:
        return self._json("GET", f"{API}/myself")

    # --- writing ----------------------------------------------------------------------------
    def user_ref(self, jira_id: str | None) -> dict:
        """How a write names a user: by accountId on Cloud, by user name on Data Center (None: nobody)."""
        return {"accountId" if self.cloud else "name": jira_id}

    def assign(self, issue_id: str, jira_id: str | None) -> None:
        self.http.call(
            "PUT", f"{API}/issue/{issue_id}/assignee", label=f"{API}/issue/{{id}}/assignee", json=self.user_ref(jira_id)
        )

    def edit(self, issue_id: str, body: dict) -> None:
        self.http.call("PUT", f"{API}/issue/{issue_id}", label=f"{API}/issue/{{id}}", json=body)

    def comment(self, issue_id: str, text: str, *, public: bool) -> None:
        """A Service Management comment: `public` false is an internal note, true a reply the customer sees."""
        self.http.call(
            "POST",
            f"{DESK}/request/{issue_id}/comment",
            label=f"{DESK}/request/{{id}}/comment",
            json={"body": text, "public": public},
        )

    def _json(self, method: str, path: str, *, label: str | None = None, params: dict | None = None) -> Any:
        response = self.http.call(method, path, label=label, params=params)
        try:
            return response.json()
        except ValueError:
            raise MalformedPayload(f"{method} {label or path}: the answer is not JSON") from None

"""Cassettes for the Jira tests (../cassettes/<test>.yaml): replayed by default, never recorded in CI.

With BATON_RECORD_CASSETTES=1 a test runs against the fake Jira of jira_fake.py on loopback and its
cassette is written anew; otherwise the cassette answers and nothing is sent anywhere (record_mode
"none": a request the cassette does not hold fails the test). Either way the test asserts the same things.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import vcr

from baton_itsm.connectors.jira.connector import JiraConnector
from baton_itsm.core.settings.models import ConnectorConfig
from tests.connectors.jira.integration.jira_fake import FakeJira
from tests.connectors.jira.integration.jira_shapes import account_id

RECORD = os.environ.get("BATON_RECORD_CASSETTES") == "1"
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"  # tests/connectors/jira/cassettes
# Port 9 on loopback: nothing listens there, so a request no cassette holds can never leave the machine.
STANDIN = "http://127.0.0.1:9"
PEOPLE = ["alice", "bob", "carol", "dana", "rita", "baton"]
LOGINS = {
    "cloud": {"baton@example.com": ("baton", "cloud-api-token")},
    "datacenter": {"baton": ("baton", "dc-password")},
}
ZONES = {"cloud": "America/Chicago", "datacenter": "UTC"}
CONTEXT = {"cloud": "", "datacenter": "/jira"}  # Data Center usually runs under a context path
# The `jira` connector block of a test deployment (format with url= and options=); polling only.
CONNECTOR = """\
connectors:
  jira:
    type: jira
    url: {url}
    account: baton
    auth: {{username_env: BATON_JIRA_USER, password_env: BATON_JIRA_SECRET}}
    options: {options}
"""
WEBHOOK_SECRET = "jira-webhook-secret"  # the value the tests put in BATON_JIRA_WEBHOOK_SECRET
# The same block taking webhooks too, polling as the backstop.
WEBHOOK_CONNECTOR = CONNECTOR.replace("    auth:", "    mode: both\n    auth:").replace(
    "    options:", "    webhook_secret_env: BATON_JIRA_WEBHOOK_SECRET\n    options:"
)


@dataclass
class Site:
    fake: FakeJira
    url: str
    cassette: object
    flavour: str

    def connector(self, password: str | None = None, **options) -> JiraConnector:
        """Built from a deployment's settings, as `baton` builds it, with no real waiting on retries."""
        login, (_, secret) = next(iter(LOGINS[self.flavour].items()))
        config = ConnectorConfig(
            type="jira",
            url=self.url,
            account="baton",
            auth={"username_env": "JIRA_USER", "password_env": "JIRA_SECRET"},
            options=deployment_options(self.flavour, **options),
        )
        jira = JiraConnector.from_config(
            instance="jira", config=config, environ={"JIRA_USER": login, "JIRA_SECRET": password or secret}
        )
        jira.http.sleep = self.waits.append
        return jira

    def __post_init__(self):
        self.waits: list[float] = []

    def sent(self, method: str, path_end: str, *, answered: bool = False) -> list:
        """The requests of the cassette (those sent, once it has all played) to paths ending so; with
        `answered`, only those Jira answered with success (not the 503s of a test where it was down)."""
        return [
            request
            for request, response in self.cassette.data
            if request.method == method
            and urlsplit(request.uri).path.endswith(path_end)
            and (not answered or response["status"]["code"] < 400)
        ]

    def queries(self, path_end: str) -> list[dict]:
        return [{k: v[-1] for k, v in parse_qs(urlsplit(r.uri).query).items()} for r in self.sent("GET", path_end)]


def deployment_options(flavour: str, **options) -> dict:
    cloud = flavour == "cloud"
    return {
        "deployment": flavour,
        "projects": ["SD"],
        "group_field": {"SD": {"field": "components"}},
        "timezone": ZONES[flavour],
        **({"users": {p: account_id(p) for p in PEOPLE}} if cloud else {}),
        **options,
    }


def _without_cookies(response: dict) -> dict:
    response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() != "set-cookie"}
    return response


@contextmanager
def jira_site(request, clock, flavour: str = "cloud", **fake_options):
    """The Jira of one test, with its cassette named after the test (tests/connectors/jira/cassettes/<test>.yaml)."""
    name = request.node.name
    cloud = flavour == "cloud"
    public = STANDIN + CONTEXT[flavour]
    fake = FakeJira(
        clock,
        cloud=cloud,
        public_url=public,
        zone=ZONES[flavour],
        logins=LOGINS[flavour],
        people=PEOPLE,
        keys={} if cloud else {"carol": "JIRAUSER10100"},
        **fake_options,
    )
    served = fake.serve() if RECORD else None
    origin = served.url if served else STANDIN

    def as_recorded(request):
        request.uri = request.uri.replace(origin, STANDIN)
        return request

    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORD else "none",
        match_on=("method", "scheme", "host", "port", "path", "query", "body"),
        filter_headers=["authorization", "cookie"],
        before_record_request=as_recorded,
        before_record_response=_without_cookies,
        decode_compressed_response=True,
        ignore_hosts=("testserver",),
    )  # Baton's own app under a TestClient: never a recording
    if served:
        (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)  # recorded anew, not appended to
        served.__enter__()
    try:
        with recorder.use_cassette(f"{name}.yaml", allow_playback_repeats=False) as cassette:
            yield Site(fake, origin + CONTEXT[flavour], cassette, flavour)
            if not RECORD:
                unplayed = [
                    (r.method, r.path, r.body[:120] if r.body else None)
                    for i, r in enumerate(cassette.requests)
                    if not cassette.play_counts[i]
                ]
                assert cassette.all_played, f"{name}: Baton sent fewer requests than the cassette holds: {unplayed}"
    finally:
        if served:
            served.__exit__(None, None, None)

"""Smoke test of Baton's container image (scripts/container-smoke.sh runs it after building the image).

The image runs under `buildah run --isolation chroot`, which shares the host's network namespace, so the
service it starts listens on the host's loopback and reaches the host's. Beside it, on the host, runs the
in-memory ServiceNow instance of the connector tests (tests/connectors/servicenow/integration/fake_server.py), so that
`baton check` and `/healthz` reach a tool and Baton's revert lands somewhere it can be seen. In order:

1. `baton check` inside the image, with the deployment file mounted at /etc/baton/baton.yaml and the secrets in
   the environment, the ledger on its SQLite default in the image's volume /var/lib/baton;
2. the image's own CMD (`baton run`) in a container in the background; `/healthz` answers 200 from the host;
   the image's own HEALTHCHECK command succeeds inside the container;
3. two signed webhook deliveries posted from the host, as ServiceNow's business rule sends them: a ticket
   created with alice holding it, then alice pushing it to bob without a handoff. Both are answered 200
   "accepted", one signed with a wrong secret 400; the push is processed: the ledger (read through the API while
   running, and with `baton ledger` in the image after a SIGTERM stop, from the volume) holds the holder changes,
   the rule's decision and the handoff request to bob, and Baton's revert has put the ticket back with alice in the
   tool (a PATCH as Baton's account);
4. as deploy/compose.yaml runs it (with --postgres): `baton db upgrade`, then two replicas sharing a throwaway
   PostgreSQL database; a push posted to one is reverted, and its ledger read through the other.

Usage: python scripts/container_smoke.py [IMAGE] [--postgres ADMIN_URL]   (from the checkout, in an environment with
Baton's test extras: it reuses the tests' fake ServiceNow and payload helpers)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from container_buildah import buildah_run, image_config, main_process  # noqa: E402

from baton_itsm.connectors.servicenow.webhook import DELIVERY, SIGNATURE, TIMESTAMP, sign  # noqa: E402
from tests.connectors.servicenow.integration.fake_instance import FakeInstance, sys_id  # noqa: E402
from tests.connectors.servicenow.integration.fake_server import FakeServer  # noqa: E402
from tests.desk import DESK  # noqa: E402

SECRETS = {
    "SN_USER": "baton",
    "SN_PASSWORD": "baton-pw",
    "SN_WEBHOOK_SECRET": "smoke-webhook-secret",
    "BATON_API_TOKEN": "smoke-api-token",
}
PEOPLE = {"baton": "baton-pw", "alice": "pw", "bob": "pw", "carol": "pw", "dana": "pw"}
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[smoke {time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def delivery(record: dict, operation: str, actor: str, old: str, new: str) -> tuple[dict, bytes]:
    """What config/servicenow's business rule posts for one write of `record` (assigned_to old -> new)."""
    group = {"value": sys_id("group", "Service Desk"), "name": "Service Desk"}

    def person(name: str) -> dict:
        return {"value": sys_id("user", name) if name else "", "user_name": name}

    body = {
        "delivery_id": f"{operation}-{record['sys_id']}-{record['sys_mod_count']}",
        "operation": operation,
        "table": "incident",
        "sys_id": record["sys_id"],
        "number": record["number"],
        "sys_updated_on": record["sys_updated_on"],
        "sys_updated_by": actor,
        "actor": actor,
        "sys_mod_count": record["sys_mod_count"],
        "reassignment_count": record["reassignment_count"],
        "state": record["state"],
        "priority": "3",
        "category": "network",
        "short_description": "VPN drops",
        "caller": {"user_name": "dana", "email": "dana@example.com"},
        "assignment_group": {"old": group if operation == "update" else {"value": "", "name": ""}, "new": group},
        "assigned_to": {"old": person(old), "new": person(new)},
    }
    data = json.dumps(body).encode()
    signed_at = str(int(time.time()))
    return {
        DELIVERY: body["delivery_id"],
        TIMESTAMP: signed_at,
        "Content-Type": "application/json",
        SIGNATURE: sign(SECRETS["SN_WEBHOOK_SECRET"].encode(), signed_at, data),
    }, data


def http(method: str, url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(what: str, condition, timeout: float, service: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and service.poll() is not None:
            raise SystemExit(f"FAIL: `baton run` exited with {service.returncode} while waiting for {what}")
        try:
            if condition():
                say(f"ok: {what}")
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"FAIL: {what}: not within {timeout:.0f} s")


class Smoke:
    """The image, the fake tool and the containers of one smoke test; every container is removed at the end."""

    def __init__(self, image: str, work: Path, tool: FakeServer, instance: FakeInstance):
        self.image, self.work, self.tool, self.instance = image, work, tool, instance
        self.config = image_config(image)
        self.containers: list[str] = []
        self.services: list[subprocess.Popen] = []
        self.etc = work / "etc"
        self.etc.mkdir()
        (self.etc / "baton.yaml").write_text(
            DESK
            + f"""\
connectors:
  sn:
    type: servicenow
    url: {tool.url}
    account: baton
    mode: webhook
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
    webhook_secret_env: SN_WEBHOOK_SECRET
"""
        )
        (self.etc / "baton.yaml").chmod(0o644)

    def container(self) -> str:
        name = subprocess.run(
            ["buildah", "from", "--quiet", self.image], check=True, capture_output=True, text=True
        ).stdout.strip()
        self.containers.append(name)
        return name

    def baton(self, container: str, mounts: dict, env: dict, *args: str) -> str:
        """`baton ARGS` in the container; its output, or a failure."""
        done = subprocess.run(buildah_run(container, mounts, env, ["baton", *args]), capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(
                f"FAIL: `baton {' '.join(args)}` in the image exited with {done.returncode}:\n"
                f"{done.stdout}{done.stderr}"
            )
        return done.stdout

    def start(self, container: str, mounts: dict, env: dict, log_name: str) -> tuple[subprocess.Popen, str]:
        """The image's own CMD in the container, in the background; waits for /healthz 200 from the host."""
        log = open(self.work / log_name, "w")  # noqa: SIM115 - the process holds it until it ends
        service = subprocess.Popen(
            buildah_run(container, mounts, env, self.config["Cmd"]), stdout=log, stderr=subprocess.STDOUT
        )
        self.services.append(service)
        base = f"http://127.0.0.1:{env['BATON_PORT']}"
        wait_for(
            f"GET {base}/healthz answers 200 from the host",
            lambda: http("GET", f"{base}/healthz")[0] == 200,
            90,
            service,
        )
        return service, base

    def stop(self, service: subprocess.Popen) -> None:
        """A graceful stop, as a container runtime does it: SIGTERM to the container's main process, `baton run`
        (with chroot isolation buildah run shares the host's PID namespace, and SIGKILLs its child when it is
        signalled itself, so the signal goes to the child)."""
        os.kill(main_process(service.pid), signal.SIGTERM)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
            raise SystemExit("FAIL: `baton run` did not stop within 30 s of SIGTERM") from None
        if service.returncode != 0:
            raise SystemExit(f"FAIL: `baton run` exited with {service.returncode} on SIGTERM")
        say("ok: `baton run` stopped on SIGTERM (exit 0)")

    def push(self, base: str) -> tuple[str, dict]:
        """dana opens a ticket for alice, then alice pushes it to bob, who never asked for it; both writes are
        posted to `base` as the business rule signs them. Returns the ticket and its record in the tool."""
        instance = self.instance
        created = dict(
            instance.insert(
                "incident",
                {
                    "short_description": "VPN drops",
                    "assignment_group": sys_id("group", "Service Desk"),
                    "assigned_to": sys_id("user", "alice"),
                    "caller_id": sys_id("user", "dana"),
                },
                by="dana",
            )
        )
        pushed = dict(
            instance.update("incident", created["sys_id"], {"assigned_to": sys_id("user", "bob")}, by="alice")
        )
        for record, operation, actor, old, new in (
            (created, "insert", "dana", "", "alice"),
            (pushed, "update", "alice", "alice", "bob"),
        ):
            headers, body = delivery(record, operation, actor, old, new)
            status, answer = http("POST", f"{base}/hooks/servicenow/sn", headers, body)
            outcome = json.loads(answer or b"{}").get("outcome")
            if (status, outcome) != (200, "accepted"):
                raise SystemExit(f"FAIL: the signed {operation} delivery was answered {status} {answer!r}")
            say(f"ok: signed webhook to {base} ({operation} by {actor}, {old or 'nobody'} -> {new}): 200 accepted")
        return f"sn:{created['number']}", instance.tables["incident"][created["sys_id"]]

    def reverted(self, ticket: str, record: dict, service: subprocess.Popen) -> None:
        wait_for(
            f"Baton reverted the push: {ticket} is alice's again in the tool, written by Baton's account",
            lambda: record["assigned_to"] == sys_id("user", "alice") and record["sys_updated_by"] == "baton",
            60,
            service,
        )

    def api_ledger(self, base: str, ticket: str) -> list[str]:
        auth = {"Authorization": f"Bearer {SECRETS['BATON_API_TOKEN']}"}
        status, answer = http("GET", f"{base}/api/tickets/{ticket}/ledger", auth)
        if status != 200:
            raise SystemExit(f"FAIL: GET {base}/api/tickets/{ticket}/ledger answered {status} {answer[:300]!r}")
        rows = json.loads(answer)
        rows = rows.get("entries", rows) if isinstance(rows, dict) else rows
        return [row.get("entry_type") or row.get("type") for row in rows]

    def cleanup(self) -> None:
        for service in self.services:
            if service.poll() is None:
                service.kill()
                service.wait()
        for container in self.containers:
            subprocess.run(["buildah", "rm", container], capture_output=True)


PROCESSED = ("holder-changed", "rule", "requested")


def check_processed(where: str, entries: list[str]) -> None:
    say(f"{where}: {entries}")
    missing = [e for e in PROCESSED if e not in entries]
    if missing:
        raise SystemExit(f"FAIL: {where}: no {missing} entries (the push was not processed)")


def sqlite_volume(smoke: Smoke) -> None:
    """One container on its SQLite default, the store in the image's volume /var/lib/baton.

    The volume is the one buildah gives the container for the image's VOLUME (kept across the container's runs),
    not a host directory: buildah 1.28's `run -v HOST:/var/lib/baton` over a declared VOLUME mounts sometimes the
    host directory and sometimes the container's own volume, run by run."""
    config = smoke.config
    healthcheck = config["Healthcheck"]["Test"]
    env = {**SECRETS, "BATON_PORT": str(free_port())}
    mounts = {str(smoke.etc): "/etc/baton:ro"}
    container = smoke.container()
    print(smoke.baton(container, mounts, env, "check"), end="")
    say("ok: `baton check` in the image")
    service, base = smoke.start(container, mounts, env, "baton-run.log")
    say(f"/healthz: {http('GET', f'{base}/healthz')[1].decode()}")
    probe = subprocess.run(buildah_run(container, {}, env, healthcheck[1:]), capture_output=True, text=True)
    if probe.returncode != 0:
        raise SystemExit(f"FAIL: the image's HEALTHCHECK command failed: {probe.stderr[-500:]}")
    say("ok: the image's HEALTHCHECK command succeeds inside the container")

    ticket, record = smoke.push(base)
    headers, body = delivery(record, "update", "alice", "alice", "bob")
    headers[SIGNATURE] = sign(b"a-guessed-secret", headers[TIMESTAMP], body)
    status, _ = http("POST", f"{base}/hooks/servicenow/sn", headers, body)
    if status != 400:
        raise SystemExit(f"FAIL: a delivery signed with the wrong secret was answered {status}")
    say("ok: a delivery signed with the wrong secret is refused (400)")
    smoke.reverted(ticket, record, service)
    check_processed(f"the API's ledger of {ticket}", smoke.api_ledger(base, ticket))
    smoke.stop(service)
    shown = json.loads(smoke.baton(container, mounts, env, "ledger", ticket, "--format", "json"))
    check_processed(f"`baton ledger {ticket}` in the image after the stop", [row["entry_type"] for row in shown])
    volume = subprocess.run(
        buildah_run(
            container,
            mounts,
            env,
            ["sh", "-c", "grep -c ' /var/lib/baton ' /proc/self/mountinfo && ls -l /var/lib/baton/baton.db"],
        ),
        capture_output=True,
        text=True,
    )
    if volume.returncode != 0:
        raise SystemExit(f"FAIL: /var/lib/baton is not a volume holding baton.db: {volume.stdout}{volume.stderr}")
    say(f"ok: the store is in the volume: {volume.stdout.splitlines()[-1]}")


def postgres_replicas(smoke: Smoke, admin_url: str) -> None:
    """As deploy/compose.yaml runs it: `baton db upgrade` once, then two replicas sharing one PostgreSQL store
    (BATON_DATABASE_URL; the image's `postgres` extra). A push posted to one is seen through the other."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"baton_smoke_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        mounts = {str(smoke.etc): "/etc/baton:ro"}
        env = {**SECRETS, "BATON_DATABASE_URL": url}
        first, second = smoke.container(), smoke.container()
        say(smoke.baton(first, mounts, env, "db", "upgrade").strip())
        print(smoke.baton(first, mounts, env, "check"), end="")
        one, base_one = smoke.start(first, mounts, {**env, "BATON_PORT": str(free_port())}, "replica-1.log")
        two, base_two = smoke.start(second, mounts, {**env, "BATON_PORT": str(free_port())}, "replica-2.log")
        ticket, record = smoke.push(base_one)
        smoke.reverted(ticket, record, one)
        check_processed(f"the ledger of {ticket} through the other replica's API", smoke.api_ledger(base_two, ticket))
        smoke.stop(one)
        smoke.stop(two)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(image: str, postgres_url: str | None) -> None:
    config = image_config(image)
    assert config.get("User", "").split(":")[0] in {"10001", "baton"}, f"image runs as {config.get('User')!r}"
    healthcheck = (config.get("Healthcheck") or {}).get("Test") or []
    assert healthcheck[:1] == ["CMD"], f"no HEALTHCHECK kept in the image: {config.get('Healthcheck')!r}"
    say(f"image {image}: user {config['User']}, CMD {config['Cmd']}, HEALTHCHECK {healthcheck[1:]}")

    instance = FakeInstance(now=datetime.now(UTC).replace(microsecond=0))
    for user, password in PEOPLE.items():
        instance.add_user(user, password)
    for group in ("Service Desk", "Network"):
        instance.add_group(group)
    work = Path(tempfile.mkdtemp(prefix="baton-smoke-"))
    smoke = None
    try:
        with FakeServer(instance) as tool:
            smoke = Smoke(image, work, tool, instance)
            say("--- one container, SQLite in the volume")
            sqlite_volume(smoke)
            if postgres_url:
                say("--- two replicas sharing PostgreSQL")
                postgres_replicas(smoke, postgres_url)
            else:
                say("--- two replicas sharing PostgreSQL: skipped (no --postgres URL)")
    except BaseException:
        for log_file in sorted(work.glob("*.log")):
            print(f"--- {log_file.name} (last 40 lines) ---\n" + "\n".join(log_file.read_text().splitlines()[-40:]))
        raise
    finally:
        if smoke is not None:
            smoke.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    say("PASS")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default="localhost/baton:ci")
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        default=os.environ.get("BATON_TEST_POSTGRES_URL"),
        help="a PostgreSQL server where a throwaway database may be created (default: "
        "$BATON_TEST_POSTGRES_URL); without it the replicas' part is skipped",
    )
    arguments = parser.parse_args()
    main(arguments.image, arguments.postgres)

"""Smoke test of Baton's container image (scripts/container-smoke.sh runs it after building the image).

The image runs under `buildah run --isolation chroot`, which shares the host's network namespace, so the
service it starts listens on the host's loopback and reaches the host's. Beside it, on the host, runs the
in-memory ServiceNow instance of the connector tests (tests/integration/servicenow/fake_server.py), so that
`baton check` and `/healthz` reach a tool and Baton's revert lands somewhere it can be seen. In order:

1. `baton check` inside the image, with the deployment file mounted at /etc/baton/baton.yaml, the secrets in
   the environment and a host directory as the data volume (/var/lib/baton);
2. the image's own CMD (`baton run`) in a container in the background; `/healthz` answers 200 from the host;
   the image's own HEALTHCHECK command succeeds inside the container;
3. two signed webhook deliveries posted from the host, as ServiceNow's business rule sends them: a ticket
   created with alice holding it, then alice pushing it to bob without a handoff. Both are answered 200
   "accepted"; the push is processed: the ledger (read through the API while running, and with `baton ledger`
   in the image after a SIGTERM stop) holds the holder changes, the rule's decision and the handoff request to
   bob, and Baton's revert has put the ticket back with alice in the tool (a PATCH as Baton's account).

Usage: python scripts/container_smoke.py IMAGE   (from the checkout, in an environment with Baton's test
extras: it reuses the tests' fake ServiceNow and payload helpers)
"""
from __future__ import annotations

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

from baton_itsm.connectors.servicenow.values import format_time  # noqa: E402
from baton_itsm.connectors.servicenow.webhook import DELIVERY, SIGNATURE, TIMESTAMP, sign  # noqa: E402
from tests.desk import DESK  # noqa: E402
from tests.integration.servicenow.fake_instance import FakeInstance, sys_id  # noqa: E402
from tests.integration.servicenow.fake_server import FakeServer  # noqa: E402

SECRETS = {"SN_USER": "baton", "SN_PASSWORD": "baton-pw", "SN_WEBHOOK_SECRET": "smoke-webhook-secret",
           "BATON_API_TOKEN": "smoke-api-token"}
PEOPLE = {"baton": "baton-pw", "alice": "pw", "bob": "pw", "carol": "pw", "dana": "pw"}
UID = 10001  # the image's baton user (Containerfile)


def say(text: str) -> None:
    print(f"[smoke {time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_config(image: str) -> dict:
    """The image's run-time config (Cmd, Env, Healthcheck), from buildah's docker-format view of it."""
    info = json.loads(subprocess.run(["buildah", "inspect", "--type", "image", image], check=True,
                                     capture_output=True, text=True).stdout)
    return info["Docker"]["config"]


def buildah_run(container: str, mounts: dict[str, str], env: dict[str, str], command: list[str]) -> list[str]:
    args = ["buildah", "run", "--isolation", "chroot"]
    for host, inside in mounts.items():
        args += ["-v", f"{host}:{inside}"]
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]
    return [*args, container, "--", *command]


def delivery(record: dict, operation: str, actor: str, old: str, new: str) -> tuple[dict, bytes]:
    """What config/servicenow's business rule posts for one write of `record` (assigned_to old -> new)."""
    group = {"value": sys_id("group", "Service Desk"), "name": "Service Desk"}

    def person(name: str) -> dict:
        return {"value": sys_id("user", name) if name else "", "user_name": name}

    body = {"delivery_id": f"{operation}-{record['sys_id']}-{record['sys_mod_count']}", "operation": operation,
            "table": "incident", "sys_id": record["sys_id"], "number": record["number"],
            "sys_updated_on": record["sys_updated_on"], "sys_updated_by": actor, "actor": actor,
            "sys_mod_count": record["sys_mod_count"], "reassignment_count": record["reassignment_count"],
            "state": record["state"], "priority": "3", "category": "network", "short_description": "VPN drops",
            "caller": {"user_name": "dana", "email": "dana@example.com"},
            "assignment_group": {"old": group if operation == "update" else {"value": "", "name": ""}, "new": group},
            "assigned_to": {"old": person(old), "new": person(new)}}
    data = json.dumps(body).encode()
    signed_at = str(int(time.time()))
    return {DELIVERY: body["delivery_id"], TIMESTAMP: signed_at, "Content-Type": "application/json",
            SIGNATURE: sign(SECRETS["SN_WEBHOOK_SECRET"].encode(), signed_at, data)}, data


def main_process(buildah_pid: int) -> int:
    """The pid of `baton run` under a `buildah run` process (its descendant whose command line says so)."""
    children = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = status.read_text().split(" (", 1)
            children.setdefault(int(rest.rsplit(") ", 1)[1].split()[1]), []).append(int(pid))
        except (OSError, ValueError, IndexError):
            continue
    todo = list(children.get(buildah_pid, []))
    while todo:
        pid = todo.pop(0)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(b"/baton") or part == b"baton" for part in command) and b"run" in command:
            return pid
        todo += children.get(pid, [])
    raise SystemExit(f"FAIL: no `baton run` process under buildah run ({buildah_pid})")


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


def main(image: str) -> None:
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
    container = None
    service = None
    try:
        with FakeServer(instance) as tool:
            etc, data = work / "etc", work / "data"
            etc.mkdir()
            data.mkdir()
            os.chown(data, UID, UID)  # the volume belongs to the image's user
            (etc / "baton.yaml").write_text(DESK + f"""\
connectors:
  sn:
    type: servicenow
    url: {tool.url}
    account: baton
    mode: webhook
    auth: {{username_env: SN_USER, password_env: SN_PASSWORD}}
    webhook_secret_env: SN_WEBHOOK_SECRET
""")
            (etc / "baton.yaml").chmod(0o644)
            port = free_port()
            env = {**SECRETS, "BATON_PORT": str(port)}
            mounts = {str(etc): "/etc/baton:ro", str(data): "/var/lib/baton"}
            container = subprocess.run(["buildah", "from", "--quiet", image], check=True, capture_output=True,
                                       text=True).stdout.strip()

            checked = subprocess.run(buildah_run(container, mounts, env, ["baton", "check"]), capture_output=True,
                                     text=True)
            print(checked.stdout + checked.stderr, end="")
            if checked.returncode != 0:
                raise SystemExit(f"FAIL: `baton check` in the image exited with {checked.returncode}")
            say("ok: `baton check` in the image")

            log = open(work / "baton-run.log", "w")  # noqa: SIM115 - closed in finally via the process
            service = subprocess.Popen(buildah_run(container, mounts, env, config["Cmd"]), stdout=log,
                                       stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{port}"
            wait_for(f"GET {base}/healthz answers 200 from the host",
                     lambda: http("GET", f"{base}/healthz")[0] == 200, 90, service)
            say(f"/healthz: {http('GET', f'{base}/healthz')[1].decode()}")
            probe = subprocess.run(buildah_run(container, {}, env, healthcheck[1:]), capture_output=True, text=True)
            if probe.returncode != 0:
                raise SystemExit(f"FAIL: the image's HEALTHCHECK command failed: {probe.stderr[-500:]}")
            say("ok: the image's HEALTHCHECK command succeeds inside the container")

            # dana opens the ticket for alice; then alice pushes it to bob, who never asked for it
            created = dict(instance.insert("incident", {
                "short_description": "VPN drops", "assignment_group": sys_id("group", "Service Desk"),
                "assigned_to": sys_id("user", "alice"), "caller_id": sys_id("user", "dana")}, by="dana"))
            pushed = dict(instance.update("incident", created["sys_id"], {"assigned_to": sys_id("user", "bob")},
                                          by="alice"))
            ticket = f"sn:{created['number']}"
            for record, operation, actor, old, new in ((created, "insert", "dana", "", "alice"),
                                                       (pushed, "update", "alice", "alice", "bob")):
                headers, body = delivery(record, operation, actor, old, new)
                status, answer = http("POST", f"{base}/hooks/servicenow/sn", headers, body)
                outcome = json.loads(answer or b"{}").get("outcome")
                if (status, outcome) != (200, "accepted"):
                    raise SystemExit(f"FAIL: the signed {operation} delivery was answered {status} {answer!r}")
                say(f"ok: signed webhook ({operation} by {actor}, {old or 'nobody'} -> {new}) answered 200 accepted")
            headers, body = delivery(pushed, "update", "alice", "alice", "bob")
            headers[SIGNATURE] = sign(b"a-guessed-secret", headers[TIMESTAMP], body)
            status, _ = http("POST", f"{base}/hooks/servicenow/sn", headers, body)
            if status != 400:
                raise SystemExit(f"FAIL: a delivery signed with the wrong secret was answered {status}")
            say("ok: a delivery signed with the wrong secret is refused (400)")

            record = instance.tables["incident"][created["sys_id"]]
            wait_for(f"Baton reverted the push: {created['number']} is alice's again in the tool",
                     lambda: record["assigned_to"] == sys_id("user", "alice") and record["sys_updated_by"] == "baton",
                     60, service)
            auth = {"Authorization": f"Bearer {SECRETS['BATON_API_TOKEN']}"}
            status, answer = http("GET", f"{base}/api/tickets/{ticket}/ledger", auth)
            if status != 200:
                raise SystemExit(f"FAIL: GET /api/tickets/{ticket}/ledger answered {status} {answer[:300]!r}")
            say(f"ok: the API's ledger of {ticket}: {len(json.loads(answer))} entries")

            # A graceful stop, as a container runtime does it: SIGTERM to the container's main process, `baton run`
            # (buildah run shares the host's PID namespace with chroot isolation; it SIGKILLs its child when it is
            # signalled itself, so the signal goes to the child).
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

            shown = subprocess.run(buildah_run(container, mounts, env, ["baton", "ledger", ticket, "--format", "json"]),
                                   capture_output=True, text=True)
            if shown.returncode != 0:
                raise SystemExit(f"FAIL: `baton ledger` in the image: {shown.stderr}")
            entries = [row.get("entry_type") or row.get("type") for row in json.loads(shown.stdout)]
            say(f"`baton ledger {ticket}` in the image: {entries}")
            for needed in ("holder-changed", "rule", "requested"):
                if needed not in entries:
                    raise SystemExit(f"FAIL: no {needed!r} entry in the ledger of {ticket}")
            say("ok: the push was processed: holder changes, the rule's decision and a request to bob, in the volume")
    except BaseException:
        log_file = work / "baton-run.log"
        if log_file.exists():
            print("--- baton run's log (last 60 lines) ---\n" + "\n".join(log_file.read_text().splitlines()[-60:]))
        raise
    finally:
        if service is not None and service.poll() is None:
            service.kill()
            service.wait()
        if container:
            subprocess.run(["buildah", "rm", container], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    say("PASS")


if __name__ == "__main__":
    STARTED = time.monotonic()
    main(sys.argv[1] if len(sys.argv) > 1 else "localhost/baton:ci")

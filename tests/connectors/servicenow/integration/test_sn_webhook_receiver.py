"""The webhook receiver (core/usecases/receive_webhook.py) with the ServiceNow connector and a real ledger store.

A signed delivery is kept and answered 200, then handled by the intake: a push becomes a request and a
revert. A wrong, missing or stale signature is refused (400) and nothing is kept; a delivery id seen before
is acknowledged (200, so the sender stops) and not taken again.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.policy import Policy
from baton_itsm.core.runtime.group_commit import GroupCommit
from baton_itsm.core.store.schema import inbox, outbox
from baton_itsm.core.usecases.intake import Intake
from baton_itsm.core.usecases.receive_webhook import receive_webhook
from baton_itsm.core.web import create_app
from tests.connectors.servicenow.sn import NOW, SIGNATURE, SIGNED_AT, connector, delivery, payload
from tests.desk import DESK

KEY = TicketKey("sn", "INC0010001")
CREATED = payload(
    delivery_id="c0ffee00c0ffee00c0ffee00c0ffee00",
    operation="insert",
    sys_updated_by="dana",
    actor="dana",
    assigned_to={"old": {"value": "", "user_name": ""}, "new": {"value": "u1", "user_name": "alice"}},
)
PUSHED = payload(
    actor="alice",
    sys_updated_by="alice",  # alice pushes it to bob, who never asked for it
    assigned_to={"old": {"value": "u1", "user_name": "alice"}, "new": {"value": "u2", "user_name": "bob"}},
)


def setup(store, clock, directory):
    policy = Policy(directory=directory, instances=frozenset({"sn"}), accounts={"sn": "baton"})
    return connector(clock=FixedClock(NOW)), Intake(store, RulesEngine(policy), clock)


def kept(store) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(inbox)).scalar_one()


def test_a_signed_delivery_is_kept_and_handled_and_a_replay_is_not_taken_again(store, clock, directory):
    sn, intake = setup(store, clock, directory)
    assert receive_webhook(sn, intake, *delivery(CREATED)).outcome == "accepted"
    headers, body = delivery(PUSHED)
    answer = receive_webhook(sn, intake, headers, body)
    assert (answer.status, answer.outcome) == (200, "accepted")

    replayed = receive_webhook(sn, intake, headers, body)  # the same delivery again, signature and all
    assert (replayed.status, replayed.outcome) == (200, "duplicate") and kept(store) == 2

    assert intake.process_pending().entries == ["holder-changed", "rule", "requested"]
    assert intake.process_pending().new == 0
    with store.unit_of_work(clock.now()) as uow:
        ticket = uow.load_ticket(KEY)
        actions = uow.connection.execute(select(outbox.c.idempotency_key)).scalars().all()
    assert ticket.holder == Holder("Service Desk", "alice") and ticket.open_handoff().to_holder == Holder(
        "Service Desk", "bob"
    )
    assert sum(key.startswith("revert:sn:INC0010001:") for key in actions) == 1


def test_a_wrong_missing_or_stale_signature_is_refused_and_nothing_is_kept(store, clock, directory):
    sn, intake = setup(store, clock, directory)
    wrong = delivery(PUSHED, secret=b"not-the-secret")
    missing = delivery(PUSHED, drop=SIGNATURE)
    stale = delivery(PUSHED, signed_at=str(int(SIGNED_AT) - 3600))
    answers = [receive_webhook(sn, intake, *d) for d in (wrong, missing, stale)]
    assert [(a.status, a.outcome) for a in answers] == [(400, "anomalous")] * 3
    assert "wrong X-Baton-Signature" in answers[0].reason and "more than 300 s" in answers[2].reason
    assert kept(store) == 0


def test_a_delivery_baton_does_not_watch_is_acknowledged_and_not_kept(store, clock, directory):
    sn, intake = setup(store, clock, directory)
    answer = receive_webhook(sn, intake, *delivery(payload(table="sc_req_item")))
    assert (answer.status, answer.outcome) == (200, "ignored") and kept(store) == 0


CONNECTORS = """\
connectors:
  sn:
    type: servicenow
    url: https://acme.service-now.com
    account: baton
    mode: webhook
    auth: {username_env: SN_USER, password_env: SN_PASSWORD}
    webhook_secret_env: SN_WEBHOOK_SECRET
  sn-polled:
    type: servicenow
    url: https://other.service-now.com
    auth: {username_env: SN_USER, password_env: SN_PASSWORD}
"""


def test_deliveries_over_http_are_kept_once_and_handled_by_the_intake(tmp_path, monkeypatch, clock):
    for name, value in {"SN_USER": "baton", "SN_PASSWORD": "pw", "SN_WEBHOOK_SECRET": "webhook-secret"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "baton.yaml").write_text(DESK + CONNECTORS)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
    app.connectors["sn"].clock = FixedClock(NOW)
    with TestClient(create_app(app)) as client:

        def post(instance: str, headers: dict, body: bytes):
            return client.post(f"/hooks/servicenow/{instance}", headers=headers, content=body)

        assert post("sn", *delivery(CREATED)).json()["outcome"] == "accepted"
        pushed = delivery(PUSHED)
        first, again = post("sn", *pushed), post("sn", *pushed)
        assert (first.json()["outcome"], again.status_code, again.json()["outcome"]) == ("accepted", 200, "duplicate")
        refused = post("sn", *delivery(PUSHED, secret=b"guessed"))
        assert refused.status_code == 400 and "wrong X-Baton-Signature" in refused.json()["reason"]
        assert post("sn-polled", *delivery(PUSHED)).status_code == 404  # mode poll takes no deliveries
        assert post("nowhere", *delivery(PUSHED)).status_code == 404
    assert app.intake.process_pending().entries == ["holder-changed", "rule", "requested"]


def test_a_delivery_the_store_could_not_keep_is_answered_5xx_never_2xx(tmp_path, monkeypatch, clock):
    for name, value in {"SN_USER": "baton", "SN_PASSWORD": "pw", "SN_WEBHOOK_SECRET": "webhook-secret"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "baton.yaml").write_text(DESK + CONNECTORS)
    app = build_app(str(tmp_path / "baton.yaml"), str(tmp_path / "ledger.db"), clock=clock)
    app.connectors["sn"].clock = FixedClock(NOW)

    class FullDisk:
        def write(self, rows, now):
            raise OSError("no space left on device")

        def close(self):
            pass

    app.deliveries = GroupCommit(FullDisk, clock, FullDisk)  # the loop's and the thread's writers both fail
    headers, body = delivery(CREATED)
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        answer = client.post("/hooks/servicenow/sn", headers=headers, content=body)
    assert answer.status_code == 500 and kept(app.store) == 0

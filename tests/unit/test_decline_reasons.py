"""Decline reasons: the catalog (a code, words, reassignable, a suggested group), free text where the desk allows
it, what the sender and the ticket are told, and where a non-reassignable decline leaves the ticket."""

from __future__ import annotations

import pytest

from baton_itsm.core.domain.commands import DeclineHandoff, RequestHandoff
from baton_itsm.core.domain.decline_reasons import DeclineCatalog, DeclineReason
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.protocol_errors import InvalidRequest
from baton_itsm.core.errors import ConfigError
from baton_itsm.core.settings.loader import parse_config
from tests.unit.conftest import DIRECTORY
from tests.unit.test_rules_accept_before_reassign import held_by_alice

CATALOG = (
    DeclineReason("not-network", "not a network fault", reassignable=True, suggested_group="Desktop"),
    DeclineReason("needs-info", "the ticket lacks what we need to start", reassignable=False),
    DeclineReason("duplicate", "already handled in another ticket"),
)


def desk_with(make_desk, free_text=True):
    directory = Directory(DIRECTORY.groups, DeclineCatalog(CATALOG, free_text))
    desk = held_by_alice(make_desk(directory=directory))
    desk.command(
        RequestHandoff(
            ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch port dead"
        )
    )
    return desk


# --- a catalog decline of each kind, and free text -----------------------------------------------------
@pytest.mark.parametrize(
    ("how", "code", "reason", "reassignable", "suggested"),
    [
        (dict(reason_code="not-network"), "not-network", "not a network fault", True, "Desktop"),
        (
            dict(reason_code="needs-info", reason="no MAC address"),
            "needs-info",
            "the ticket lacks what we need to start: no MAC address",
            False,
            None,
        ),
        (dict(reason="duplicate see rt:40"), "duplicate", "already handled in another ticket: see rt:40", True, None),
        (
            dict(reason="NOT-NETWORK cabling is facilities"),
            "not-network",
            "not a network fault: cabling is facilities",
            True,
            "Desktop",
        ),
        (dict(reason="cabling is the facilities team's"), "", "cabling is the facilities team's", True, None),
    ],
)
def test_a_decline_records_its_code_words_and_flags(make_desk, how, code, reason, reassignable, suggested):
    desk = desk_with(make_desk)
    decisions = desk.command(DeclineHandoff(ticket=desk.key, handoff_id="h1", by="carol", **{"reason": "", **how}))
    declined = decisions.events[0]
    assert (declined.entry_type, declined.reason_code, declined.reason) == ("declined", code, reason)
    assert (declined.reassignable, declined.suggested_group) == (reassignable, suggested)
    notice = next(a.payload for a in decisions.outgoing if a.channel == "notify")
    assert (notice["template"], notice["to_people"], notice["reason_code"]) == ("handoff-declined", ["alice"], code)
    assert desk.ticket.holder == Holder("Service Desk", "alice"), "a declined ticket stays with its sender"


@pytest.mark.parametrize(
    ("free_text", "how", "refusal"),
    [
        (False, dict(reason="cabling is facilities"), "declines with a reason code, not free text"),
        (True, dict(reason_code="not-mine"), "'not-mine' is not a decline reason of this desk"),
        (True, dict(reason=""), "a decline needs a reason"),
    ],
)
def test_a_decline_the_catalog_does_not_allow_is_refused_with_the_codes(make_desk, free_text, how, refusal):
    desk = desk_with(make_desk, free_text=free_text)
    with pytest.raises(InvalidRequest, match=refusal) as refused:
        desk.command(DeclineHandoff(ticket=desk.key, handoff_id="h1", by="carol", **{"reason": "", **how}))
    assert "not-network, needs-info, duplicate" in str(refused.value)
    assert desk.ticket.open_handoff().handoff_id == "h1", "a refused decline leaves the request open"


def test_the_ticket_note_says_the_code_and_whether_it_may_go_elsewhere(make_desk):
    desk = desk_with(make_desk)
    decisions = desk.comment("carol", "/baton decline needs-info no MAC address")
    assert desk.entries(decisions) == ["declined"]
    reply = desk.notes(decisions)[0]
    assert reply.startswith("@carol: you declined handoff h1 (needs-info)")
    desk2 = desk_with(make_desk)
    note = desk2.notes(
        desk2.command(DeclineHandoff(ticket=desk2.key, handoff_id="h1", by="carol", reason="needs-info"))
    )[0]
    assert "[needs-info]" in note and "must not go elsewhere" in note
    desk3 = desk_with(make_desk)
    note = desk3.notes(
        desk3.command(DeclineHandoff(ticket=desk3.key, handoff_id="h1", by="carol", reason="not-network"))
    )[0]
    assert "Suggested instead: Desktop" in note


def test_a_non_reassignable_decline_returns_a_held_push_to_its_sender(make_desk, clock):
    directory = Directory(DIRECTORY.groups, DeclineCatalog(CATALOG))
    desk = held_by_alice(make_desk(directory=directory, push_mode="hold"))
    desk.reassign("alice", "Network/carol")  # held: the tool shows carol, the request waits for her
    assert desk.facts.tool_holder == Holder("Network", "carol")
    declined = desk.comment("carol", "/baton decline needs-info")
    assert ("set-holder", "Service Desk/alice") in desk.tool_actions(declined)
    reassignable = held_by_alice(make_desk(directory=directory, push_mode="hold"))
    reassignable.reassign("alice", "Network/carol")
    kept = reassignable.comment("carol", "/baton decline duplicate")
    assert ("set-holder", "Service Desk/alice") not in reassignable.tool_actions(kept), (
        "a reassignable decline of a held push leaves the ticket for the hold rule to settle"
    )


# --- the catalog in the deployment file ------------------------------------------------------------------
BASE = """
groups:
  Network: {members: [carol]}
  Desktop: {members: [gina]}
rules:
  decline_free_text: false
  decline_reasons:
"""


@pytest.mark.parametrize(
    ("reasons", "error"),
    [
        ("    - {code: not-network, words: not ours, suggested_group: Desktop}\n", None),
        ("    - {code: dup, words: a}\n    - {code: DUP, words: b}\n", "decline reason codes must be unique"),
        ("    - {code: not-network, words: not ours, suggested_group: Facilities}\n", "unknown group 'Facilities'"),
        ("    - {code: not network, words: not ours}\n", "code"),
    ],
)
def test_the_catalog_is_validated_at_load(reasons, error):
    if error is None:
        config = parse_config(BASE + reasons, "baton.yaml")
        catalog = config.directory().declines
        assert (catalog.free_text, catalog.find("not-network").suggested_group) == (False, "Desktop")
        return
    with pytest.raises(ConfigError, match=error):
        parse_config(BASE + reasons, "baton.yaml")

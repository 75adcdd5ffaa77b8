"""What the requester reads after each kind of ownership change: team, person, contact and what is pending,
one line each and never two that contradict each other; greeted by the name the tool has for them.

The notices come from the real rules engine on the simulated desk (tests/unit/conftest.py), under the
ownership model of the e2e desk (tests/desk.py): `follows`, with Service Desk as the desk.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton_itsm.core.domain.commands import AcceptHandoff, ForceHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.ownership import OwnershipModel, OwnershipPolicy
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.notify.addresses import AddressBook
from baton_itsm.core.notify.context import MessageContext
from baton_itsm.core.notify.eta import Eta
from baton_itsm.core.notify.notices import Notice
from baton_itsm.core.notify.rendering import Renderer
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.settings.models import PersonConfig

BOOK = AddressBook(
    {
        "alice": PersonConfig(name="Alice Agent"),
        "bob": PersonConfig(name="Bob Agent"),
        "carol": PersonConfig(name="Carol Agent"),
        "erin": PersonConfig(name="Erin Lead"),
    },
    {"Network": ("carol", "frank")},
)
REQUESTER = TicketFacts(subject="Printer on fire", requester="jo.bloggs@example.test", requester_name="Jo Bloggs")
FOLLOWS = OwnershipPolicy(OwnershipModel.FOLLOWS, frozenset({"Service Desk"}))


@pytest.fixture
def desk(make_desk):
    return make_desk(ownership=FOLLOWS, leads={"Network": "erin", "Service Desk": "dana"})


def status_updates(*decisions) -> list[dict]:
    return [
        dict(Notice.from_row(o.idempotency_key, o.payload).details)
        for d in decisions
        for o in d.outgoing
        if o.channel == "notify" and o.payload["template"] == "status-update"
    ]


def email(changes: list[dict], eta: Eta | None = None) -> tuple[str, str]:
    """(text, html) of the requester's email for these changes, as the router renders a digest."""
    recipient = BOOK.requester(REQUESTER.requester, REQUESTER.requester_name)
    context = MessageContext(TicketKey("rt", "1"), REQUESTER, recipient, BOOK.display_name).status(changes, eta)
    rendered = Renderer().render("status-update", context)
    return rendered.text, rendered.html


def lines(text: str) -> dict[str, str]:
    """The status lines by their label: {"Team": "Network", ...}."""
    found = {}
    for line in text.splitlines():
        label, colon, rest = line.partition(": ")
        if colon and label in (
            "Team",
            "Person working on it",
            "Your contact",
            "What is pending",
            "When to expect news",
        ):
            found[label] = rest
    return found


def alices_ticket(desk) -> None:
    desk.tool(ToolEventKind.CREATED, "alice", "Service Desk/alice")


def test_a_queue_and_owner_push_accepted_names_the_team_the_person_and_the_owner_who_stays(desk):
    alices_ticket(desk)
    desk.reassign("bob", "Network/carol")  # one write: queue and owner; reverted, a request to the Network queue
    desk.echo_baton_write()
    (request,) = [h for h in desk.ticket.handoffs.values()]
    accepted = desk.command(AcceptHandoff(ticket=desk.key, handoff_id=request.handoff_id, by="carol"))
    (change,) = status_updates(accepted)
    text, html = email([change])
    assert text.startswith("Hello Jo Bloggs,")
    assert lines(text) == {
        "Team": "Network",
        "Person working on it": "Carol Agent",
        "Your contact": "Alice Agent. Alice Agent still owns your ticket and stays your contact, while Carol Agent "
        "of Network works on it for now.",
        "What is pending": "nothing; Carol Agent is working on it.",
    }
    assert "Hello Jo Bloggs," in html and "Person working on it</td><td><strong>Carol Agent" in html


def test_a_pull_names_the_person_who_took_it_as_the_contact_and_claims_no_owner(desk):
    desk.tool(ToolEventKind.CREATED, "tina", "Network")
    (change,) = status_updates(desk.reassign("carol", "Network/carol"))  # carol takes it: a pull
    assert not change["owner"]  # under follows, nobody of the desk has held it
    text, html = email([change])
    assert lines(text) == {
        "Team": "Network",
        "Person working on it": "Carol Agent",
        "Your contact": "Carol Agent, who is working on it.",
        "What is pending": "nothing; Carol Agent is working on it.",
    }
    for part in (text, html):
        assert "no one person owns" not in part and "no one yet" not in part


def test_a_managers_force_reads_like_a_handoff_the_owner_stays_the_contact(desk):
    alices_ticket(desk)
    forced = desk.reassign("erin", "Network/carol")  # Network's manager moves it in the tool: a force
    (change,) = status_updates(forced)
    assert lines(email([change])[0]) == {
        "Team": "Network",
        "Person working on it": "Carol Agent",
        "Your contact": "Alice Agent. Alice Agent still owns your ticket and stays your contact, while Carol Agent "
        "of Network works on it for now.",
        "What is pending": "nothing; Carol Agent is working on it.",
    }


def test_a_move_to_a_queue_says_nobody_has_taken_it_yet_and_that_this_is_what_is_pending(desk):
    alices_ticket(desk)
    moved = desk.command(
        ForceHandoff(ticket=desk.key, handoff_id="f1", to_holder=Holder("Network"), by="dana", reason="outage")
    )
    (change,) = status_updates(moved)
    text, html = email([change])
    assert lines(text) == {
        "Team": "Network",
        "Person working on it": "no one yet; someone in the Network team will take it on",
        "Your contact": "Alice Agent. Alice Agent still owns your ticket and stays your contact, while the Network "
        "team works on it for now.",
        "What is pending": "waiting for someone in the Network team to take it on.",
    }
    assert "Person working on it</td><td>No one yet; someone in the Network team will take it on" in html


def test_a_queue_with_no_owner_is_the_contact(make_desk):
    desk = make_desk(ownership=FOLLOWS)
    (change,) = status_updates(desk.tool(ToolEventKind.CREATED, "tina", "Network"))
    assert lines(email([change])[0])["Your contact"] == "the Network team."


def test_the_first_assignment_names_the_new_owner_who_works_it(desk):
    (change,) = status_updates(desk.tool(ToolEventKind.CREATED, "alice", "Service Desk/alice"))
    text, _ = email([change])
    assert text.splitlines()[2].endswith("has been assigned.")
    assert lines(text)["Your contact"] == "Alice Agent, who now owns your ticket and is working on it."


def test_an_open_request_is_what_is_pending_naming_who_must_accept(desk):
    alices_ticket(desk)
    desk.command(
        RequestHandoff(
            ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch port dead"
        )
    )
    (change,) = status_updates(desk.reassign("bob", "Service Desk/bob"))  # bob takes it meanwhile: a pull
    found = lines(email([change], Eta(datetime(2026, 3, 2, 14, tzinfo=UTC), "target"))[0])
    assert found["What is pending"] == "waiting for the Network team to accept your ticket."
    assert found["Your contact"] == "Bob Agent, who now owns your ticket and is working on it."
    assert found["When to expect news"] == "by Mon 2 Mar 2026, 14:00 UTC (our target for an update from this team)."


def test_without_a_name_from_the_tool_the_greeting_has_none():
    recipient = BOOK.requester("jo.bloggs@example.test", None)
    assert recipient.name is None
    assert BOOK.requester("jo.bloggs@example.test", " Jo Bloggs ").name == "Jo Bloggs"
    assert BOOK.requester("alice", "Alice From The Tool").name == "Alice From The Tool"

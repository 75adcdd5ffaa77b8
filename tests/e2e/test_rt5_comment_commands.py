"""Comment commands on a real Request Tracker 5: an agent accepts and then reviews a handoff from inside RT.

The receiver never leaves RT: `/baton accept` in a comment takes the request Baton made of a push, and
`/baton review ...` rates the handoff. Baton answers each command with an internal note, and its own
notes, read back by the next poll, are neither commands nor activity.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock, SystemClock
from tests.desk import ledger_readers
from tests.e2e.rt5 import Person, holder_in_rt

SD = "Service Desk"
alice, bob, carol, root = Person("alice"), Person("bob"), Person("carol"), Person("root")
ledger, requests_to = ledger_readers("rt")


@pytest.fixture
def reviewing_app(deployment):
    config, db = deployment
    Path(config).write_text(Path(config).read_text() + "reviews: {ask: all}\n")
    app = build_app(config, db, clock=FixedClock(SystemClock().now()))
    app.poller.run_once()  # the first poll only sets the checkpoint
    return app


def test_a_receiver_accepts_and_reviews_by_comment_in_rt(reviewing_app):
    app = reviewing_app
    ticket = root.create(SD, "Laptop will not boot", owner="alice")
    app.poller.run_once()
    bob.update(ticket, Owner="carol")  # a push: reverted and turned into a request to carol
    app.poller.run_once()
    (request,) = requests_to(app, ticket)
    assert holder_in_rt(ticket) == (SD, "alice")

    carol.comment(ticket, "/baton accept")
    assert app.poller.run_once().ok
    assert holder_in_rt(ticket) == (SD, "carol"), "the acceptance moved the ticket in RT"
    types = [e.entry_type for e in ledger(app, ticket)]
    assert types[-3:] == ["accepted", "applied", "review-asked"]

    carol.comment(ticket, "/baton review needed=no prepared=yes timely=right alice could have fixed it")
    assert app.poller.run_once().ok
    (review,) = [e for e in ledger(app, ticket) if e.entry_type == "reviewed"]
    assert (review.handoff_id, review.by, review.needed, review.prepared, review.timely, review.note, review.via) == (
        request.handoff_id,
        "carol",
        False,
        True,
        "right",
        "alice could have fixed it",
        "comment",
    )

    app.poller.run_once()  # Baton's own replies come back as comments: not commands, no reply to a reply
    replies = [e for e in root.history(ticket) if e["Type"] == "Comment" and e["Creator"]["id"] == "baton"]
    assert len(replies) == 3, "the revert note and one reply per command"
    assert len([e for e in ledger(app, ticket) if e.entry_type == "reviewed"]) == 1

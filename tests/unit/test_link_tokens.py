"""Accept/decline link tokens: bound to one request and one receiver, signed, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baton_itsm.core.notify.link_errors import ExpiredLink, InvalidLink
from baton_itsm.core.notify.links import LinkMaker
from baton_itsm.core.notify.tokens import LinkClaim, LinkSigner, token_id

SIGNER = LinkSigner(b"k" * 32)


def test_a_token_says_who_may_answer_which_request_until_when(clock):
    claim = LinkClaim("h1", "carol", clock.now() + timedelta(hours=72))
    assert SIGNER.verify(SIGNER.sign(claim), clock.now()) == claim


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("v1.", "v2.", 1),
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.rsplit(".", 1)[0],
        lambda t: "",
    ],
)
def test_an_altered_token_is_invalid(clock, tamper):
    token = SIGNER.sign(LinkClaim("h1", "carol", clock.now() + timedelta(hours=1)))
    with pytest.raises(InvalidLink):
        SIGNER.verify(tamper(token), clock.now())


def test_a_token_cannot_be_moved_to_another_receiver_or_deployment(clock):
    mine = SIGNER.sign(LinkClaim("h1", "carol", clock.now() + timedelta(hours=1)))
    franks = SIGNER.sign(LinkClaim("h1", "frank", clock.now() + timedelta(hours=1)))
    spliced = ".".join([*franks.split(".")[:2], mine.split(".")[2]])  # frank's payload, carol's signature
    with pytest.raises(InvalidLink):
        SIGNER.verify(spliced, clock.now())
    with pytest.raises(InvalidLink):
        LinkSigner(b"another deployment's key").verify(mine, clock.now())


def test_a_token_expires(clock):
    token = SIGNER.sign(LinkClaim("h1", "carol", clock.now() + timedelta(hours=1)))
    with pytest.raises(ExpiredLink):
        SIGNER.verify(token, clock.now() + timedelta(hours=1))


def test_single_use_is_per_request_and_receiver():
    assert token_id("h1", "carol") == LinkClaim("h1", "carol", None).token_id
    assert len({token_id("h1", "carol"), token_id("h1", "frank"), token_id("h2", "carol")}) == 3


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        LinkSigner(b"short")


def test_links_point_at_the_web_app_and_expire_with_the_settings(clock):
    maker = LinkMaker("https://baton.example.com", SIGNER, timedelta(hours=72))
    links = maker.for_receiver("h1", "carol", clock.now())
    assert links["accept"].startswith("https://baton.example.com/handoff/accept?t=v1.")
    assert links["decline"].startswith("https://baton.example.com/handoff/decline?t=v1.")
    assert links["expires_at"] == (clock.now() + timedelta(hours=72)).isoformat()

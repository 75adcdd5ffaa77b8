"""A claim of deliveries as rounds: each round one transaction with at most one delivery per ticket, in order."""

from baton_itsm.core.usecases.intake_batches import rounds_of


def test_the_n_th_round_holds_each_ticket_s_n_th_delivery():
    claimed = {1: "rt:7", 2: "rt:8", 3: "rt:7", 4: "rt:9", 5: "rt:7", 6: "rt:8"}
    assert rounds_of(claimed) == [[1, 2, 4], [3, 6], [5]]


def test_a_delivery_without_a_ticket_makes_a_round_of_its_own():
    assert rounds_of({1: "rt:7", 2: None, 3: "rt:7"}) == [[1], [3], [2]]


def test_nothing_claimed_is_no_round():
    assert rounds_of({}) == []

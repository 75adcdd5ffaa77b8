"""paused_gc: the collector is off inside the block and as it was after it, even on an error."""

from __future__ import annotations

import gc

import pytest

from baton_itsm.core.runtime.gcpause import paused_gc


def test_the_collector_is_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

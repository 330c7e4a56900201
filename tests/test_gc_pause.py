"""Collection waits inside `gc_pause.paused()` and comes back as it was."""

from __future__ import annotations

import gc
import threading

import pytest

from autotrack import gc_pause


def test_paused_blocks_nest_and_restore_collection():
    assert gc.isenabled()
    with gc_pause.paused():
        assert not gc.isenabled()
        with gc_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with gc_pause.paused():
            raise ValueError("a failing step")
    assert gc.isenabled()


def test_collection_the_program_turned_off_stays_off():
    gc.disable()
    try:
        with gc_pause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_blocks_share_one_pause():
    inside, release = threading.Event(), threading.Event()

    def other():
        with gc_pause.paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(10)
    with gc_pause.paused():
        pass
    assert not gc.isenabled()  # the other thread's block has not ended
    release.set()
    thread.join(10)
    assert gc.isenabled()

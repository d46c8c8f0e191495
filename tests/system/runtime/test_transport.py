"""system.runtime.transport: the selector Thespian's loop gets reports what selectors would.

The rest of the transport patch (a send that completes waits for its ACK in the same turn, no
pause on EAGAIN) is exercised by every real system of the suite; the big-message round trip is
in test_quiet.py.
"""

from __future__ import annotations

import os
import selectors
import socket

import pytest
from thespian.system.transport import TCPTransport as tcp_module

from upbit_actors.system.runtime import transport


def test_thespians_loop_uses_the_one_call_selector() -> None:
    assert transport.applied()
    assert tcp_module.selectors.DefaultSelector is transport._PollOnce


def test_readable_and_writable_are_reported_as_registered() -> None:
    a, b = socket.socketpair()
    with a, b:
        sel = transport._PollOnce()
        sel.register(a.fileno(), selectors.EVENT_READ)
        sel.register(b, selectors.EVENT_WRITE)  # a file object, as selectors accepts
        assert [(k.fd, e) for k, e in sel.select(0)] == [(b.fileno(), selectors.EVENT_WRITE)]
        b.send(b"x")
        got = {k.fd: e for k, e in sel.select(0)}
        assert got == {a.fileno(): selectors.EVENT_READ, b.fileno(): selectors.EVENT_WRITE}
        sel.close()


def test_a_hang_up_wakes_a_reader_and_nothing_else_waits() -> None:
    a, b = socket.socketpair()
    with a:
        sel = transport._PollOnce()
        sel.register(a.fileno(), selectors.EVENT_READ)
        assert sel.select(0) == []  # nothing yet: a zero timeout returns at once
        b.close()
        [(key, event)] = sel.select(1.0)
        assert (key.fd, event) == (a.fileno(), selectors.EVENT_READ)  # read -> b"" -> closed


def test_a_bad_descriptor_raises_what_thespians_loop_handles() -> None:
    # Thespian catches ValueError/OSError from the selector and searches its watches for the bad
    # one (TCPTransport._runWithExpiry); the selector must not hide a closed descriptor.
    sel = transport._PollOnce()
    with pytest.raises(ValueError):
        sel.register(-1, selectors.EVENT_READ)
    r, w = os.pipe()
    os.close(r)
    os.close(w)
    sel.register(r, selectors.EVENT_READ)
    with pytest.raises(ValueError):
        sel.select(0)

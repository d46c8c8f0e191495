"""system.runtime.transport: the selector Thespian's loop gets reports what selectors would.

The rest of the transport patch (a send that completes waits for its ACK in the same turn, no
pause on EAGAIN) is exercised by every real system of the suite; the big-message round trip is
in test_quiet.py.
"""

from __future__ import annotations

import os
import select
import selectors
import socket
import threading

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


def _message(payload: bytes) -> bytes:
    return b"%d>" % len(payload) + payload


@pytest.mark.parametrize("size", [17, 18, 5000, 300_000])
def test_a_message_is_read_whole_and_never_past_its_end(size: int) -> None:
    # Thespian reads 20 bytes first; the rest of the message is taken in the same step as far as
    # the socket holds it, and the next message (a peer's own, after its ACK) stays for later.
    first, second = _message(b"a" * size), _message(b"next")
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)
        sender = threading.Thread(target=b.sendall, args=(first + second,))
        sender.start()
        got = b""
        while not got:
            select.select([a], [], [])
            got = transport._whole(a, a.recv(20))
        while len(got) < len(first):  # a message bigger than the socket's buffer: the loop's reads
            select.select([a], [], [])
            got += a.recv(len(first) - len(got))
        sender.join()
        assert got == first
        assert a.recv(100) == second


def test_the_rest_not_there_yet_or_no_header_leaves_the_first_read_alone() -> None:
    a, b = socket.socketpair()
    with a, b:
        a.setblocking(False)
        b.sendall(_message(b"x" * 50)[:30])
        first = a.recv(20)
        assert transport._whole(a, first) == first + _message(b"x" * 50)[20:30]
        assert transport._whole(a, b"garbage without a size") == b"garbage without a size"
        assert transport._whole(a, b"12x>abc") == b"12x>abc"

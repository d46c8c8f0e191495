"""Thespian's TCP send step, at wire speed: no 20 ms sleep when a socket buffer is full.

Why (the data-plane issue; THESPIAN.md, Speed): a batch message of a few hundred KB fills the
socket's send buffer, ``send`` answers EAGAIN, and Thespian's ``_next_XMIT_2`` then calls
``intent.backoffPause(True)``: the transmit is left out of the select's write set for at least
``MIN_BACKOFF_DELAY`` (20 ms, growing by 1.7x). A full buffer on loopback drains in microseconds,
so each big batch cost tens of milliseconds of idle time per hop (measured: ~37 ms per router ->
component round trip at 20k frames/s, both processes mostly idle). Each partial send also copied
the rest of the message (``serMsg[amtSent:]``).

The wait for the receiver's ACK (``_next_XMIT_4``) paused the same way when the ACK had not
arrived yet (EAGAIN on a recv the loop made without select saying so).

Each message also paid for Thespian's main loop more than it needed (measured with two actors
exchanging one small message at a time, 2026-12-05: ~340 us of CPU per message per process):
- once the last byte was sent, the transmit waited one more turn of the loop (a select for
  "writable", always true at once) just to move on to waiting for the ACK;
- every turn of the loop builds a new ``selectors.DefaultSelector``: an epoll instance created,
  each socket registered with a system call of its own, then closed (these two together: ~245 us
  per message per process, -27 %);
- every message and every ACK was read in two parts a loop turn apart: Thespian reads the first
  20 bytes (the ``<size>>`` header and a little), its ACKs are 21 bytes, so even an ACK took a
  second ``poll`` and pass. ``_whole`` reads the rest of the message that the socket holds in the
  same step, never past its end: a round trip of two actors ~470-590 -> ~310-340 us.

How: the same steps, with these changes. A send that completes moves straight on to the ACK wait
(``_next_XMIT_3`` in the same turn). The loop's selector is ``_PollOnce``: one ``poll`` call per
turn, no descriptor of its own (``TCPTransport``'s module-level ``selectors`` is replaced by a
namespace that offers it as ``DefaultSelector``). EAGAIN keeps the transmit in the write set (select wakes
the loop when the socket can take more, which is what the pause was standing in for), and the
partial send goes through a ``memoryview`` (no copy). Every other outcome (refused, other socket
errors, unexpected exceptions) is handled exactly as Thespian does. The backoff still applies
where it is meant to: connection retries and dead peers. Applied on import (``system.runtime``
imports this module), so forked actor processes, the admin and the logger inherit it.
"""

from __future__ import annotations

import logging
import select
import selectors
import types
from typing import Any

from thespian.system.transport import SendStatus
from thespian.system.transport import TCPTransport as _tcp_module
from thespian.system.transport.errmgmt import (
    err_recv_inprogress,
    err_recv_retry,
    err_send_connrefused,
    err_send_inprogress,
)
from thespian.system.transport.TCPTransport import TCPTransport
from thespian.system.utilis import thesplog

from upbit_actors.system.errors import BadDescriptor

__all__ = ["applied"]

_MAX_READ = 1_024_000
"""Bytes of one read at most (Thespian's own bound for an incoming message)."""


def _send_step(self: Any, intent: Any) -> bool:
    """``TCPTransport._next_XMIT_2`` (connected, ready to send), without the pause on EAGAIN."""
    sock = getattr(intent, "socket", None)
    if sock is None:
        intent.stage = self._XMITStepRetry
        return self._nextTransmitStep(intent)
    data = intent.serMsg
    view = getattr(intent, "_upbit_view", None)
    if view is None or view.obj is not data:
        view = intent._upbit_view = memoryview(data)
    try:
        intent.amtSent += sock.send(view[intent.amtSent:])
    except OSError as err:
        if err_send_inprogress(err):
            return True  # the buffer is full (or the connect is under way): select waits for it
        if err_send_connrefused(err):
            thesplog("ConnRefused to %s; declaring as DeadTarget.", intent.targetAddr, level=logging.INFO)
            return self._finishIntent(intent, SendStatus.DeadTarget)
        thesplog("Socket error sending to %s on %s: %s / %s: %s", intent.targetAddr, sock, str(err),
                 err.errno, intent, level=logging.ERROR)
        intent.stage = self._XMITStepRetry
        return self._nextTransmitStep(intent)
    except Exception:  # noqa: BLE001 - as Thespian: log, then retry the transmit
        import traceback

        thesplog("Error sending: %s", traceback.format_exc(), level=logging.ERROR)
        intent.stage = self._XMITStepRetry
        return self._nextTransmitStep(intent)
    if intent.amtSent >= len(data):
        intent.stage = self._XMITStepShutdownWrite
        intent._upbit_view = None
        return self._nextTransmitStep(intent)  # on to the ACK wait now, not a loop turn later
    return True


_thespian_ack_step = TCPTransport._next_XMIT_4


def _whole(sock: Any, first: bytes) -> bytes:
    """``first`` (the first bytes of a message: its ``<size>>`` header and more) plus what the
    socket holds now of the rest of that message; never reads past it. Thespian reads the first
    20 bytes of every message (its ACKs are 21) and the rest only after another turn of its loop,
    a ``poll`` and a pass over every socket and timer later."""
    mark = first.find(b">")
    if mark <= 0 or not first[:mark].isdigit():
        return first  # Thespian's buffer judges it
    missing = mark + 1 + int(first[:mark]) - len(first)
    if missing <= 0:
        return first
    try:
        more = sock.recv(min(missing, _MAX_READ))
    except OSError:  # not there yet, or a failure the loop's next read meets and handles
        return first
    return first + more


def _ack_step(self: Any, intent: Any) -> bool:
    """``TCPTransport._next_XMIT_4`` (wait for the receiver's ACK), without the pause when the
    ACK is not there yet: the transmit stays in the read set and select wakes it. The whole ACK
    is read at once (``_whole``)."""
    try:
        empty = intent.ackbuf.is_empty()
        rcv = intent.socket.recv(intent.ackbuf.remainingAmount())
        if rcv and empty:
            rcv = _whole(intent.socket, rcv)
    except OSError as err:
        if err_recv_retry(err.errno):
            return True
        return _thespian_ack_step(self, intent)  # its error paths (this recv fails the same way)
    if not rcv:
        return _closed_before_ack(self, intent)
    return self._check_XMIT_4_done(intent, rcv)


def _incoming_step(self: Any, inc: Any, has_exclusive_flag: bool = False) -> Any:
    """``TCPTransport._handleReadableIncoming`` (read a message being received), reading what
    the socket holds of the whole message at once (``_whole``); otherwise Thespian's steps."""
    try:
        empty = inc._rData.is_empty()
        rdata = inc.socket.recv(min(_MAX_READ, inc.remainingSize()))
        if rdata and empty:
            rdata = _whole(inc.socket, rdata)
        inc.failCount = 0
    except OSError as err:
        inc.failCount = getattr(inc, "failCount", 0) + 1
        if err_recv_inprogress(err.errno) and inc.failCount < _tcp_module.MAX_CONSECUTIVE_READ_FAILURES:
            inc.backoffPause(True)
            return inc
        inc.close()
        return None
    if not rdata:  # select said readable: the peer closed before the message was whole
        inc.close()
        return None
    try:
        inc.addData(rdata)
    except Exception:  # noqa: BLE001 - as Thespian: bad data, the socket is closed
        thesplog("corrupted incoming data; closing socket", level=logging.WARNING)
        inc.close()
        return None
    return self._addedDataToIncoming(inc, has_exclusive_flag=has_exclusive_flag)


def _closed_before_ack(self: Any, intent: Any) -> bool:
    intent.backoffPause(True)  # as Thespian: the peer closed; retry after the backoff
    intent.stage = self._XMITStepRetry
    return self._nextTransmitStep(intent)


_POLL_MASK = (0, select.POLLIN | select.POLLPRI, select.POLLOUT, select.POLLIN | select.POLLPRI | select.POLLOUT)
"""selectors events (EVENT_READ 1, EVENT_WRITE 2, both 3) -> poll mask."""


class _Key:
    """What Thespian's loop reads of a selector key: the descriptor."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd


class _PollOnce:
    """The part of ``selectors.BaseSelector`` that ``TCPTransport._runWithExpiry`` uses, for one
    turn of its loop: ``register`` only notes the descriptor, ``select`` makes one ``poll`` call
    (no descriptor limit, unlike ``select``), ``close`` has nothing to release. Events are
    reported as ``selectors.PollSelector`` reports them."""

    __slots__ = ("_events",)

    def __init__(self) -> None:
        self._events: dict[int, int] = {}
        """Descriptor -> the selectors events registered for it."""

    def register(self, fileobj: Any, events: int) -> None:
        fd = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        if fd < 0:
            raise BadDescriptor(f"invalid file descriptor: {fd}")  # as selectors (the EBADF path)
        self._events[fd] = self._events.get(fd, 0) | events

    def select(self, timeout: float | None = None) -> list[tuple[_Key, int]]:
        poller = select.poll()
        for fd, events in self._events.items():
            poller.register(fd, _POLL_MASK[events])
        wait = None if timeout is None else max(0, int(timeout * 1000 + 0.999))  # ms, rounded up
        ready = []
        for fd, event in poller.poll(wait):
            if event & select.POLLNVAL:
                raise BadDescriptor(f"bad file descriptor {fd}")  # Thespian's loop finds which
            found = (selectors.EVENT_WRITE if event & ~select.POLLIN else 0) | (
                selectors.EVENT_READ if event & ~select.POLLOUT else 0)
            ready.append((_Key(fd), found & self._events[fd]))
        return ready

    def close(self) -> None:
        self._events.clear()


_SELECTORS = types.SimpleNamespace(DefaultSelector=_PollOnce, EVENT_READ=selectors.EVENT_READ,
                                   EVENT_WRITE=selectors.EVENT_WRITE)
_tcp_module.selectors = _SELECTORS

for _step in (_send_step, _ack_step, _incoming_step):
    _step._upbit_fast = True  # type: ignore[attr-defined]
if not getattr(TCPTransport._next_XMIT_2, "_upbit_fast", False):
    TCPTransport._next_XMIT_2 = _send_step
    TCPTransport._next_XMIT_4 = _ack_step
    TCPTransport._handleReadableIncoming = _incoming_step


def applied() -> bool:
    """True when Thespian's TCP transport sends and waits for ACKs with this module's steps."""
    return _tcp_module.selectors is _SELECTORS and all(
        getattr(step, "_upbit_fast", False)
        for step in (TCPTransport._next_XMIT_2, TCPTransport._next_XMIT_4, TCPTransport._handleReadableIncoming))

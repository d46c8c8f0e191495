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

How: the same steps, with these changes. EAGAIN keeps the transmit in the write set (select wakes
the loop when the socket can take more, which is what the pause was standing in for), and the
partial send goes through a ``memoryview`` (no copy). Every other outcome (refused, other socket
errors, unexpected exceptions) is handled exactly as Thespian does. The backoff still applies
where it is meant to: connection retries and dead peers. Applied on import (``system.runtime``
imports this module), so forked actor processes, the admin and the logger inherit it.
"""

from __future__ import annotations

import logging
from typing import Any

from thespian.system.transport import SendStatus
from thespian.system.transport.errmgmt import err_recv_retry, err_send_connrefused, err_send_inprogress
from thespian.system.transport.TCPTransport import TCPTransport
from thespian.system.utilis import thesplog

__all__ = ["applied"]


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
    return True


_thespian_ack_step = TCPTransport._next_XMIT_4


def _ack_step(self: Any, intent: Any) -> bool:
    """``TCPTransport._next_XMIT_4`` (wait for the receiver's ACK), without the pause when the
    ACK is not there yet: the transmit stays in the read set and select wakes it."""
    try:
        rcv = intent.socket.recv(intent.ackbuf.remainingAmount())
    except OSError as err:
        if err_recv_retry(err.errno):
            return True
        return _thespian_ack_step(self, intent)  # its error paths (this recv fails the same way)
    if not rcv:
        return _closed_before_ack(self, intent)
    return self._check_XMIT_4_done(intent, rcv)


def _closed_before_ack(self: Any, intent: Any) -> bool:
    intent.backoffPause(True)  # as Thespian: the peer closed; retry after the backoff
    intent.stage = self._XMITStepRetry
    return self._nextTransmitStep(intent)


for _step in (_send_step, _ack_step):
    _step._upbit_fast = True  # type: ignore[attr-defined]
if not getattr(TCPTransport._next_XMIT_2, "_upbit_fast", False):
    TCPTransport._next_XMIT_2 = _send_step
    TCPTransport._next_XMIT_4 = _ack_step


def applied() -> bool:
    """True when Thespian's TCP transport sends and waits for ACKs with this module's steps."""
    return all(getattr(step, "_upbit_fast", False) for step in (TCPTransport._next_XMIT_2,
                                                                 TCPTransport._next_XMIT_4))

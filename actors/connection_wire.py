"""Sets on the wire within Upbit's own limit: the part of the connection shell that sends a
merged set on its socket (a base class of ``ConnectionActor``).

| Accepts (from the subclass)  | Emits                                                            |
|------------------------------|------------------------------------------------------------------|
| a set the limiter admitted   | the request on the socket and ``RequestSent`` to the limiter; if |
| (``_send_request``)          | the socket had 4 messages in the last 1.25 s (or 90 in the last  |
|                              | 61 s), the set is held and sent when a slot frees (the newest    |
|                              | held set wins), ``held_sets`` counted in status                  |

Why a second guard behind the limiter: ``system.connection.wire``. It uses the subclass's socket
(``_link``), state (``_conn``) and ``_lost``.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import MergedSubscription, RequestSent
from upbit_actors.system.connection.auth import AUTH_CONFIRM_AFTER
from upbit_actors.system.wire.requests import encode_request
from upbit_actors.system.wire.wslink import LinkError

__all__ = ["WireGuarded"]


class WireGuarded(BaseActor):
    """Sends sets on the socket, never past Upbit's per-connection limit (module docstring)."""

    _conn: Any
    _link: Any

    def __init__(self) -> None:
        super().__init__()
        self._held: tuple[int, MergedSubscription] | None = None
        """(socket epoch, set) waiting for a slot on the wire."""
        self.held_sets = 0

    def _send_request(self, msg: MergedSubscription) -> None:
        """Put ``msg`` on the open socket now, or as soon as Upbit's limit allows."""
        wait = self._conn.wire.wait(time.monotonic())
        if wait > 0:
            self._held = (self._conn.epoch, msg)
            self.held_sets += 1
            self.schedule(wait, "held_set")
            return
        try:
            self._link.send_text(encode_request(msg, ticket=f"upbit-actors-{self._conn.epoch}"))
        except LinkError as exc:
            self._lost(str(exc))
            return
        if self._conn.on_request_sent(time.monotonic(), msg):
            self.schedule(AUTH_CONFIRM_AFTER, "auth_confirm")
        self.send(self.directory.get("limiter"), RequestSent(
            endpoint=self.endpoint, epoch=self._conn.epoch, generation=msg.generation, sent_at=time.time()))

    def on_tick(self, purpose: str) -> None:
        if purpose != "held_set" or self._held is None:
            return
        (epoch, msg), self._held = self._held, None
        if self._link is not None and epoch == self._conn.epoch:  # the same socket, still open
            self._send_request(msg)

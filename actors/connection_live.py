"""The live set checked (issue 13 item 5): the base class of ``ConnectionActor`` that asks Upbit what
a socket carries.

| Accepts                      | Emits                                                            |
|------------------------------|------------------------------------------------------------------|
| ``ListSubscriptionsGranted`` | the ``LIST_SUBSCRIPTIONS`` request on that socket, in the        |
|                              | connection's own format (SPEC §2.1 rule 4)                       |
| (answers among the frames)   | taken off before the router; on a mismatch a warning and         |
|                              | ``ResendSubscription`` to the limiter; counted in status         |

When a check is due (after each set sent, and every ``HubConfig.live_check_interval``) is the rate
limiter's decision, within the message budget (``system.limiter.budget``); what an answer means is
``system.connection.livecheck``'s. A part of the connection shell, split off to keep
``actors.connection`` within the size bound: it uses the subclass's socket (``_link``), its state
(``_conn``: epoch, the set last sent) and ``_lost``; ``on_readable`` passes what it read through
``_listed``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import attrs

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import ActorStatus, ListSubscriptionsGranted
from upbit_actors.system.connection.livecheck import LiveCheck
from upbit_actors.system.wire.wslink import LinkError

__all__ = ["LiveChecked"]


class LiveChecked(BaseActor):
    """LIST_SUBSCRIPTIONS checks of one connection (see the module docstring)."""

    _conn: Any
    _link: Any

    def __init__(self) -> None:
        super().__init__()
        self._live = LiveCheck()

    def receiveMsg_ListSubscriptionsGranted(self, msg: ListSubscriptionsGranted, sender: Any) -> None:
        self._live.endpoint = msg.endpoint
        if self._conn.wire.wait(time.monotonic()) > 0:
            return  # the socket is at Upbit's limit (actors.connection_wire): the next check will do
        socket = self._conn.epoch if self._link is not None else None
        request = self._live.begin(msg.epoch, socket, self._conn.sent, time.monotonic())
        if request is None:
            return  # granted for a socket that is gone: its successor gets its own checks
        try:
            self._link.send_text(request)
        except LinkError as exc:
            self._lost(str(exc))
            return
        self._conn.wire.on_send(time.monotonic())

    def _listed(self, frames: Sequence[bytes]) -> Sequence[bytes]:
        """``frames`` without the answers to our requests, which are judged here."""
        rest, verdicts = self._live.take(frames, self._conn.epoch, self._conn.sent, time.monotonic())
        for verdict in verdicts:
            if verdict.matched:
                continue
            self.log.warning("%s: Upbit's live set differs from the set sent: %s%s", self.role, verdict.detail,
                             "; sending the set again" if verdict.resend else "")
            if verdict.resend is not None:
                self.send(self.directory.get("limiter"), verdict.resend)
        return rest

    def status_report(self) -> ActorStatus:
        report = super().status_report()
        return attrs.evolve(report, details=report.details + tuple(self._live.status().items()))

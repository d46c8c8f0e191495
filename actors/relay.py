"""The relay: a component that hands its events to plain Python code outside the actor system.

``Hub.stream`` spawns one per stream: its parameters name the specs to subscribe, and the bot's
listening thread sends it ``Attach`` from a private Thespian endpoint. From then on every
``EventBatch``, rejection and alert goes to that endpoint; the thread's ``BatchAck`` travels back
through the relay to the router, so a slow consumer slows only its own relay's buffer.

| Accepts                   | Emits                                           |
|---------------------------|-------------------------------------------------|
| ``Attach``                | everything below, to the attached endpoint      |
| ``EventBatch``            | the batch, to the endpoint (ack deferred)       |
| ``BatchAck`` (endpoint)   | ``BatchAck`` to the router                      |
| rejections, alerts        | forwarded to the endpoint                       |
"""

from __future__ import annotations

from upbit_actors.actors.component import Component
from upbit_actors.messages import Attach, BatchAck, EventBatch, StreamSpec

__all__ = ["EARLY_LIMIT", "Relay"]

EARLY_LIMIT = 100
"""Messages kept for an endpoint that has not attached yet; more are dropped and counted."""


class Relay(Component):
    """Forwards to one external endpoint; subscribes to ``params['specs']`` on start."""

    def __init__(self) -> None:
        super().__init__()
        self._endpoint = None
        self._router = None
        self._early: list = []

    def on_start(self) -> None:
        for spec in self.params.get("specs", ()):
            spec = spec if isinstance(spec, StreamSpec) else StreamSpec(**spec)
            self._wanted[spec] = None
        if self._wanted:
            self._sync()

    def receiveMsg_Attach(self, msg: Attach, sender) -> None:
        self._endpoint = sender
        early, self._early = self._early, []
        for item in early:
            self.send(sender, item)

    def receiveMsg_EventBatch(self, msg: EventBatch, sender) -> None:
        self._router = sender
        self.events_received += len(msg.events)
        self.events_dropped += msg.dropped
        self._forward(msg)

    def receiveMsg_BatchAck(self, msg: BatchAck, sender) -> None:
        if self._router is not None:
            self.send(self._router, msg)

    def on_rejected(self, msg) -> None:
        self._forward(msg)

    def on_alert(self, msg) -> None:
        self._forward(msg)

    def _forward(self, msg) -> None:
        if self._endpoint is None:
            # Nobody attached yet: keep a bounded backlog (the router holds the rest, since the
            # ack is deferred until the endpoint acknowledges).
            if len(self._early) < EARLY_LIMIT:
                self._early.append(msg)
            else:  # counted, never silent (ActorStatus.drops)
                self.drops += len(msg.events) if isinstance(msg, EventBatch) else 1
            return
        self.send(self._endpoint, msg)

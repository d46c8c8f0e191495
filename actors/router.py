"""The router: hands each consumer its raw frames, one batch in flight each; never decodes data.

| Accepts               | Emits                                                                  |
|-----------------------|------------------------------------------------------------------------|
| ``RoutingTable``      | cached snapshots to new holders (``EventFrames``)                      |
| ``FrameBatch``        | ``EventFrames(batch_id)`` per consumer (no reply: Thespian's transport |
|                       | ACK returns the connection's credit); ``StreamAlert(upbit_error)``     |
|                       | to the consumers of that                                               |
|                       | endpoint for an Upbit error frame                                      |
| (the transport ACK of | the consumer's next ``EventFrames`` (with its ``Loss`` notices); no    |
|  an ``EventFrames``)  | reply message: a consumer's process takes a batch once it handled the  |
|                       | one before                                                             |
| (a ``block`` consumer | ``StreamAlert(consumer_behind)`` to the supervisor, for the owner      |
|  past its limit)      |                                                                        |
| ``StreamAlert``       | forwarded to the components of its endpoint                            |
| ``AuthFailed``        | ``StreamAlert(auth_failed)`` to the private components; when retries  |
|                       | stopped, also to every component that subscribes later, until the     |
|                       | connection opens again                                                 |
| ``ConnectionOpened``  | ``StreamAlert(connection_restored)`` after a loss                      |
| ``ConnectionLost``    | ``StreamAlert(connection_lost)``                                       |
| ``Directory``         | a restarted connection actor: ``StreamAlert(connection_lost)`` (its    |
|                       | socket died with it); its ``ConnectionOpened`` restores                |
| ``ComponentExited``   | drops the component's buffer                                           |
| ``SnapshotQuery``     | ``SnapshotsSeen``: which streams produced an event (registry checks)    |
| ``Tick`` (flush/ack)  | batches that became ready (ack timeouts)                               |
| a new epoch,          | ``Gap`` markers, held trades, ``BackfillRequest``: the mixin          |
| ``BackfillDone``      | ``RouterGaps`` (``actors/router_gaps.py``)                             |

Decisions live in ``system.router.state.RoutingState``. The router reads only the routing facts
of each frame (``system.wire.codec.peek``: type, code, stream type, orderbook shape, candle
period) and forwards the frame's bytes; each consumer decodes its own events, in its own process.
A consumer is a component actor or a ``Hub.stream`` thread (both hold routes in the registry's
table). Frames that are not data (Upbit errors, status, listings, garbage) take the slow path:
decoded here, alerted or counted.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from operator import attrgetter
from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.actors.router_gaps import RouterGaps
from upbit_actors.messages import (
    AuthFailed,
    ComponentExited,
    ConnectionLost,
    ConnectionOpened,
    DataType,
    DecodeError,
    Endpoint,
    EventFrames,
    FrameBatch,
    RoutingTable,
    StreamAlert,
    UpbitError,
)
from upbit_actors.messages.rest import SnapshotQuery, SnapshotsSeen
from upbit_actors.system.metrics.histogram import LatencyHistogram
from upbit_actors.system.router.consumers import Delivery
from upbit_actors.system.router.state import RoutingState
from upbit_actors.system.wire.codec.peek import SEPARATOR, Peek, peek, peek_slow

__all__ = ["RouterActor"]

_DATA_TYPE = attrgetter("data_type")


def _by_type(counts: Counter[DataType]) -> dict[str, int]:
    return {data_type.value: n for data_type, n in sorted(counts.items())}


class RouterActor(RouterGaps, BaseActor):
    """Shell around ``RoutingState`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.state: RoutingState | None = None
        self._table: RoutingTable | None = None
        self.decode_errors = 0
        self.upbit_errors = 0
        self.frames = 0
        self.unconfigured_frames = 0
        """Frames that arrived before this router's ``Configure`` (acknowledged, not routed)."""
        self._lost: set[Endpoint] = set()
        self._gave_up: dict[Endpoint, StreamAlert] = {}
        """Endpoints whose connection stopped retrying (auth), with the alert a newcomer gets."""
        self._early_table: RoutingTable | None = None
        self._connections: dict[Endpoint, Any] = {}
        """The connection actors' addresses: a new one means the old actor died (a restart)."""
        # Monitoring (system.metrics): counted per batch in C (Counter.update), no per-event work
        # in Python; the ack latency is per batch (EventFrames sent -> its transport ACK).
        self.events_in: Counter[DataType] = Counter()
        self.events_out: Counter[DataType] = Counter()
        self.ack_latency = LatencyHistogram()

    def on_directory(self) -> None:
        """A connection actor that was restarted (killed, crashed) lost its socket, and with it
        whatever was in flight: its consumers hear it like a dropped socket."""
        for endpoint in Endpoint:
            address = self.directory.get(f"connection.{endpoint.value}")
            known = self._connections.get(endpoint)
            if known is not None and address is not None and address != known:
                self._lost.add(endpoint)  # the new actor's ConnectionOpened restores it
                self._alert(StreamAlert(endpoint=endpoint, kind="connection_lost",
                                        detail="connection actor restarted: events in flight may be lost"))
            self._connections[endpoint] = address
        self.gaps_directory()

    def on_configure(self, msg) -> None:
        self._connections = {e: self.directory.get(f"connection.{e.value}") for e in Endpoint}
        if self.state is None:
            self.state = RoutingState.from_config(self.config)
            self.gaps_configure()
            # The registry may learn our address (new Directory) before our Configure arrives:
            # a table that came early is applied now.
            early, self._early_table = self._early_table, None
            if early is not None:
                self.receiveMsg_RoutingTable(early, None)

    # -- routes ----------------------------------------------------------------------------
    def receiveMsg_RoutingTable(self, msg: RoutingTable, sender) -> None:
        if self.state is None:
            if self._early_table is None or msg.generation > self._early_table.generation:
                self._early_table = msg
            return
        before = self._table
        if before is None or msg.generation > before.generation:
            self._table = msg
            self._alert_newcomers(before)
        self.state.on_routes_changed(msg, time.monotonic())
        self._flush()

    def receiveMsg_SnapshotQuery(self, msg: SnapshotQuery, sender) -> None:
        seen = self.state.seen(msg.keys) if self.state is not None else msg.keys  # unknown: no alert
        self.send(sender, SnapshotsSeen(check=msg.check, keys=seen))

    def receiveMsg_ComponentExited(self, msg: ComponentExited, sender) -> None:
        if self.state is not None:
            self.state.remove_component(msg.address)

    # -- data ------------------------------------------------------------------------------
    def receiveMsg_FrameBatch(self, msg: FrameBatch, sender) -> None:
        self.frames += len(msg.frames)
        if self.state is None:
            self.unconfigured_frames += len(msg.frames)  # counted, never silent
            return
        items = []
        append = items.append
        for frame in msg.frames:
            item = peek(frame)
            if item is not None:
                append(item)
            else:
                self._slow(frame, msg.endpoint, items)
        items = self.gaps_in(msg, items)  # a new epoch: gaps marked, held trades taken out
        self.events_in.update(map(_DATA_TYPE, items))
        self.state.on_events(msg.endpoint, msg.epoch, items, time.monotonic(), time.time())
        self._flush()

    def _slow(self, frame: bytes, endpoint: Endpoint, items: list[Peek]) -> None:
        """A frame ``peek`` could not read: decode it; keep its events, act on the rest."""
        for item in peek_slow(frame):
            if isinstance(item, Peek):
                items.append(item)
            elif isinstance(item, DecodeError):
                self.decode_errors += 1
                self.log.debug("router: undecodable frame: %s", item.reason)
            elif isinstance(item, UpbitError):
                self.upbit_errors += 1
                self._alert(StreamAlert(endpoint=endpoint, kind="upbit_error", detail=item.name,
                                        error=item))

    def _batch_done(self, component: Any, batch_id: int, sent: float, delivered: bool) -> None:
        """The consumer's process took batch ``batch_id`` (Thespian's transport ACK: it reads a
        message only once it handled the one before), or it could not: the consumer is gone,
        its events are counted lost. Either way the credit returns."""
        if self.state is None:
            return
        if delivered:
            self.ack_latency.observe(time.monotonic() - sent)
        self.state.batch_done(component, batch_id, delivered=delivered, wall=time.time())
        self._flush()

    def on_tick(self, purpose: str) -> None:
        if purpose == "flush":
            self._flush()
        elif purpose == "gaps":
            self.gaps_tick()

    def _flush(self) -> None:
        state = self.state
        if state is None:
            return
        now = time.monotonic()
        payloads: dict[tuple[int, ...], bytes] = {}
        for delivery in state.take_batches(now):
            self.send_acked(delivery.component, self._frames_of(delivery, payloads),
                            functools.partial(self._batch_done, delivery.component, delivery.batch_id, now))
            self.events_out.update(map(_DATA_TYPE, delivery.items))
        for address, name, data_type in state.behind():
            # A block consumer never loses events: its owner hears that it fell behind.
            self.send(self.directory.get("supervisor"), StreamAlert(
                endpoint=data_type.endpoint, kind="consumer_behind",
                detail=f"{name}: {data_type.value} events wait past its limit"))
        self.schedule_by(state.next_deadline(), "flush", now)

    @staticmethod
    def _frames_of(delivery: Delivery, payloads: dict[tuple[int, ...], bytes]) -> EventFrames:
        """The wire message of one delivery. Consumers of the same stream get the same items in
        the same pass: their payload is joined once (``payloads``, keyed by the items)."""
        items = delivery.items
        key = tuple(map(id, items))
        payload = payloads.get(key)
        if payload is None:
            payload = payloads[key] = SEPARATOR.join([item.frame for item in items])
        return EventFrames(payload=payload, count=len(items), dropped=delivery.dropped,
                           batch_id=delivery.batch_id, losses=delivery.losses)

    # -- alerts ----------------------------------------------------------------------------
    def receiveMsg_StreamAlert(self, msg: StreamAlert, sender) -> None:
        self._alert(msg)

    def receiveMsg_AuthFailed(self, msg: AuthFailed, sender) -> None:
        alert = StreamAlert(endpoint=msg.endpoint, kind="auth_failed", detail=msg.reason)
        if not msg.retrying:
            self._gave_up[msg.endpoint] = alert
        self._alert(alert)

    def receiveMsg_ConnectionLost(self, msg: ConnectionLost, sender) -> None:
        self._lost.add(msg.endpoint)
        self._alert(StreamAlert(endpoint=msg.endpoint, kind="connection_lost", detail=msg.reason))

    def receiveMsg_ConnectionOpened(self, msg: ConnectionOpened, sender) -> None:
        self._gave_up.pop(msg.endpoint, None)
        if msg.endpoint in self._lost:
            self._lost.discard(msg.endpoint)
            self._alert(StreamAlert(endpoint=msg.endpoint, kind="connection_restored"))

    def _alert_newcomers(self, before: RoutingTable | None) -> None:
        """A component that starts holding keys of an endpoint that gave up hears why at once
        (otherwise it would wait in silence for data that cannot come)."""
        if not self._gave_up or self._table is None:
            return
        held_before = {(str(r.component), k.data_type.endpoint)
                       for r in (before.routes if before is not None else ()) for k in r.keys}
        for route in self._table.routes:
            for endpoint in {k.data_type.endpoint for k in route.keys} & set(self._gave_up):
                if (str(route.component), endpoint) not in held_before:
                    self.send(route.component, self._gave_up[endpoint])

    def _alert(self, alert: StreamAlert) -> None:
        """Send ``alert`` to every component holding a key on its endpoint."""
        if self._table is None:
            return
        for route in self._table.routes:
            if any(k.data_type.endpoint is alert.endpoint for k in route.keys):
                self.send(route.component, alert)

    # -- status ----------------------------------------------------------------------------
    def status_details(self) -> dict[str, Any]:
        base = self.state.status() if self.state is not None else {}
        return {"frames": self.frames, "events_in": _by_type(self.events_in),
                "events_out": _by_type(self.events_out), "ack_latency": self.ack_latency.as_dict(),
                "decode_errors": self.decode_errors,
                "upbit_errors": self.upbit_errors, "unconfigured_frames": self.unconfigured_frames,
                **self.gaps_status(), **base}

    def status_report(self):
        if self.state is not None:  # the drops are the buffers' (each component's policy)
            self.drops = sum(int(o.get("dropped", 0) or 0)
                             for o in self.state.status()["components"].values() if isinstance(o, dict))
        return super().status_report()

    def status_queue_depth(self) -> int:
        if self.state is None:
            return 0
        total = 0
        for outbox in self.state.status()["components"].values():
            if isinstance(outbox, dict):
                total += int(outbox.get("buffered", 0) or 0)
        return total

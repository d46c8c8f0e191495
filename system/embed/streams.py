"""``EventStream``: the events of one stream in plain Python, for bot code that is not an actor.

A stream is a consumer of its own, without an actor: a thread with its own Thespian endpoint
(``ActorSystem.private()``) sends the registry its subscription (a ``SetSubscriptions``, like a
component), receives ``EventFrames`` straight from the router, decodes them here and hands the
events to a bounded queue or a callback. The router's credit for this stream is Thespian's
transport ACK, sent when this thread reads the next batch, which it does only once the last one
is handed over: a slow reader slows its own buffer in the router (bounded, with its stated
overflow policy) and nothing else. When the registry is restarted, the stream sends its set to
the new one (it watches the hub's directory). ``close`` tells the registry it is gone, which
releases its subscription.

Exception tree: ``HubError`` when the stream's thread cannot start talking to the tree.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from upbit_actors.messages import (
    ComponentExited,
    EventFrames,
    Gap,
    Loss,
    SetSubscriptions,
    StreamAlert,
    StreamSpec,
    SubscriptionRejected,
)
from upbit_actors.system.errors import HubError
from upbit_actors.system.wire.codec.batch import Decoder

__all__ = ["EventStream"]

START_TIMEOUT = 10.0
"""Seconds for a new stream's thread to send its subscription."""
LOSSES_KEPT = 1_000
"""``Loss`` notices a stream keeps (each sums many events; the counts are in ``dropped``)."""
LISTEN = 0.2
"""Seconds of one wait for a message; also how soon a closed stream or a new registry is seen."""


class EventStream:
    """Events of one subscription, delivered on a thread of their own.

    Iterate it (``for event in stream``), or give ``callback`` to ``Hub.stream``. ``alerts`` and
    ``rejections`` collect what is not an event; ``dropped`` counts what the router's overflow
    policy dropped or replaced for this stream; ``undecodable`` frames the codec could not read.
    ``close`` releases the subscription and stops the thread.
    """

    def __init__(self, hub: Any, name: str, spec: StreamSpec, *,
                 callback: Callable[[Any], None] | None = None, maxsize: int, gaps: bool = False) -> None:
        self.name = name
        self.spec = spec
        self._hub = hub
        self._callback = callback
        self._queue: queue.Queue = queue.Queue(maxsize)
        self.alerts: list[StreamAlert] = []
        self.rejections: list[SubscriptionRejected] = []
        self.received = 0
        self.dropped = 0
        self.undecodable = 0
        self.duplicates = 0
        """Trades left out because this stream already had them (a snapshot after a reconnect)."""
        self.gaps: deque[Gap] = deque(maxlen=LOSSES_KEPT)
        """Gap notices, newest last (also handed over in order with the events with ``gaps=True``)."""
        self._gap_events = gaps
        self.losses: deque[Loss] = deque(maxlen=LOSSES_KEPT)
        """What the overflow policy took, by type and reason (newest last)."""
        self._decoder = Decoder()
        self._instance = uuid.uuid4().hex
        self._seq = 0
        self._stop = threading.Event()
        self._closed = False
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self.ended: str | None = None
        """Why the stream ended by itself (its thread failed, or the tree gave up); None while
        it runs or after ``close``."""
        self._thread = threading.Thread(target=self._run, name=f"upbit-stream-{name}", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT) or self._failure is not None:
            self._stop.set()
            raise HubError(f"stream {name!r} could not start: {self._failure or 'timed out'}")

    # -- the stream's thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            with self._hub._asys.private() as ctx:
                me = ctx._systemBase.transport.myAddress  # where the router sends our frames
                registry = self._subscribe(ctx, None)
                self._started.set()
                while not self._stop.is_set():
                    registry = self._subscribe(ctx, registry)  # again if the registry changed
                    msg = ctx.listen(LISTEN)
                    if msg is not None:
                        self._receive(ctx, msg)
                if registry is not None:
                    ctx.tell(registry, ComponentExited(address=me, name=self.name,
                                                       instance=self._instance))
        except BaseException as exc:  # noqa: BLE001 - reported by __init__ or ends the stream
            self._failure = exc
            self.ended = f"{type(exc).__name__}: {exc}"
            self._started.set()
            self._stop.set()

    def _subscribe(self, ctx: Any, sent_to: Any) -> Any:
        """Send the set to the registry of the hub's current directory, if not sent there yet."""
        directory = self._hub.directory
        registry = directory.get("registry") if directory is not None else None
        if registry is not None and registry != sent_to:
            self._seq += 1
            ctx.tell(registry, SetSubscriptions(specs=(self.spec,), seq=self._seq,
                                                instance=self._instance, component=self.name,
                                                request_id=f"{self.name}-{self._seq}"))
        return registry or sent_to

    def _receive(self, ctx: Any, msg: Any) -> None:
        if isinstance(msg, EventFrames):
            batch = self._decoder.decode(msg)
            self.received += len(batch.events)
            self.dropped += batch.dropped
            self.undecodable += batch.undecodable
            self.duplicates += batch.duplicates
            self.losses.extend(batch.losses)
            for event in batch.events:
                if event.__class__ is Gap:
                    self.gaps.append(event)
                    if not self._gap_events:
                        continue
                if self._callback is not None:
                    self._callback(event)
                else:
                    self._put(event)  # waits while the queue is full: no next batch is read
        elif isinstance(msg, SubscriptionRejected):
            self.rejections.append(msg)
        elif isinstance(msg, StreamAlert):
            self.alerts.append(msg)

    def _put(self, event: Any) -> None:
        """Queue ``event``; while the queue is full, wait (the back-pressure), unless closed."""
        while not self._stop.is_set():
            try:
                self._queue.put(event, timeout=LISTEN)
                return
            except queue.Full:
                continue

    # -- the reader's side ------------------------------------------------------------------
    def get(self, timeout: float | None = None) -> Any:
        """The next event; raises ``queue.Empty`` after ``timeout`` seconds."""
        return self._queue.get(timeout=timeout)

    def __iter__(self) -> Iterator[Any]:
        while not self._stop.is_set() or not self._queue.empty():
            try:
                yield self._queue.get(timeout=LISTEN)
            except queue.Empty:
                continue

    def _end(self) -> None:
        """The tree is gone: iteration ends once the queue is drained."""
        self.ended = self.ended or "the actor tree gave up"
        self._stop.set()

    def close(self) -> None:
        """Release the subscription and stop the thread; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(5)
        if self in self._hub._streams:
            self._hub._streams.remove(self)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

"""``EventStream``: the events of one stream in plain Python, for bot code that is not an actor.

``Hub.stream`` spawns a relay component (``actors.relay``) and wraps it here: a thread with its
own Thespian endpoint (``ActorSystem.private()``) attaches to the relay, acknowledges every
batch (so a slow reader slows only its own relay's buffer) and hands the events to a queue or a
callback.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from thespian.actors import ActorExitRequest

from upbit_actors.messages import Attach, BatchAck, EventBatch, StreamAlert, SubscriptionRejected
from upbit_actors.system.embed.attach import HubError

__all__ = ["EventStream"]

ATTACH_TIMEOUT = 10.0
"""Seconds for a new stream's thread to reach its relay."""


class EventStream:
    """Events of one relay component, delivered on a thread of their own.

    Iterate it (``for event in stream``), or give ``callback`` to ``Hub.stream``. ``alerts`` and
    ``rejections`` collect what is not an event. ``close`` stops the relay (its subscriptions are
    released) and the thread.
    """

    def __init__(self, hub, name: str, relay, *, callback=None, maxsize: int) -> None:
        self.name = name
        self._hub = hub
        self._relay = relay
        self._callback = callback
        self._queue: queue.Queue = queue.Queue(maxsize)
        self.alerts: list = []
        self.rejections: list = []
        self.dropped = 0
        """Events the router dropped for this stream (its overflow policy)."""
        self._stop = threading.Event()
        self._closed = False
        self._attached = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"upbit-stream-{name}", daemon=True)
        self._thread.start()
        if not self._attached.wait(ATTACH_TIMEOUT):
            raise HubError(f"stream {name!r} could not attach to its relay")

    def _run(self) -> None:
        with self._hub._asys.private() as ctx:
            ctx.tell(self._relay, Attach())
            self._attached.set()
            while not self._stop.is_set():
                msg = ctx.listen(0.2)
                if msg is None:
                    continue
                if isinstance(msg, EventBatch):
                    self.dropped += msg.dropped
                    for event in msg.events:
                        if self._callback is not None:
                            self._callback(event)
                        else:
                            self._queue.put(event)  # blocks when full: back-pressure to the relay
                    ctx.tell(self._relay, BatchAck(count=len(msg.events)))
                elif isinstance(msg, SubscriptionRejected):
                    self.rejections.append(msg)
                elif isinstance(msg, StreamAlert):
                    self.alerts.append(msg)
            ctx.tell(self._relay, ActorExitRequest())

    def get(self, timeout: float | None = None) -> Any:
        """The next event; raises ``queue.Empty`` after ``timeout`` seconds."""
        return self._queue.get(timeout=timeout)

    def __iter__(self) -> Iterator[Any]:
        while not self._stop.is_set() or not self._queue.empty():
            try:
                yield self._queue.get(timeout=0.2)
            except queue.Empty:
                continue

    def _end(self) -> None:
        """The tree is gone: iteration ends once the queue is drained."""
        self._stop.set()

    def close(self) -> None:
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

    def __exit__(self, *exc) -> None:
        self.close()

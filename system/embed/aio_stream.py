"""``AsyncStream``: one subscription's events on an asyncio loop (see ``aio`` for ``AsyncHub``).

How events reach the loop, and how back-pressure goes back (no busy waiting, no thread per event):
each stream is a ``BridgeStream`` (an ``EventStream`` with its own thread and Thespian endpoint).
Its callback appends each event to the stream's pending list and, when no hand-off is scheduled
yet, schedules one with ``loop.call_soon_threadsafe``; the hand-off moves everything pending into
a bounded ``asyncio.Queue`` as one batch. So the loop is woken at most once per batch the thread
collected while the loop was busy. When ``maxsize`` events are held (pending or queued, not yet
taken by the consumer) the callback *waits* before accepting more, so the thread does not read
the next batch, which is the router's credit: the router buffers for this stream alone, under
its overflow policy (latest ticker/orderbook per code, trades up to ``buffer_limit`` then the
oldest dropped and counted in ``dropped``). Other streams and components of the hub keep flowing.

Opening and closing block (a Thespian endpoint, a thread join): they run in the loop's default
executor. A cancellation while a stream opens lets the opening finish in its thread, then closes it.

Ends of the iteration: ``aclose`` (or leaving ``async with``) ends it quietly, and so does
``AsyncHub.stop``; a rejected subscription raises ``RequestError`` with the registry's reason (it
holds nothing for it: nothing will come); an escalation (the tree gave up) raises ``HubError``
once the events already handed to the loop are read. One consumer per stream.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from upbit_actors.messages import DataType, StreamAlert, SubscriptionRejected
from upbit_actors.system.embed.bridge import BridgeStream, Notice, open_stream
from upbit_actors.system.embed.streams import LISTEN
from upbit_actors.system.errors import ConfigError, HubError, RequestError

__all__ = ["DEFAULT_MAXSIZE", "AsyncStream"]

DEFAULT_MAXSIZE = 10_000
"""Events an ``AsyncStream`` holds for its consumer before its thread waits (back-pressure).
About 2 s of a busy market's trades; the router's own per-consumer buffer comes after it."""


class _End:
    """The last item of a stream's queue: why its iteration ends (None: quietly)."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class AsyncStream:
    """One subscription's events on an asyncio loop. Get one from ``AsyncHub.stream``.

    ``async with`` opens and closes it; ``async for`` on a stream not opened yet opens it and
    closes it when the loop ends (break, error or cancellation). ``batches()`` yields the events
    as the loop received them (lists), ``get()`` one event. ``alerts`` and ``rejections`` are kept
    on the loop's thread, ``on_alert`` is called there with each ``StreamAlert``.
    """

    def __init__(self, hub: Any, data_type: DataType | str, codes: Iterable[str] | str, *,
                 name: str | None, maxsize: int, on_alert: Callable[[StreamAlert], Any] | None,
                 options: dict[str, Any], owner: set[AsyncStream] | None = None) -> None:
        if maxsize < 1:
            raise ConfigError(f"maxsize must be at least 1, not {maxsize}")
        self._hub = hub
        self.name = name or f"aio-{uuid.uuid4().hex[:8]}"
        self._open_args = (data_type, codes if isinstance(codes, str) else tuple(codes), options)
        self.maxsize = maxsize
        self.on_alert = on_alert
        self.alerts: list[StreamAlert] = []
        self.rejections: list[SubscriptionRejected] = []
        self._owner = owner
        self._stream: BridgeStream | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._ready: collections.deque = collections.deque()
        """Events of a batch taken off the queue, not yielded yet."""
        self._ended: _End | None = None
        """The end, once the consumer has reached it."""
        self._end_queued = False
        self._opening: asyncio.Future | None = None
        self._closing: asyncio.Future | None = None
        # Shared with the stream's thread, under ``_cond``:
        self._cond = threading.Condition()
        self._pending: list[Any] = []
        self._held = 0
        """Events pending or queued, not yet taken by the consumer; at ``maxsize`` the thread waits."""
        self._scheduled = False
        self._closed = False

    def __repr__(self) -> str:
        return f"AsyncStream({self.name!r}, open={self._stream is not None and not self._closed})"

    @property
    def received(self) -> int:
        """Events decoded by the stream's thread."""
        return self._stream.received if self._stream is not None else 0

    @property
    def dropped(self) -> int:
        """Events the router's overflow policy dropped or replaced for this stream."""
        return self._stream.dropped if self._stream is not None else 0

    @property
    def losses(self) -> tuple:
        """What the router's overflow policy took, by type and reason (``Loss``, newest last)."""
        return tuple(self._stream.losses) if self._stream is not None else ()

    # -- opening and closing (loop side) ------------------------------------------------------
    async def open(self) -> AsyncStream:
        """Subscribe (runs in the default executor); a second call does nothing."""
        if self._stream is not None:
            return self
        if self._closed:
            raise HubError(f"stream {self.name!r} is closed")
        if self._opening is not None:  # another task is opening it: wait for that one
            await asyncio.shield(self._opening)
            return self
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(self.maxsize + 1)  # every batch holds an event; one _End
        data_type, codes, options = self._open_args
        self._opening = opening = self._loop.run_in_executor(None, lambda: open_stream(
            self._hub, data_type, codes, name=self.name, callback=self._accept,
            on_notice=self._thread_notice, on_end=self._thread_end, **options))
        try:
            self._stream = await asyncio.shield(opening)
        except asyncio.CancelledError:  # it goes on opening in its thread: close it once open
            self._closed = True
            opening.add_done_callback(_close_when_opened)
            raise
        if self._owner is not None:
            self._owner.add(self)
        return self

    def _release(self) -> asyncio.Future | None:
        """Start releasing the subscription (never blocks the loop); the future ends with it."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()  # a thread waiting for room gives up
        if self._owner is not None:
            self._owner.discard(self)
        if self._closing is None and self._stream is not None:
            try:
                self._closing = self._loop.run_in_executor(None, self._stream.close)
            except RuntimeError:  # the executor is shut down (the loop is ending)
                threading.Thread(target=self._stream.close, daemon=True).start()
        self._finish(None)
        return self._closing

    async def aclose(self) -> None:
        """Release the subscription and end the iteration; safe to call twice."""
        closing = self._release()
        if closing is not None:
            await asyncio.shield(closing)  # a cancellation here still lets the close finish

    async def __aenter__(self) -> AsyncStream:
        return await self.open()

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    # -- the consumer (loop side) -------------------------------------------------------------
    def __aiter__(self) -> AsyncIterator[Any]:
        return self._events()

    async def _events(self) -> AsyncIterator[Any]:
        owned = self._stream is None  # opened by this loop, so closed by it
        if owned:
            await self.open()
        try:
            while self._ready or await self._refill():
                yield self._ready.popleft()
        finally:
            if owned:
                await self.aclose()

    async def batches(self) -> AsyncIterator[list[Any]]:
        """The events in the batches the loop was handed (the cheapest way to keep up)."""
        owned = self._stream is None
        if owned:
            await self.open()
        try:
            while self._ready or await self._refill():
                batch = list(self._ready)
                self._ready.clear()
                yield batch
        finally:
            if owned:
                await self.aclose()

    async def get(self) -> Any:
        """The next event; ``HubError`` once the stream has ended (or the end's own error)."""
        if not self._ready and not await self._refill():
            raise HubError(f"stream {self.name!r} has ended")
        return self._ready.popleft()

    async def _refill(self) -> bool:
        """Wait for the next batch into ``_ready``; False at a quiet end, the error at another."""
        if self._stream is None:
            raise HubError(f"stream {self.name!r} is not open: use async with, or async for")
        if self._ended is None and not self._closed:
            item = await self._queue.get()
            if not isinstance(item, _End):
                with self._cond:
                    full = self._held >= self.maxsize
                    self._held -= len(item)
                    if full:
                        self._cond.notify_all()  # room again: the thread may accept events
                self._ready.extend(item)
                return True
            self._ended = item
        if self._closed or self._ended.error is None:
            return False
        raise self._ended.error

    def _finish(self, error: BaseException | None) -> None:
        """Queue the end (once), after whatever the thread had collected."""
        if not self._end_queued and self._queue is not None:
            self._end_queued = True
            self._hand_off()
            self._queue.put_nowait(_End(error))

    def _hand_off(self) -> None:
        """Move what the thread collected into the queue as one batch (on the loop's thread)."""
        with self._cond:
            batch, self._pending = self._pending, []
            self._scheduled = False
        if batch:
            self._queue.put_nowait(batch)

    def _notice(self, notice: Notice) -> None:
        if isinstance(notice, SubscriptionRejected):
            self.rejections.append(notice)
            self._finish(RequestError(f"stream {self.name!r} rejected: {notice.reason}"))
        else:
            self.alerts.append(notice)
            if self.on_alert is not None:
                self.on_alert(notice)

    def _ended_by_thread(self) -> None:
        hub, stream = self._hub, self._stream
        if hub.failure is not None:
            self._finish(HubError(f"the actor tree gave up: {hub.failure}"))
        elif stream is not None and stream.failure is not None:
            self._finish(HubError(f"stream {self.name!r} stopped: {stream.failure}"))
        else:
            self._finish(None)

    # -- the stream's thread ------------------------------------------------------------------
    def _accept(self, event: Any) -> None:
        """The ``EventStream`` callback: collect ``event``; wait while the consumer holds enough."""
        with self._cond:
            while self._held >= self.maxsize and not self._closed:
                self._cond.wait(LISTEN)
            if self._closed:
                return
            self._pending.append(event)
            self._held += 1
            if self._scheduled:
                return
            self._scheduled = True
        self._to_loop(self._hand_off)

    def _thread_notice(self, notice: Notice) -> None:
        self._to_loop(self._notice, notice)

    def _thread_end(self) -> None:
        self._to_loop(self._ended_by_thread)

    def _to_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: nobody will read more
            with self._cond:
                self._closed = True


def _close_when_opened(opening: asyncio.Future) -> None:
    if not opening.cancelled() and opening.exception() is None:
        threading.Thread(target=opening.result().close, daemon=True).start()

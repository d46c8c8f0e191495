"""What the asyncio and Qt bridges share: an ``EventStream`` that also tells its bridge about
what is not an event, and about its own end.

A plain ``EventStream`` keeps alerts and rejections in lists and ends silently (closed, or the
tree gave up); a bridge must *hear* them to wake a consumer waiting on an event loop. So a
``BridgeStream`` calls ``on_notice`` with every ``StreamAlert`` and ``SubscriptionRejected``, and
``on_end`` once its thread has finished, whatever the reason (both on the stream's thread).
Events still go through the ``callback`` of ``EventStream``: it runs before the router's credit
is sent back, so a callback that waits holds back this stream, and only this one.

This subclasses ``EventStream`` (same package) rather than changing it; ``open_stream`` builds one
the way ``HubBase.stream`` builds a plain one, and registers it with the hub, so ``Hub.stop``
closes it and an escalation ends it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from upbit_actors.messages import DataType, StreamAlert, StreamSpec, SubscriptionRejected
from upbit_actors.system.embed.streams import EventStream
from upbit_actors.system.errors import HubError
from upbit_actors.system.wire.specs import stream_spec

__all__ = ["BridgeStream", "Notice", "open_stream"]

Notice = StreamAlert | SubscriptionRejected
"""What a stream hears that is not an event."""


class BridgeStream(EventStream):
    """An ``EventStream`` that reports notices and its end to the bridge that owns it."""

    def __init__(self, hub: Any, name: str, spec: StreamSpec, *, callback: Callable[[Any], None],
                 on_notice: Callable[[Notice], None], on_end: Callable[[], None]) -> None:
        # Set before the base class starts the thread, which may call them at once.
        self._on_notice = on_notice
        self._on_end = on_end
        super().__init__(hub, name, spec, callback=callback, maxsize=1)  # the queue stays unused

    def _receive(self, ctx: Any, msg: Any) -> None:
        super()._receive(ctx, msg)
        if isinstance(msg, (StreamAlert, SubscriptionRejected)):
            self._on_notice(msg)

    def _run(self) -> None:
        try:
            super()._run()
        finally:
            self._on_end()

    @property
    def failure(self) -> BaseException | None:
        """Why the stream's thread stopped on its own, if it did."""
        return self._failure


def open_stream(hub: Any, data_type: DataType | str, codes: Iterable[str] | str = (), *,
                name: str | None = None, callback: Callable[[Any], None],
                on_notice: Callable[[Notice], None], on_end: Callable[[], None],
                **options: Any) -> BridgeStream:
    """A started ``BridgeStream`` of ``hub`` (blocks until its subscription is sent: milliseconds,
    at most ``streams.START_TIMEOUT``). ``options`` are those of ``HubBase.stream`` (depth,
    level, only_snapshot, only_realtime, and the router's overflow ``policy`` with its ``limit``
    or ``rate``). The request is checked first, as ``Hub.stream`` does: ``RequestError``."""
    spec = stream_spec(data_type, codes, **options)
    if hub._asys is None:
        raise HubError("the hub is not started")
    stream = BridgeStream(hub, name or f"stream-{uuid.uuid4().hex[:8]}", spec, callback=callback,
                          on_notice=on_notice, on_end=on_end)
    hub._streams.append(stream)
    return stream

"""The hub from asyncio: ``AsyncHub`` wraps a ``Hub`` for a loop (the default one or uvloop).

::

    from upbit_actors import AsyncHub, DataType, Hub, HubConfig

    async def main():
        async with AsyncHub(Hub(HubConfig.from_env())) as hub:
            await hub.spawn(Board, "board", codes=["KRW-BTC"])       # components work as usual
            async with hub.stream(DataType.TRADE, ["KRW-BTC"], on_alert=print) as trades:
                async for trade in trades:          # cancel the task: the subscription goes
                    ...

The hub's calls block (start and stop take a second or more, the others a round trip to the
supervisor): each runs in the loop's default executor, so the loop keeps serving. A
cancellation of ``start`` lets the start finish in its thread and then stops the hub; a
cancellation of ``stop`` lets the stop finish before it is raised. Events reach the loop through
``AsyncStream`` (``aio_stream``): batches handed over with ``call_soon_threadsafe``, and a
consumer that falls behind holds back its own stream only.

``AsyncHub`` takes the hub rather than building one: the embedding layer does not import the
actor shells (``upbit_actors.Hub`` binds ``HubBase`` to them), and the hub keeps every option
it has (credentials, admin port, ``on_failure``, which is called on the hub's monitor thread).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from typing import Any

from upbit_actors.messages import Credentials, DataType, StreamAlert, SystemStatus
from upbit_actors.system.embed.aio_stream import DEFAULT_MAXSIZE, AsyncStream
from upbit_actors.system.embed.hub import HubBase

__all__ = ["AsyncHub", "AsyncStream"]


class AsyncHub:
    """A ``Hub`` used from an asyncio loop: ``async with AsyncHub(Hub(config)) as hub``."""

    def __init__(self, hub: HubBase) -> None:
        self.hub = hub
        """The wrapped hub: its attributes (``failure``, ``auth_failure``, ``crashes``,
        ``admin_port``) may be read from the loop."""
        self._streams: set[AsyncStream] = set()

    def __repr__(self) -> str:
        return f"AsyncHub({self.hub!r})"

    @property
    def failure(self) -> str | None:
        """Why the tree gave up, else None (see ``HubBase.failure``)."""
        return self.hub.failure

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> AsyncHub:
        loop = asyncio.get_running_loop()
        starting = loop.run_in_executor(None, self.hub.start)
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:  # the start goes on in its thread: stop once it is done
            starting.add_done_callback(lambda _: threading.Thread(
                target=self.hub.stop, name="upbit-hub-stop").start())
            raise
        return self

    async def stop(self) -> None:
        """Close this hub's streams, then stop the hub (every actor and process it started)."""
        await asyncio.gather(*(s.aclose() for s in list(self._streams)), return_exceptions=True)
        await _to_the_end(asyncio.get_running_loop().run_in_executor(None, self.hub.stop))

    async def __aenter__(self) -> AsyncHub:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # -- streams and components ---------------------------------------------------------------
    def stream(self, data_type: DataType | str, codes: Iterable[str] | str = (), *,
               name: str | None = None, maxsize: int = DEFAULT_MAXSIZE,
               on_alert: Callable[[StreamAlert], Any] | None = None,
               **options: Any) -> AsyncStream:
        """A stream of one subscription, opened by ``async with`` or by the first ``async for``.

        ``maxsize``: events held for the consumer before the stream waits (back-pressure for
        this stream only). ``on_alert`` is called on the loop with each ``StreamAlert``.
        ``options`` are those of ``Hub.stream`` (``depth``, ``level``, ``only_snapshot``,
        ``only_realtime``, the router's overflow ``policy`` with ``limit`` or ``rate``)."""
        return AsyncStream(self.hub, data_type, codes, name=name, maxsize=maxsize,
                           on_alert=on_alert, options=options, owner=self._streams)

    async def spawn(self, component_class: type | str, name: str, *, restart: bool = False,
                    **params: Any) -> Any:
        """``HubBase.spawn`` in the executor: a component actor; returns its address."""
        return await self._call(lambda: self.hub.spawn(component_class, name, restart=restart,
                                                       **params))

    async def status(self, timeout: float = 3.0) -> SystemStatus:
        return await self._call(lambda: self.hub.status(timeout))

    async def set_credentials(self, credentials: Credentials) -> None:
        await self._call(lambda: self.hub.set_credentials(credentials))

    async def reset_auth(self) -> None:
        await self._call(self.hub.reset_auth)

    async def _call(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn)


async def _to_the_end(future: asyncio.Future) -> Any:
    """Await ``future`` through cancellations (it runs in a thread that cannot be stopped
    halfway); a cancellation that came meanwhile is raised once it is done."""
    cancelled = False
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            cancelled = True
        except Exception:  # noqa: BLE001 - the future's own error, raised below
            break
    if cancelled:
        raise asyncio.CancelledError
    return future.result()

"""Run the simulator: :class:`Runtime` inside a loop, :class:`Simulator` in a background thread.

``Simulator`` owns a thread with its own asyncio loop; every public method marshals onto that
loop with ``run_coroutine_threadsafe`` and waits for the result, so it is thread-safe. ``stop()``
aborts every socket, closes both servers, stops the loop and joins the thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import jwt

from upbit_actors.system.errors import SimulatorError
from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.control import ControlServer
from upbit_actors.tools.sim.ops import Operations
from upbit_actors.tools.sim.server import PRIVATE_PATH, PUBLIC_PATH, WebSocketSide

__all__ = ["Runtime", "Simulator"]

T = TypeVar("T")


class Runtime:
    """Both servers inside the current event loop."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.side = WebSocketSide(config)
        self.ops = Operations(self.side)
        self.control: ControlServer | None = None

    async def start(self) -> dict[str, Any]:
        """Start serving; returns :attr:`urls`."""
        await self.side.start()
        if self.config.control_port is not None:
            self.control = ControlServer(self.ops, self.config.host, self.config.control_port)
            await self.control.start()
        self.ops.urls = self.urls
        return self.urls

    async def stop(self) -> None:
        if self.control is not None:
            await self.control.stop()
        await self.side.stop()

    @property
    def urls(self) -> dict[str, Any]:
        host, port = self.config.host, self.side.port
        control_port = self.control.port if self.control else None
        return {
            "public_url": f"ws://{host}:{port}{PUBLIC_PATH}",
            "private_url": f"ws://{host}:{port}{PRIVATE_PATH}",
            "control_url": f"http://{host}:{control_port}" if control_port else None,
            "rest_url": f"http://{host}:{port}",
            "port": port,
            "control_port": control_port,
        }


class Simulator:
    """The simulator in a background thread; a context manager (see the module docstring)."""

    def __init__(self, config: SimConfig | None = None, **overrides: Any) -> None:
        config = config or SimConfig()
        self.config = dataclasses.replace(config, **overrides) if overrides else config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runtime: Runtime | None = None
        self._urls: dict[str, Any] = {}

    # -- life cycle --------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> Simulator:
        """Start the thread and both servers; returns once they accept connections."""
        if self._thread is not None:
            raise SimulatorError("already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._runtime = Runtime(self.config)
                self._urls = loop.run_until_complete(self._runtime.start())
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._runtime.stop())
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=main, name="upbit-sim", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or failure:
            self._thread.join(timeout)
            self._thread = None
            raise SimulatorError("simulator failed to start") from (failure[0] if failure else None)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every socket, stop the loop, join the thread. Idempotent."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call(
        self, factory: Callable[..., Awaitable[T]], *args: Any, timeout: float = 10.0, **kwargs: Any
    ) -> T:
        if self._loop is None or self._thread is None:
            raise SimulatorError("simulator is not running")
        future = asyncio.run_coroutine_threadsafe(factory(*args, **kwargs), self._loop)
        return future.result(timeout)

    # -- addresses ---------------------------------------------------------------------------

    @property
    def urls(self) -> dict[str, Any]:
        """public_url, private_url, control_url, port, control_port."""
        return dict(self._urls)

    @property
    def port(self) -> int:
        return self._urls["port"]

    @property
    def control_port(self) -> int | None:
        return self._urls["control_port"]

    @property
    def public_url(self) -> str:
        return self._urls["public_url"]

    @property
    def private_url(self) -> str:
        return self._urls["private_url"]

    @property
    def rest_url(self) -> str:
        """Base URL of the REST API on the WebSocket port (``tools.sim.rest``), no trailing slash."""
        return self._urls["rest_url"]

    @property
    def control_url(self) -> str | None:
        return self._urls["control_url"]

    @property
    def access_key(self) -> str:
        """The configured (or default) access key."""
        return next(iter(self.config.keys()))

    @property
    def secret_key(self) -> str:
        return self.config.keys()[self.access_key]

    def make_token(self, nonce: str | None = None, algorithm: str = "HS256",
                   access_key: str | None = None, secret_key: str | None = None) -> str:
        """A JWT the private channel accepts (SPEC §7 payload: access_key + nonce)."""
        access = access_key or self.access_key
        secret = secret_key or self.config.keys().get(access, self.secret_key)
        payload = {"access_key": access, "nonce": nonce or str(uuid.uuid4())}
        return jwt.encode(payload, secret, algorithm=algorithm)

    # -- operations (see tools.sim.ops.Operations) -------------------------------------------

    def _ops(self) -> Operations:
        assert self._runtime is not None
        return self._runtime.ops

    def stats(self) -> dict[str, Any]:
        return self._call(self._ops().stats)

    def trade_record(self, code: str) -> list[list[int]]:
        return self._call(self._ops().trade_record, code)

    def drop_all(self) -> dict[str, Any]:
        return self._call(self._ops().drop_all)

    def stall_data(self, seconds: float) -> dict[str, Any]:
        return self._call(self._ops().stall_data, seconds)

    def stall_all(self, seconds: float) -> dict[str, Any]:
        return self._call(self._ops().stall_all, seconds)

    def send_garbage(self) -> dict[str, Any]:
        return self._call(self._ops().send_garbage)

    def send_error_and_close(self, name: str = "INVALID_PARAM") -> dict[str, Any]:
        return self._call(self._ops().send_error_and_close, name)

    def refuse_handshakes(self, seconds: float, status: int = 503) -> dict[str, Any]:
        return self._call(self._ops().refuse_handshakes, seconds, status)

    def slow_handshakes(self, seconds: float, delay: float) -> dict[str, Any]:
        return self._call(self._ops().slow_handshakes, seconds, delay)

    def set_rate(self, rate: float) -> dict[str, Any]:
        return self._call(self._ops().set_rate, rate)

    def drop_live_code(self, code: str, conn: int | None = None) -> dict[str, Any]:
        return self._call(self._ops().drop_live_code, code, conn)

    def place_order(self, access_key: str, code: str, side: str, ord_type: str, price: float | None = None,
                    volume: float | None = None, identifier: str | None = None,
                    time_in_force: str | None = None) -> str:
        """Place an order; returns its uuid (myOrder ``wait`` + myAsset events)."""
        result = self._call(self._ops().place_order, access_key, code, side, ord_type, price, volume,
                            identifier, time_in_force)
        return result["uuid"]

    def fill_order(self, uuid: str, volume: float | None = None) -> dict[str, Any]:
        return self._call(self._ops().fill_order, uuid, volume)

    def cancel_order(self, uuid: str) -> dict[str, Any]:
        return self._call(self._ops().cancel_order, uuid)

    def set_balance(
        self, access_key: str, currency: str, balance: float, locked: float = 0.0
    ) -> dict[str, Any]:
        return self._call(self._ops().set_balance, access_key, currency, balance, locked)

    def reset(self, market: bool = False) -> dict[str, Any]:
        return self._call(self._ops().reset, market)

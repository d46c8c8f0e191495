"""Fixtures for the simulator tests: started simulators are always stopped, clients closed.

Clients are plain websocket-client sockets (the issue asks for a client nobody here wrote).
Nothing sleeps to wait: :func:`wait_for` polls a condition until a deadline.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket

from tests.polling import wait_for  # noqa: F401 (re-exported for the tests here)
from upbit_actors.tools.sim import SimConfig, Simulator

FAST = dict(snapshot_delays=(0.02, 0.04), error_close_delay=0.15, handshake_limit=0, markets=12, rate=200.0)
"""Settings most tests use: quick snapshots, no handshake limit, a small market."""


class Client:
    """A websocket-client connection with helpers that decode Upbit's BINARY JSON frames."""

    def __init__(self, url: str, header: list[str] | None = None, timeout: float = 5.0) -> None:
        self.ws = websocket.create_connection(url, timeout=timeout, header=header or [])
        self.opcodes: list[int] = []

    def send(self, request: Any) -> None:
        self.ws.send(request if isinstance(request, str) else json.dumps(request))

    def frame(self, timeout: float = 3.0) -> websocket.ABNF:
        """Next frame of any kind (control frames included); raises on timeout or close."""
        self.ws.settimeout(timeout)
        frame = self.ws.recv_data_frame(control_frame=True)[1]
        self.opcodes.append(frame.opcode)
        return frame

    def recv(self, timeout: float = 3.0) -> Any:
        """Next data frame, JSON-decoded; control frames are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.frame(max(0.01, deadline - time.monotonic()))
            if frame.opcode in (websocket.ABNF.OPCODE_BINARY, websocket.ABNF.OPCODE_TEXT):
                return json.loads(frame.data)
            if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
                raise ConnectionAbortedError(close_code(frame.data))

    def collect(self, seconds: float, stop: Callable[[list[Any]], bool] | None = None) -> list[Any]:
        """Every data frame for ``seconds`` (or until ``stop(frames)``)."""
        out: list[Any] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                out.append(self.recv(max(0.01, deadline - time.monotonic())))
            except websocket.WebSocketTimeoutException:
                break
            if stop is not None and stop(out):
                break
        return out

    def close(self) -> None:
        try:
            self.ws.close(timeout=0.5)
        except Exception:
            pass


def close_code(payload: bytes) -> int | None:
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


def subscribe(*types: dict[str, Any], fmt: str | None = None, ticket: str = "test") -> list[dict[str, Any]]:
    request: list[dict[str, Any]] = [{"ticket": ticket}, *types]
    if fmt:
        request.append({"format": fmt})
    return request


@pytest.fixture
def make_sim() -> Iterator[Callable[..., Simulator]]:
    """Start simulators with :data:`FAST` settings plus overrides; all are stopped afterwards."""
    started: list[Simulator] = []

    def factory(**overrides: Any) -> Simulator:
        sim = Simulator(SimConfig(**{**FAST, **overrides}))
        sim.start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()
    assert not [t for t in threading.enumerate() if t.name == "upbit-sim" and t.is_alive()]


@pytest.fixture
def sim(make_sim: Callable[..., Simulator]) -> Simulator:
    return make_sim()


@pytest.fixture
def connect() -> Iterator[Callable[..., Client]]:
    """Open websocket-client connections; all are closed afterwards."""
    clients: list[Client] = []

    def factory(url: str, **kwargs: Any) -> Client:
        client = Client(url, **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def port_is_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


from tests.paths import SHARED_SAMPLES

"""The documented Upbit frames, in the ``shared/`` folder that sits beside the repository."""


def shared_sample(name: str) -> dict:
    """The first frame of a shared sample file; skips the test when ``shared/`` is absent."""
    path = SHARED_SAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared Upbit sample {name} not found beside the repository ({SHARED_SAMPLES})")
    return json.loads(path.read_text(encoding="utf-8"))["frames"][0]

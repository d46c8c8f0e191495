"""The simulator of ``upbit-actors chaos``: ``upbit-actors sim`` in a process of its own.

A separate process keeps the simulator off the chaos command's GIL (the command decodes the
events of its ``Hub.stream`` s at up to 5k frames/s meanwhile). It binds 127.0.0.1 on free
ports, keeps Upbit's message and handshake limits (the run counts their violations), closes
sockets idle for ``idle_timeout`` seconds (shorter than the tree's 20 s ping: an idle close is
one of the faults), and makes up the private channel's keys, which it prints once in its ready
line; they are kept here and never printed. Faults, stats and private actions go through its
HTTP control API (``tools/sim/__init__.py``). ``stop`` ends it by its pid, never by name.

A ``PrivateDriver`` thread places and cancels an order on it every second, so that the private
streams carry events (myOrder, myAsset) whose arrival can be timed like the rest.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from typing import Any

from upbit_actors.system.errors import SimulatorError

__all__ = ["PRIVATE_STEP", "ChaosSim", "PrivateDriver"]

START_TIMEOUT = 30.0
"""Seconds for the simulator to print its ready line (a loaded 2-core machine is slow)."""

PRIVATE_STEP = 1.0
"""Seconds between two private actions (an order placed, then cancelled)."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Loopback requests never go through an HTTP proxy named in the environment."""


class ChaosSim:
    """One ``upbit-actors sim`` subprocess; ``start``, then ``call`` / ``stats``, then ``stop``."""

    def __init__(self, markets: list[str], rate: float, idle_timeout: float, seed: int) -> None:
        self._args = ["--markets", ",".join(markets), "--rate", str(rate),
                      "--idle-timeout", str(idle_timeout), "--seed", str(seed)]
        self.proc: subprocess.Popen | None = None
        self.urls: dict[str, Any] = {}
        self.access_key = ""
        self.secret_key = ""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop

    def __repr__(self) -> str:  # never the keys
        return f"ChaosSim(pid={self.pid}, port={self.urls.get('port')})"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> ChaosSim:
        command = [sys.executable, "-m", "upbit_actors.tools.cli", "sim", "--host", "127.0.0.1",
                   "--port", "0", "--control-port", "0", *self._args]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline() if ready else ""
        try:
            urls = json.loads(line)
        except ValueError:
            urls = {}
        if not urls.get("ready"):
            self.stop()
            raise SimulatorError("the simulator process did not start")
        self.access_key = urls.pop("access_key", "")
        self.secret_key = urls.pop("secret_key", "")
        self.urls = urls
        return self

    def call(self, operation: str, body: dict[str, Any] | None = None, timeout: float = 15.0) -> Any:
        """``POST /operation`` with ``body`` (``GET`` without one); the JSON answer."""
        url = f"{self.urls['control_url'].rstrip('/')}/{operation}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                         headers={"Content-Type": "application/json"})
        with _OPENER.open(request, timeout=timeout) as answer:
            return json.loads(answer.read())

    def stats(self) -> dict[str, Any]:
        return self.call("stats", timeout=30.0)

    def place_order(self, code: str, side: str, price: float, volume: float) -> str:
        body = {"access_key": self.access_key, "code": code, "side": side, "ord_type": "limit",
                "price": price, "volume": volume}
        return self.call("place_order", body)["uuid"]

    def cancel_order(self, uuid: str) -> None:
        self.call("cancel_order", {"uuid": uuid})

    def set_balance(self, currency: str, balance: float) -> None:
        self.call("set_balance", {"access_key": self.access_key, "currency": currency,
                                  "balance": balance, "locked": 0.0})

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after 5 s), by pid; safe to call twice."""
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._stderr.close()


class PrivateDriver:
    """A thread that makes the simulator send myOrder/myAsset events, unless told to be quiet."""

    def __init__(self, sim: ChaosSim) -> None:
        self.sim = sim
        self.quiet_until = 0.0
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-private", daemon=True)

    def start(self) -> PrivateDriver:
        self._thread.start()
        return self

    def _run(self) -> None:
        order: str | None = None
        try:
            self.sim.set_balance("KRW", 1e12)
        except Exception:  # noqa: BLE001 - counted; orders are placed anyway
            self.errors += 1
        while not self._stop.wait(PRIVATE_STEP):
            if time.time() < self.quiet_until:
                continue
            try:
                if order is None:
                    order = self.sim.place_order("KRW-BTC", "bid", 1_000_000.0, 0.001)
                else:
                    self.sim.cancel_order(order)
                    order = None
            except Exception:  # noqa: BLE001 - a busy simulator answers late: try again next step
                self.errors += 1
                order = None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(20)

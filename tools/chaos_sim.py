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

import threading
import time
from typing import Any

from upbit_actors.tools.sim.process import SimProcess as BaseSimProcess

__all__ = ["PRIVATE_STEP", "ChaosSim", "PrivateDriver"]

PRIVATE_STEP = 1.0
"""Seconds between two private actions (an order placed, then cancelled)."""


class ChaosSim(BaseSimProcess):
    """The chaos run's simulator (see the module docstring); ``call`` / ``stats``, private actions."""

    def __init__(self, markets: list[str], rate: float, idle_timeout: float, seed: int) -> None:
        super().__init__(["--markets", ",".join(markets), "--rate", str(rate),
                          "--idle-timeout", str(idle_timeout), "--seed", str(seed)])

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

"""The simulator of ``bench pipeline`` in its own process, driven through its HTTP control API.

A separate process keeps the simulator's CPU out of the figures and off the bench's GIL. It is
``upbit-actors sim`` bound to 127.0.0.1 on free ports, with no idle timeout, no message or
handshake limits (the bench is not testing those) and the market frozen (rate 0) until asked;
it replays a tape (``TAPE``) and waits for a reader behind by more than ``WAIT_ABOVE``.
``stop`` ends it by its pid (SIGTERM, then SIGKILL), never by name.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.tools.sim.process import SimProcess as BaseSimProcess

__all__ = ["TAPE", "WAIT_ABOVE", "SimProcess"]

TAPE = 20_000
"""Market events on the simulator's tape (``tools.sim.tape``): its tickers and trades are
recorded once and replayed re-stamped, ~3 us of its CPU per frame instead of ~12 us live, so
the reader measured, not the simulator beside it on the same two cores, sets the top rate (the
exchange is on another machine). 0: the live market."""
WAIT_ABOVE = 1 << 20
"""Bytes waiting to a connection above which the simulator makes no frames: at 'max' each reader
takes what it can, instead of being cut off as a slow consumer."""


class SimProcess(BaseSimProcess):
    """The bench's simulator: no idle timeout, no message or handshake limits (the bench is not
    testing those), the market frozen (rate 0) until asked."""

    def __init__(self, markets: int, tape: int = TAPE) -> None:
        super().__init__(["--rate", "0", "--markets", str(markets), "--idle-timeout", "0",
                          "--message-limits", "", "--handshake-limit", "0",
                          *(["--tape", str(tape), "--wait-above", str(WAIT_ABOVE)] if tape else [])])
        self.markets = markets

    def _call(self, path: str, body: dict | None = None, timeout: float = 10.0) -> Any:
        return self.call(path, body, timeout)

    def set_rate(self, rate: float) -> None:
        self._call("set_rate", {"rate": float(rate)})

    def codes(self) -> list[str]:
        """The simulator's codes (REST ``/v1/market/all``), in its order."""
        return [item["market"] for item in self._call("v1/market/all")]

    def sent(self, types: tuple[str, ...]) -> dict[str, Any]:
        """Frames of ``types`` sent so far (all connections), frames dropped, slow consumers."""
        stats = self._call("stats")
        frames = stats.get("frames_sent", {})
        slow = sum(1 for v in stats.get("violations", ()) if v.get("kind") == "slow_consumer")
        return {"at": time.monotonic(), "frames": sum(int(frames.get(t, 0)) for t in types),
                "dropped": int(stats.get("dropped_frames", 0)), "slow_consumers": slow,
                "connections": int(stats.get("connections_opened", 0))}

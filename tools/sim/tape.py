"""Tape mode: tickers and trades recorded once, then replayed with fresh stamps (benchmarks).

Why: the live market costs the simulator ~12 us of CPU per frame (the model's step, the
writers, the framing; ``upbit-actors bench sim``), most of a core at 60-80k frames/s on a 2-core
machine, so a benchmark's reader shared the machine with a producer as hungry as itself; the
real exchange is on another machine. A tape plays the same frames for ~3 us each (``bench sim
--tape``), and the reader under test gets the CPU.

How: :meth:`Tape.record` steps the market model ``events`` times, exactly as the live path does,
and keeps each trade's ticker and trade frames, as the writers made them, for every route that
held the code then (``SimConfig.tape``; the bytes are the live writers' bytes). :meth:`Tape.play`
replays them in a loop, each frame stamped when it is made, as the live path stamps it:

- ``timestamp`` is now; ``trade_timestamp`` is now minus the recorded lag, never before the
  code's previous trade; ``sequential_id`` is ``trade_timestamp * 10000 + n`` (n counts trades of
  the code in the same millisecond), as the live model and Upbit make it (SPEC §3.2);
- prices, sizes and the day's figures repeat with the loop; ``trade_date`` and ``trade_time``
  keep the recorded ones; order books and candles stand still (only the live model moves them),
  so the rate is made of tickers and trades only (the live rate counts books and candles too).

A subscription, route or format change throws the tape away; the next burst records a new one
(~0.3 s for 20,000 events). Off by default (``tape`` 0): every frame from the live model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upbit_actors.system.errors import SimulatorError
from upbit_actors.tools.sim.client import framed
from upbit_actors.tools.sim.market import MarketModel

__all__ = ["Tape", "template"]

_STAMPS = ((b"timestamp", b"tms", b"%(e)d"), (b"trade_timestamp", b"ttms", b"%(t)d"),
           (b"sequential_id", b"sid", b"%(s)d"))
"""(DEFAULT name, SIMPLE name, slot) of every stamp a replayed frame gets afresh."""

Entry = tuple[str, int, int, tuple[tuple[bytes, str, list[Any]], ...]]
"""(code, frames of cost, lag ms, ((template, kind, connections), ...)) of one recorded trade."""
RoutesOf = Callable[[str], list[tuple[Any, str, list[Any]]]]
"""code -> (writer, kind, connections) per format: the live path's routes (``Fanout._routes_of``)."""


def template(payload: bytes, event_ts: int, trade_ts: int, sequential_id: int) -> bytes:
    """``payload`` as a bytes ``%`` template: its stamps (found by name and value, DEFAULT or
    SIMPLE) become slots ``e``, ``t``, ``s``; any other ``%`` is escaped. A ticker has no
    ``sequential_id``; a payload without both time stamps is refused (``SimulatorError``)."""
    out = payload.replace(b"%", b"%%")
    found = 0
    for (default, simple, slot), value in zip(_STAMPS, (event_ts, trade_ts, sequential_id)):
        for name in (default, simple):
            needle = b'"%s":%d' % (name, value)
            if needle in out:
                out = out.replace(needle, b'"%s":%s' % (name, slot))
                found += 1
                break
    if found < 2:
        raise SimulatorError(f"no timestamp and trade_timestamp to re-stamp in {payload[:80]!r}")
    return out


class Tape:
    """A loop of recorded trades (their ticker and trade frames per route), replayed in order."""

    def __init__(self, events: int) -> None:
        self.events = events
        """Market events stepped per recording (quotes included: they cost frames too)."""
        self._entries: list[Entry] = []
        self._pos = 0
        self._last: dict[str, tuple[int, int]] = {}
        """code -> (trade_timestamp, n) of its newest replayed trade."""
        self.loops = 0
        """Times the tape was played through (since it was recorded)."""

    def discard(self) -> None:
        """Forget the recording (the routes changed); the stamps stay monotonic per code."""
        self._entries, self._pos = [], 0

    def record(self, market: MarketModel, routes_of: RoutesOf, clock: Callable[[], float]) -> None:
        """Step ``market`` ``events`` times; keep each trade's frames for ``routes_of(code)``."""
        step, states, start_ms = market.step, market.states, market.start_ms
        entries: list[Entry] = []
        cost = 0
        for _ in range(self.events):
            kind, code, frames = step(int(clock() * 1000))
            cost += frames
            if kind != "trade":
                continue
            state = states[code]
            stamps = (state.event_ts, state.trade_ts, state.sequential_id)
            made = tuple((template(write(state, "REALTIME", start_ms), *stamps), route_kind, conns)
                         for write, route_kind, conns in routes_of(code))
            entries.append((code, cost, state.event_ts - state.trade_ts, made))
            cost = 0
        if entries and cost:  # quotes after the last trade: paid with the first
            code, first, lag, made = entries[0]
            entries[0] = (code, first + cost, lag, made)
        self._entries, self._pos, self.loops = entries, 0, 0

    def play(self, budget: int, market: MarketModel, routes_of: RoutesOf, clock: Callable[[], float]) -> int:
        """Append the next recorded frames, re-stamped now, to their connections' pending
        frames until ``budget`` frames are spent (recorded first if need be, see ``record``);
        returns the frames spent."""
        if not self._entries:
            self.record(market, routes_of, clock)
        entries, last = self._entries, self._last
        if not entries:
            return budget
        end = len(entries)
        pos = self._pos
        spent = 0
        while spent < budget:
            code, cost, lag, made = entries[pos]
            pos += 1
            if pos == end:
                pos = 0
                self.loops += 1
            spent += cost
            if not made:
                continue
            now = int(clock() * 1000)
            trade_ts = now - lag
            previous, n = last.get(code, (0, 0))
            if trade_ts <= previous:
                trade_ts, n = previous, n + 1
            else:
                n = 0
            last[code] = (trade_ts, n)
            stamps = {b"e": now, b"t": trade_ts, b"s": trade_ts * 10_000 + n}
            for tpl, kind, conns in made:
                data = framed(tpl % stamps)
                for conn in conns:
                    conn.pending.append(data)
                    conn.pending_kinds.append(kind)
        self._pos = pos
        return spent

"""The data plane: market bursts, the routing index, snapshot bursts and private events.

The hub knows connections only through :class:`tools.sim.client.SimConnection` (pending frames
and flush); it never awaits. Each frame is encoded and framed once per format (and depth/level
for orderbooks) and the same bytes are appended to every connection that wants it; tickers and
trades, nearly all the traffic at high rates, come from the pre-compiled
:mod:`tools.sim.writers`. The market runs in bursts (:meth:`Fanout.tick`, paced by
:class:`tools.sim.pacer.Pacer`): each event is stamped with the clock when it is made, and every
burst ends with one write per connection.
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from upbit_actors.tools.sim import frames
from upbit_actors.tools.sim.client import SimConnection, framed
from upbit_actors.tools.sim.config import SimConfig
from upbit_actors.tools.sim.encode import encode
from upbit_actors.tools.sim.faults import Faults
from upbit_actors.tools.sim.market import MarketModel
from upbit_actors.tools.sim.outbox import Outbox
from upbit_actors.tools.sim.pacer import MIN_DELAY, Pacer
from upbit_actors.tools.sim.private import PrivateEvent
from upbit_actors.tools.sim.protocol import Subscribe
from upbit_actors.tools.sim.routes import ALL_CODES, Route, describe, expand, without_code
from upbit_actors.tools.sim.stats import Stats
from upbit_actors.tools.sim.tape import Tape
from upbit_actors.tools.sim.writers import Writer, writer

__all__ = ["WAKE_FRAMES", "Fanout"]

Schedule = Callable[[float, Callable[[], None]], Any]
WAKE_FRAMES = 1
"""A burst is due once this many frames are owed: every ``pacer.MIN_DELAY`` (1 ms) at most, as
Upbit sends each frame when its event happens (32 until 2026-12-05: at 1k/s, 32 frames every
~32 ms, which no reader of Upbit sees); a busy loop makes up to ``burst_frames`` per pass."""

TradeRoutes = list[tuple[Writer, str, list[SimConnection]]]
"""(writer, kind, connections) per format of the trade and ticker REALTIME streams of one code."""


def _generic(kind: str, fmt: str, style: str) -> Writer:
    """A writer through the frame dict and ``encode`` (formats or styles without a fast writer)."""
    if kind == "trade":
        return lambda state, stream_type, start_ms: encode(frames.trade(state, stream_type), fmt, style)
    return lambda state, stream_type, start_ms: encode(frames.ticker(state, stream_type, start_ms), fmt, style)


class Fanout(Outbox):
    """Routes market and private frames to connections; ticks the market."""

    def __init__(self, config: SimConfig, market: MarketModel, stats: Stats, faults: Faults,
                 schedule: Schedule, clock: Callable[[], float] = time.time) -> None:
        super().__init__(config, stats, faults, clock)
        self.market = market
        self.schedule = schedule
        """``schedule(delay, callback)``: the event loop's ``call_later``."""
        self.connections: dict[int, SimConnection] = {}
        self.index: dict[tuple[str, str], dict[tuple[int, Route], SimConnection]]
        self.index = collections.defaultdict(dict)
        """(type, code) -> {(connection id, route): connection}."""
        now = clock()
        self.pacer = Pacer(config.rate, now)
        self._second = int(now)
        self._targets_cache: dict[tuple[str, str], list[tuple[Route, SimConnection]]] = {}
        """(type, code) -> routes receiving REALTIME now; cleared whenever a set changes."""
        self._trade_routes: dict[str, TradeRoutes] = {}
        """code -> its trade and ticker routes; cleared with ``_targets_cache``."""
        self.tape = Tape(config.tape) if config.tape else None
        """Tape mode (``tools.sim.tape``): recorded tickers and trades, re-stamped; None: live."""

    def _changed(self) -> None:
        """A subscription set, an active route or a format changed: routing caches are stale."""
        self._targets_cache.clear()
        self._trade_routes.clear()
        if self.tape is not None:
            self.tape.discard()  # recorded for routes that changed

    def set_format(self, conn: SimConnection, fmt: str) -> None:
        """Set the format of the whole connection (SPEC §2 format object, §2.1 rule 4)."""
        if conn.format != fmt:
            conn.format = fmt
            self._changed()

    # -- subscriptions ---------------------------------------------------------------------

    def add(self, conn: SimConnection) -> None:
        self.connections[conn.id] = conn

    def remove(self, conn: SimConnection) -> None:
        self._changed()
        self._unindex(conn)
        self.connections.pop(conn.id, None)
        self._dirty.pop(conn.id, None)

    def _unindex(self, conn: SimConnection) -> None:
        for route in conn.routes:
            entries = self.index.get((route.type, route.code))
            if entries is not None:
                entries.pop((conn.id, route), None)
                if not entries:
                    del self.index[(route.type, route.code)]

    def subscribe(self, conn: SimConnection, request: Subscribe) -> None:
        """Replace the connection's whole subscription set (SPEC §2.1 rule 1)."""
        self._changed()
        self._unindex(conn)
        conn.request = request
        conn.routes = expand(request, self.market.directory)
        conn.generation += 1
        conn.active = {r for r in conn.routes if r.realtime and not r.snapshot}
        for route in conn.routes:
            self.index[(route.type, route.code)][(conn.id, route)] = conn
        record = self.stats.connections.get(conn.id)
        if record is not None:
            record.subscriptions = describe([request])
        # SPEC §2.1 rule 2 [WIRE]: snapshots arrive in bursts ~180 ms and ~340 ms after.
        pending = [r for r in conn.routes if r.snapshot]
        delays = self.config.snapshot_delays or (0.0,)
        size = math.ceil(len(pending) / len(delays)) if pending else 0
        generation = conn.generation
        for i, delay in enumerate(delays):
            chunk = pending[i * size:(i + 1) * size]
            if chunk:
                self.schedule(delay, lambda c=chunk: self._burst(conn, generation, c))

    def forget(self, conn: SimConnection, code: str) -> bool:
        """Fault: take ``code`` off the connection's live set silently (no frame, no snapshot), as
        LIST_SUBSCRIPTIONS shows it and for the data; True when it held the code."""
        if conn.request is None or (request := without_code(conn.request, code)) == conn.request:
            return False
        self._changed()
        self._unindex(conn)
        conn.request = request
        conn.routes = tuple(r for r in conn.routes if r.code != code)
        conn.active = {r for r in conn.active if r.code != code}
        for route in conn.routes:
            self.index[(route.type, route.code)][(conn.id, route)] = conn
        record = self.stats.connections.get(conn.id)
        if record is not None:
            record.subscriptions = describe([request])
        return True

    def _burst(self, conn: SimConnection, generation: int, routes: list[Route]) -> None:
        if conn.generation != generation or conn.closing or conn.id not in self.connections:
            return
        stalled = self.faults.data_stalled(self.clock())
        held = set(conn.routes)  # a route dropped since (drop_live_code) gets nothing
        for route in routes:
            if route not in held:
                continue
            if not stalled:
                frame = self._snapshot(route)
                if frame is not None:
                    conn.queue(encode(frame, conn.format, self.config.number_style), route.type)
            if route.realtime:
                conn.active.add(route)
        self._changed()
        self._dirty[conn.id] = conn
        self.flush()

    def _snapshot(self, route: Route) -> dict[str, Any] | None:
        state = self.market.states.get(route.code)
        if state is None:
            return None
        if route.type == "ticker":
            return frames.ticker(state, "SNAPSHOT", self.market.start_ms)
        if route.type == "trade":
            return frames.trade(state, "SNAPSHOT")
        if route.type == "orderbook":
            # SPEC §3.3: a quiet book's snapshot carries the time of its last change.
            return frames.orderbook(state, route.depth, route.level, state.book_changed, "SNAPSHOT")
        candle = state.candles.latest(route.type)
        return None if candle is None else frames.candle(route.code, route.type, candle, "SNAPSHOT")

    # -- market ------------------------------------------------------------------------------

    def tick(self) -> float:
        """Make one burst of market frames, write them; returns seconds until the next burst."""
        cfg = self.config
        now = self.clock()
        stalled = self.faults.data_stalled(now)
        budget = self.pacer.take(now, cfg.burst_frames)
        if budget and cfg.wait_above and self._backed_up():
            return MIN_DELAY  # a reader is behind: no frames (the pacer forgives the backlog)
        if budget:
            self.pacer.spend(self._burst_events(budget, stalled))
        now = self.clock()
        now_ms = int(now * 1000)
        if now_ms // 1000 != self._second:
            self._flush_candles(stalled)
            self._second = now_ms // 1000
        for code, slot in self.market.due_books(now_ms):
            if not stalled:
                self._route_book(code, slot)
        self._dirty.update(self.connections)  # the burst above appended without marking
        self.flush()
        return self.pacer.delay(self.clock(), WAKE_FRAMES, cfg.tick_interval)

    def _backed_up(self) -> bool:
        """Some connection has more than ``wait_above`` bytes waiting in its transport."""
        limit, conns = self.config.wait_above, self.connections.values()
        return any(c.ws.transport and c.ws.transport.get_write_buffer_size() > limit for c in conns)

    def _burst_events(self, budget: int, stalled: bool) -> int:
        """Step the market until ``budget`` frames are made; each event is stamped when made.

        The hot loop: a trade's ticker and trade frames are written once per format and the
        same bytes appended to each subscriber (flushed by :meth:`tick`).
        """
        if self.tape is not None:  # recorded frames, re-stamped (recorded first if routes changed)
            return budget if stalled else self.tape.play(budget, self.market, self._routes_of, self.clock)
        clock, step, table = self.clock, self.market.step, self._trade_routes
        states, start_ms = self.market.states, self.market.start_ms
        spent = 0
        next_second = (self._second + 1) * 1000
        while spent < budget:
            ts = int(clock() * 1000)
            if ts >= next_second:  # candles flush on whole seconds (SPEC §3.4)
                self._flush_candles(stalled)
                self._second = ts // 1000
                next_second = (self._second + 1) * 1000
            kind, code, cost = step(ts)
            spent += cost
            if kind == "trade" and not stalled:
                routes = table.get(code) or self._routes_of(code)
                if routes:
                    state = states[code]
                    for write, kind, conns in routes:
                        data = framed(write(state, "REALTIME", start_ms))
                        for conn in conns:
                            conn.pending.append(data)
                            conn.pending_kinds.append(kind)
        return spent

    def _routes_of(self, code: str) -> TradeRoutes:
        routes = self._trade_routes.get(code)
        if routes is None:
            routes = self._trade_routes[code] = self._routes_of_trades(code)
        return routes

    def _routes_of_trades(self, code: str) -> TradeRoutes:
        """(writer, kind, subscribers) per format of the trade and ticker streams of ``code``."""
        out: TradeRoutes = []
        style = self.config.number_style
        instrument = self.market.directory.instruments[code]
        for kind in ("trade", "ticker"):
            by_format: dict[str, list[SimConnection]] = {}
            for _, conn in self._targets(kind, code):
                by_format.setdefault(conn.format, []).append(conn)
            for fmt, conns in by_format.items():
                out.append((writer(kind, instrument, fmt, style) or _generic(kind, fmt, style), kind, conns))
        return out

    def _targets(self, kind: str, code: str) -> list[tuple[Route, SimConnection]]:
        key = (kind, code)
        targets = self._targets_cache.get(key)
        if targets is None:
            entries = self.index.get(key) or {}
            targets = [(route, conn) for (_, route), conn in entries.items() if route in conn.active]
            self._targets_cache[key] = targets
        return targets

    def _send_shared(
        self, targets: list[tuple[Route, SimConnection]], kind: str, frame: dict[str, Any]
    ) -> None:
        cache: dict[str, bytes] = {}
        style = self.config.number_style
        for _, conn in targets:
            data = cache.get(conn.format)
            if data is None:
                data = cache[conn.format] = framed(encode(frame, conn.format, style))
            conn.pending.append(data)
            conn.pending_kinds.append(kind)
            self._dirty[conn.id] = conn

    def _route_book(self, code: str, slot: int) -> None:
        targets = self._targets("orderbook", code)
        if not targets:
            return
        state = self.market.states[code]
        cache: dict[tuple[str, int, float], bytes] = {}
        for route, conn in targets:
            key = (conn.format, route.depth, route.level)
            data = cache.get(key)
            if data is None:
                frame = frames.orderbook(state, route.depth, route.level, slot, "REALTIME")
                data = cache[key] = framed(encode(frame, conn.format, self.config.number_style))
            conn.pending.append(data)
            conn.pending_kinds.append("orderbook")
            self._dirty[conn.id] = conn

    def _flush_candles(self, stalled: bool) -> None:
        for code, kind, candle in self.market.flush_candles():
            targets = None if stalled else self._targets(kind, code)
            if targets:
                self._send_shared(targets, kind, frames.candle(code, kind, candle, "REALTIME"))

    # -- private -----------------------------------------------------------------------------

    def deliver(self, events: Iterable[PrivateEvent]) -> None:
        """Send myOrder / myAsset frames to the connections of their access key."""
        stalled = self.faults.data_stalled(self.clock())
        for event in events:
            kind = event.frame["type"]
            code = event.frame.get("code", ALL_CODES)
            seen: set[int] = set()
            for key in {(kind, code), (kind, ALL_CODES)}:
                for route, conn in self._targets(*key):
                    if conn.access_key != event.access_key or conn.id in seen or stalled:
                        continue
                    seen.add(conn.id)
                    conn.queue(encode(event.frame, conn.format, self.config.number_style), kind)
                    self._dirty[conn.id] = conn
        self.flush()

"""The router's decisions about gaps: which streams had one, and the held trades of a backfill.

Epochs (issue 13, item 2): the connection numbers its sockets (``FrameBatch.epoch``). The first
batch of a newer epoch on an endpoint means the socket before it is gone: every stream of that
endpoint a consumer held for its realtime events and that had delivered something (the router's
cache of the latest event) had a gap. Each of those (type, code) gets one ``Gap`` marker, put in
the buffer of every consumer holding it (``RoutingState.mark``), before the new socket's events.
A batch of an older epoch (late under load) is routed as before and opens nothing.

Backfill (item 3): for a trade stream, the gap waits for the missed trades. The router *holds*
that code's live trades, and once the first of them arrives (the SNAPSHOT of the new socket, or
its first REALTIME trade: from then on the stream has every trade) sends one ``BackfillRequest``
per code (whoever holds it) with the last trade delivered: the REST answer then reaches at least
up to the live stream's start, which a request sent at once may not (Upbit sends a code's
snapshot up to ~350 ms after the subscribe, SPEC §2.1). ``BackfillDone`` releases them: the ``Gap`` (filled when the fetch reached
back to that trade), then the fetched trades and the held live ones, deduplicated by
``sequential_id`` (the live copy wins) and ordered by (trade_timestamp, sequential_id) (SPEC
§8.1: ids are unique but not ordered), leaving out the trade before the gap and anything older.
Each consumer's ``Decoder`` still drops a repeat it already had (a trade of the same millisecond).

Bounds: a hold is released unfilled after ``BACKFILL_TIMEOUT`` seconds or ``HOLD_LIMIT`` held
trades; the answer of an older request is ignored. A gap while a backfill is pending keeps the
first boundary and asks again (one ``Gap`` covers both). Pure: ``now`` (monotonic) and ``wall``
are arguments. Exception tree: none raised.
"""

from __future__ import annotations

from typing import Any

import orjson
from attrs import define, field

from upbit_actors.messages.common import DataType, Endpoint, StreamType
from upbit_actors.messages.gaps import BackfillDone, BackfillRequest, Gap
from upbit_actors.system.wire.codec.gapframe import gap_frame
from upbit_actors.system.wire.codec.peek import Peek

__all__ = ["BACKFILL_TIMEOUT", "HOLD_LIMIT", "GapKeeper"]

BACKFILL_TIMEOUT: float = 30.0
"""Seconds the live trades of a code wait for its backfill. Upbit's quotation REST allows 10
calls/s per IP (SPEC §5); the default window (``HubConfig.backfill_limit``, 500 per call) is a
few calls per code, so 30 s covers dozens of codes; past it the gap is reported unfilled."""
HOLD_LIMIT: int = 20_000
"""Live trades of one code held during its backfill at most; past it the gap is released
unfilled (the trades are delivered, nothing is lost from the live stream)."""


def _fields(frame: bytes, trade: bool) -> tuple[int, int]:
    """(time stamp ms, sequential_id) of a DEFAULT or SIMPLE frame; (0, 0) when unreadable."""
    try:
        data = orjson.loads(frame)
        if "type" in data:
            return int(data["trade_timestamp" if trade else "timestamp"]), int(data.get("sequential_id") or 0)
        return int(data["ttms" if trade else "tms"]), int(data.get("sid") or 0)
    except Exception:  # noqa: BLE001 - an odd cached frame only loses the time of the notice
        return 0, 0


@define
class _Hold:
    epoch: int
    after_ms: int
    after_id: int
    last_seen: float
    resumed: float
    deadline: float
    asked: bool = False
    """The ``BackfillRequest`` went out (at the code's first live trade)."""
    items: list[Any] = field(factory=list)


@define
class GapKeeper:
    """Epochs seen per endpoint, and the trade codes held for their backfill."""

    backfill: bool = True
    """False: trade gaps are reported unfilled at once (``HubConfig.backfill_limit`` 0)."""
    timeout: float = BACKFILL_TIMEOUT
    hold_limit: int = HOLD_LIMIT
    _epochs: dict[Endpoint, int] = field(factory=dict, init=False)
    _holds: dict[str, _Hold] = field(factory=dict, init=False)
    gaps: int = field(default=0, init=False)
    """Gap notices made (one per stream and gap, whatever the number of holders)."""
    filled: int = field(default=0, init=False)
    backfilled: int = field(default=0, init=False)
    """Trades fetched from REST and routed."""

    def on_batch(self, state: Any, endpoint: Endpoint, epoch: int, items: list[Any], now: float,
                 wall: float) -> tuple[list[Any], list[BackfillRequest]]:
        """The items of a batch to route now (held trades taken out), and the backfills to ask
        for. Gap markers of a new epoch are put in the consumers' buffers first."""
        known = self._epochs.get(endpoint)
        requests: list[BackfillRequest] = []
        if known is None or epoch > known:
            self._epochs[endpoint] = epoch
            if known is not None:
                self._open(state, endpoint, epoch, now, wall)
        if self._holds and endpoint is Endpoint.PUBLIC:
            kept = []
            for item in items:
                hold = self._holds.get(item.code) if item.data_type is DataType.TRADE else None
                if hold is None:
                    kept.append(item)
                    continue
                hold.items.append(item)
                if not hold.asked:
                    hold.asked, hold.deadline = True, now + self.timeout
                    requests.append(BackfillRequest(code=item.code, epoch=hold.epoch, after_ms=hold.after_ms,
                                                    after_id=hold.after_id))
            items = kept
            for code in [c for c, h in self._holds.items() if len(h.items) >= self.hold_limit]:
                items += self._release(state, code, wall, (), False, "live trades piled up")
        return items, requests

    def _open(self, state: Any, endpoint: Endpoint, epoch: int, now: float, wall: float) -> None:
        for (data_type, code), last in sorted(state.streaming(endpoint).items()):
            trade = data_type is DataType.TRADE
            stamp, sid = _fields(last.frame, trade)
            hold = self._holds.get(code) if trade else None
            if hold is not None:  # a new gap during a backfill: ask again from the same trade
                hold.epoch, hold.deadline, hold.asked = epoch, now + self.timeout, False
            elif trade and self.backfill and stamp and sid:
                hold = self._holds[code] = _Hold(epoch=epoch, after_ms=stamp, after_id=sid,
                                                 last_seen=stamp / 1000, resumed=wall,
                                                 deadline=now + self.timeout)
            else:
                detail = "" if not trade else "backfill off" if not self.backfill else "no trade id"
                self._mark(state, Gap(data_type=data_type, code=code, epoch=epoch, last_seen=stamp / 1000,
                                      resumed=wall, filled=False, detail=detail))

    def _mark(self, state: Any, gap: Gap) -> None:
        self.gaps += 1
        self.filled += gap.filled
        state.mark(gap.data_type, gap.code, Peek(gap_frame(gap), gap.data_type, gap.code,
                                                 StreamType.REALTIME, candle_date_time_utc="gap"))

    def on_done(self, state: Any, msg: BackfillDone, wall: float) -> list[Any] | None:
        """The trades to route for a finished backfill (its ``Gap`` marked first); None for an
        answer nobody waits for (a newer gap asked again, or the hold timed out)."""
        hold = self._holds.get(msg.code)
        if hold is None or hold.epoch != msg.epoch:
            return None
        return self._release(state, msg.code, wall, msg.frames, msg.complete, msg.detail)

    def expire(self, state: Any, now: float, wall: float) -> list[Any]:
        """Release every hold past its deadline, unfilled; the items to route."""
        out: list[Any] = []
        for code in [c for c, h in self._holds.items() if h.deadline <= now]:
            out += self._release(state, code, wall, (), False, "backfill timed out")
        return out

    def epoch(self, endpoint: Endpoint) -> int | None:
        """The newest epoch seen on ``endpoint``."""
        return self._epochs.get(endpoint)

    def next_deadline(self) -> float | None:
        return min((h.deadline for h in self._holds.values()), default=None)

    def _release(self, state: Any, code: str, wall: float, frames: Any, complete: bool,
                 detail: str) -> list[Any]:
        hold = self._holds.pop(code)
        merged: dict[int, tuple[int, int, Any]] = {}
        fetched = 0
        for frame in frames:
            stamp, sid = _fields(frame, True)
            merged[sid] = (stamp, sid, Peek(frame, DataType.TRADE, code, StreamType.BACKFILL, sequential_id=sid))
        for item in hold.items:  # live copies win; a held SNAPSHOT is one of the missed trades
            stamp, sid = _fields(item.frame, True)  # (the router would skip it as a repeat)
            if item.stream_type is StreamType.SNAPSHOT:
                item = Peek(item.frame, DataType.TRADE, code, StreamType.REALTIME, sequential_id=sid)
            merged[sid] = (stamp, sid, item)
        out = []
        for stamp, sid, item in sorted(merged.values(), key=lambda e: (e[0], e[1])):
            if stamp < hold.after_ms or sid == hold.after_id:
                continue  # delivered before the gap
            fetched += item.stream_type is StreamType.BACKFILL
            out.append(item)
        self.backfilled += fetched
        self._mark(state, Gap(data_type=DataType.TRADE, code=code, epoch=hold.epoch,
                              last_seen=hold.last_seen, resumed=hold.resumed, filled=complete,
                              backfilled=fetched, detail="" if complete else detail))
        return out

    def status(self) -> dict[str, Any]:
        return {"gaps": self.gaps, "gaps_filled": self.filled, "backfilled": self.backfilled,
                "backfills_pending": len(self._holds)}

"""upbit_actors.system.router.gaps: one Gap per stream and gap, held trades released in time order.

Issue 13 items 2-3; SPEC §8.1 (ids unique but not ordered: dedupe by id, order by time), §2.1
(a code's snapshot may come ~350 ms after the subscribe: the backfill is asked at its first live
trade)."""

from __future__ import annotations

from typing import Any

import orjson

from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.gaps import BackfillDone, Gap
from upbit_actors.messages.subscription import Route, RoutingTable, StreamKey, StreamOptions
from upbit_actors.system.router.gaps import GapKeeper
from upbit_actors.system.router.state import RoutingState
from upbit_actors.system.wire.codec.decode import decode_batch
from upbit_actors.system.wire.codec.peek import peek

PUB = Endpoint.PUBLIC


def trade(ts: int, n: int = 0, st: str = "REALTIME", code: str = "KRW-BTC") -> Any:
    return peek(orjson.dumps({"type": "trade", "code": code, "trade_timestamp": ts, "timestamp": ts,
                              "sequential_id": ts * 10_000 + n, "stream_type": st}))


def ticker(ts: int, st: str = "REALTIME") -> Any:
    return peek(orjson.dumps({"type": "ticker", "code": "KRW-BTC", "timestamp": ts, "stream_type": st}))


def rest(ts: int, n: int = 0) -> bytes:
    return orjson.dumps({"type": "trade", "code": "KRW-BTC", "trade_timestamp": ts, "timestamp": ts,
                         "sequential_id": ts * 10_000 + n, "stream_type": "BACKFILL"})


def setup(**options: Any) -> tuple[RoutingState, GapKeeper]:
    state = RoutingState()
    keys = [StreamKey(data_type=t, code="KRW-BTC", options=StreamOptions(**options))
            for t in (DataType.TRADE, DataType.TICKER)]
    state.on_routes_changed(RoutingTable(generation=1, routes=[Route(component="c", name="c", keys=keys)]), 0.0)
    return state, GapKeeper(timeout=10.0)


def feed(state: RoutingState, keeper: GapKeeper, epoch: int, items: list[Any], now: float = 0.0) -> list[Any]:
    items, requests = keeper.on_batch(state, PUB, epoch, items, now, 100.0)
    state.on_events(PUB, epoch, items, now, 100.0)
    return requests


def delivered(state: RoutingState) -> list[Any]:
    """What the consumer gets: a ``Gap`` for a gap frame, else the frame's dict."""
    out = []
    while (batch := state.take_batch("c", 0.0)) is not None:
        for item in batch.items:
            data = orjson.loads(item.frame)
            out += decode_batch([item.frame]) if data["type"] == "gap" else [data]
        state.batch_done("c", batch.batch_id)
    return out


def test_first_epoch_is_no_gap_and_a_new_one_marks_each_stream_once() -> None:
    state, keeper = setup()
    assert feed(state, keeper, 1, [trade(1000), ticker(1000)]) == []
    delivered(state)
    requests = feed(state, keeper, 2, [ticker(2000, "SNAPSHOT")])
    assert requests == []  # the trade backfill waits for the code's first live trade
    events = delivered(state)
    assert isinstance(events[0], Gap) and events[1]["type"] == "ticker"
    assert events[0] == Gap(data_type=DataType.TICKER, code="KRW-BTC", epoch=2, last_seen=1.0, resumed=100.0,
                            filled=False)


def test_held_trades_and_backfill_merge_in_time_order_without_repeats() -> None:
    state, keeper = setup()
    feed(state, keeper, 1, [trade(1000)])
    delivered(state)
    requests = feed(state, keeper, 2, [trade(1500, st="SNAPSHOT"), trade(1600)])
    assert [(r.code, r.after_ms, r.after_id) for r in requests] == [("KRW-BTC", 1000, 10_000_000)]
    assert delivered(state) == []  # held
    frames = (rest(1000), rest(1000, 1), rest(1200), rest(1500))  # the last trade before, a same-ms one
    items = keeper.on_done(state, BackfillDone(code="KRW-BTC", epoch=2, frames=frames, complete=True), 100.0)
    state.on_events(PUB, 2, items, 0.0, 100.0)
    events = delivered(state)
    assert isinstance(events[0], Gap) and events[0].filled and events[0].backfilled == 2
    trades = [(e["trade_timestamp"], e["sequential_id"] % 10_000, e["stream_type"]) for e in events[1:]]
    assert trades == [(1000, 1, "BACKFILL"), (1200, 0, "BACKFILL"), (1500, 0, "SNAPSHOT"), (1600, 0, "REALTIME")]
    assert feed(state, keeper, 2, [trade(1700)]) == [] and len(delivered(state)) == 1  # live again


def test_a_stale_answer_is_ignored_and_a_timeout_releases_unfilled() -> None:
    state, keeper = setup()
    feed(state, keeper, 1, [trade(1000)])
    feed(state, keeper, 2, [trade(1500, st="SNAPSHOT")], now=1.0)
    delivered(state)
    assert keeper.on_done(state, BackfillDone(code="KRW-BTC", epoch=1, complete=True), 100.0) is None
    assert keeper.expire(state, 5.0, 100.0) == [] and keeper.next_deadline() == 11.0
    items = keeper.expire(state, 11.0, 100.0)
    state.on_events(PUB, 2, items, 0.0, 100.0)
    gap, held = delivered(state)
    assert not gap.filled and gap.detail == "backfill timed out" and held["sequential_id"] == 15_000_000


def test_without_backfill_a_trade_gap_is_reported_unfilled_at_once() -> None:
    state, _ = setup()
    keeper = GapKeeper(backfill=False)
    feed(state, keeper, 1, [trade(1000)])
    delivered(state)
    assert feed(state, keeper, 2, [trade(1500, st="SNAPSHOT")]) == []
    gap, live = delivered(state)
    assert gap.data_type is DataType.TRADE and not gap.filled and gap.detail == "backfill off"
    assert live["sequential_id"] == 15_000_000


def test_a_late_batch_of_an_older_epoch_opens_nothing_and_snapshot_holders_get_no_gap() -> None:
    state, keeper = setup(only_snapshot=True)
    feed(state, keeper, 5, [trade(1000, st="SNAPSHOT")])
    delivered(state)
    assert feed(state, keeper, 6, [trade(1500, st="SNAPSHOT")]) == []  # not a streaming holder
    assert feed(state, keeper, 4, [trade(900)]) == [] and keeper.gaps == 0

"""upbit_actors.system.router.state: matching, snapshot dedupe, join cache, bounded buffers, flow control.

SPEC §2.1 (a resend makes Upbit send fresh snapshots), §2.2 (codes without the .N suffix,
silent codes), §3.3 (whole-book orderbooks padded to the requested depth), §3.4 (candle
repeats), §3.5-3.6 (private events)."""

from __future__ import annotations

from typing import Any

import orjson
from attrs import frozen
from thespian.actors import ActorAddress

from upbit_actors.messages.common import AskBid, CandleInterval, DataType, Endpoint, OrderState, OrderType, StreamType
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.messages.market import Candle, Orderbook, OrderbookUnit
from upbit_actors.messages.private import AssetBalance, MyAsset, MyOrder
from upbit_actors.messages.subscription import Route, RoutingTable, StreamKey, StreamOptions
from upbit_actors.system.router.outbox import PIPELINE_AT
from upbit_actors.system.router.state import RoutingState
from upbit_actors.system.wire.codec import decode, to_default_dict
from upbit_actors.system.wire.codec.peek import Peek, peek

T = DataType
PUB, PRIV = Endpoint.PUBLIC, Endpoint.PRIVATE
SNAP, RT = StreamType.SNAPSHOT, StreamType.REALTIME


@frozen
class Ev:
    """A stand-in event: what the router reads (data_type, code, stream_type, orderbook shape)."""

    data_type: DataType
    code: str | None
    stream_type: StreamType = RT
    n: int = 0
    orderbook_units: tuple[int, ...] = ()
    level: float = 0.0
    candle_date_time_utc: str | None = None

    @property
    def depth(self) -> int:
        return len(self.orderbook_units)


def book(code: str, depth: int = 30, level: float = 0.0, st: StreamType = RT, n: int = 0) -> Ev:
    return Ev(T.ORDERBOOK, code, st, n, tuple(range(depth)), level)


def key(data_type: DataType, code: str | None, **options: Any) -> StreamKey:
    return StreamKey(data_type=data_type, code=code, options=StreamOptions(**options))


def table(gen: int, **routes: list[StreamKey]) -> RoutingTable:
    return RoutingTable(generation=gen, routes=[Route(component=c, name=c, keys=ks) for c, ks in routes.items()])


def drain(state: RoutingState, now: float = 0.0) -> dict[Any, list[Any]]:
    """Take one batch per ready component and ack it; returns the events per component."""
    out: dict[Any, list[Any]] = {}
    for delivery in state.take_batches(now):
        out[delivery.component] = list(delivery.items)
        assert state.batch_done(delivery.component, delivery.batch_id)
    return out


# -- matching --------------------------------------------------------------------------------


def test_events_go_only_to_components_holding_the_type_and_code() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-BTC")], b=[key(T.TICKER, "KRW-ETH"), key(T.TRADE, "KRW-BTC")]), 0)
    events = [Ev(T.TICKER, "KRW-BTC", n=1), Ev(T.TICKER, "KRW-ETH", n=2), Ev(T.TRADE, "KRW-BTC", n=3), Ev(T.TRADE, "KRW-XRP")]
    assert s.on_events(PUB, 1, events) == 3
    assert drain(s) == {"a": [events[0]], "b": [events[1], events[2]]}
    assert s.unrouted == 1


def test_private_events() -> None:
    # SPEC §3.5: myOrder matches a code key or the all-markets key; §3.6 myAsset has no code.
    s = RoutingState(credit=1)
    s.on_routes_changed(
        table(1, a=[key(T.MY_ORDER, "KRW-BTC")], b=[key(T.MY_ORDER, None), key(T.MY_ASSET, None)], c=[key(T.MY_ASSET, None)]), 0
    )
    btc, eth, asset = Ev(T.MY_ORDER, "KRW-BTC"), Ev(T.MY_ORDER, "KRW-ETH"), Ev(T.MY_ASSET, None)
    s.on_events(PRIV, 1, [btc, eth, asset])
    assert drain(s) == {"a": [btc], "b": [btc, eth, asset], "c": [asset]}


def test_orderbook_depths_of_one_code_are_told_apart_by_the_book() -> None:
    # SPEC §2.2: the wire code has no .N suffix; §3.3: Upbit pads to the requested depth.
    s = RoutingState(credit=1)
    s.on_routes_changed(
        table(1, a=[key(T.ORDERBOOK, "KRW-BTC", depth=5)], b=[key(T.ORDERBOOK, "KRW-BTC")], c=[key(T.ORDERBOOK, "KRW-BTC", depth=15)]), 0
    )
    b5, b30, b15, b3 = book("KRW-BTC", 5), book("KRW-BTC", 30), book("KRW-BTC", 15), book("KRW-BTC", 3)
    s.on_events(PUB, 1, [b5, b30, b15])
    assert drain(s) == {"a": [b5], "b": [b30], "c": [b15]}
    s.on_events(PUB, 1, [b3])  # a thin book trimmed somewhere: the smallest depth that holds it
    assert drain(s) == {"a": [b3]}


def test_one_depth_only_takes_every_book_of_the_code() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.ORDERBOOK, "KRW-BTC", depth=15)]), 0)
    odd = book("KRW-BTC", 12)
    s.on_events(PUB, 1, [odd])
    assert drain(s) == {"a": [odd]}


def test_orderbook_levels_are_told_apart() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.ORDERBOOK, "KRW-BTC", level=10000.0)], b=[key(T.ORDERBOOK, "KRW-BTC")]), 0)
    grouped, plain = book("KRW-BTC", level=10000.0), book("KRW-BTC")
    s.on_events(PUB, 1, [grouped, plain])
    assert drain(s) == {"a": [grouped], "b": [plain]}
    s.on_events(PUB, 1, [book("KRW-BTC", level=5.0)])  # nobody asked for that level
    assert drain(s) == {} and s.unrouted == 1


def test_flags() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(
        table(1, snap=[key(T.TICKER, "KRW-A", only_snapshot=True)], rt=[key(T.TICKER, "KRW-A", only_realtime=True)], both=[key(T.TICKER, "KRW-A")]), 0
    )
    first, second = Ev(T.TICKER, "KRW-A", SNAP, 1), Ev(T.TICKER, "KRW-A", RT, 2)
    s.on_events(PUB, 1, [first])
    s.on_events(PUB, 1, [second])
    got = drain(s)
    assert got == {"snap": [first], "rt": [second], "both": [first, second]}  # free: nothing conflated


def test_latest_conflates_only_while_a_consumer_has_no_credit_left() -> None:
    s = RoutingState(credit=2)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A")]), 0)
    ticks = [Ev(T.TICKER, "KRW-A", RT, n) for n in range(PIPELINE_AT + 4)]
    s.on_events(PUB, 1, ticks[:2])  # nothing in flight: both go at once, in one batch
    one = s.take_batch("a", 0.0)
    s.on_events(PUB, 1, ticks[2:3])  # one in flight, few waiting: they wait for its ack...
    assert s.take_batch("a", 0.0) is None
    s.on_events(PUB, 1, ticks[3:PIPELINE_AT + 2])  # ...each kept (credit is left), until enough wait
    two = s.take_batch("a", 0.0)
    s.on_events(PUB, 1, ticks[PIPELINE_AT + 2:])  # no credit: the newest per code waits
    assert [e.n for e in one.items] == [0, 1] and [e.n for e in two.items] == list(range(2, PIPELINE_AT + 2))
    assert s.take_batch("a", 0.0) is None
    s.batch_done("a", one.batch_id)
    assert s.take_batch("a", 0.0) is None  # credit again, but one in flight and one waiting
    s.batch_done("a", two.batch_id)
    three = s.take_batch("a", 0.0)
    assert [e.n for e in three.items] == [PIPELINE_AT + 3] and three.dropped == 1


def test_a_few_events_wait_for_the_ack_and_leave_together_unconflated() -> None:
    s = RoutingState(credit=4)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A")]), 0)
    s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A", RT, 0)])
    first = s.take_batch("a", 0.0)
    for n in range(1, 6):  # one routing pass each, as frames arrive
        s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A", RT, n)])
        assert s.take_batches(0.0) == []
    s.batch_done("a", first.batch_id)
    (second,) = s.take_batches(0.0)
    assert [e.n for e in second.items] == [1, 2, 3, 4, 5] and second.dropped == 0


# -- snapshot dedupe and the join cache ------------------------------------------------------


def test_resend_snapshots_are_not_repeated_on_the_same_connection() -> None:
    # SPEC §2.1 rule 2: every resend brings fresh SNAPSHOTs for all codes.
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TRADE, "KRW-A")]), 0)
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A", SNAP, 1), Ev(T.TRADE, "KRW-A", RT, 2)])
    assert len(drain(s)["a"]) == 2
    s.on_routes_changed(table(2, a=[key(T.TRADE, "KRW-A")], b=[key(T.TRADE, "KRW-B")]), 0)
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A", SNAP, 2), Ev(T.TRADE, "KRW-B", SNAP, 3)])
    assert drain(s) == {"b": [Ev(T.TRADE, "KRW-B", SNAP, 3)]}
    # After a reconnect (new epoch) the stream had a gap: the snapshot passes.
    s.on_events(PUB, 2, [Ev(T.TRADE, "KRW-A", SNAP, 9)])
    assert drain(s) == {"a": [Ev(T.TRADE, "KRW-A", SNAP, 9)]}


def test_only_snapshot_holders_get_one_snapshot_even_across_reconnects() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A", only_snapshot=True)]), 0)
    s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A", SNAP, 1)])
    s.on_events(PUB, 2, [Ev(T.TICKER, "KRW-A", SNAP, 2)])
    assert drain(s) == {"a": [Ev(T.TICKER, "KRW-A", SNAP, 1)]}


def test_a_joining_component_gets_the_cached_latest_at_once() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A"), key(T.MY_ASSET, None)]), 0)
    latest = Ev(T.TICKER, "KRW-A", RT, 2)
    s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A", SNAP, 1), latest])
    s.on_events(PRIV, 1, [Ev(T.MY_ASSET, None)])
    drain(s)
    initial = s.on_routes_changed(
        table(2, a=[key(T.TICKER, "KRW-A")], b=[key(T.TICKER, "KRW-A"), key(T.MY_ASSET, None)], c=[key(T.TICKER, "KRW-A", only_realtime=True)]), 1
    )
    assert initial == [("b", (latest,))]  # not a (already has it), not c (no snapshot wanted), no private cache
    assert drain(s) == {"b": [latest]}
    # The snapshot of the resend that follows is not repeated to b.
    s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A", SNAP, 3)])
    assert drain(s) == {}


def test_resubscribing_gets_the_cached_event_again() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A")], b=[key(T.TICKER, "KRW-A")]), 0)
    latest = Ev(T.TICKER, "KRW-A", SNAP)
    s.on_events(PUB, 1, [latest])
    drain(s)
    s.on_routes_changed(table(2, a=[key(T.TRADE, "KRW-A")], b=[key(T.TICKER, "KRW-A")]), 0)
    assert s.on_routes_changed(table(3, a=[key(T.TICKER, "KRW-A")], b=[key(T.TICKER, "KRW-A")]), 0) == [("a", (latest,))]


def test_stale_or_repeated_tables_are_ignored_and_dropped_routes_stop() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(5, a=[key(T.TICKER, "KRW-A")]), 0)
    assert s.on_routes_changed(table(4, a=[]), 0) == []
    s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A")])
    s.on_routes_changed(table(6, a=[key(T.TRADE, "KRW-A")]), 0)
    assert drain(s) == {}  # buffered ticker discarded: a no longer holds it
    assert s.status()["cached"] == 0  # no one holds the ticker: cache pruned


# -- buffers and flow control ----------------------------------------------------------------


def test_in_flight_component_accumulates_with_the_overflow_policy() -> None:
    s = RoutingState(credit=1, buffer_limit=3)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A"), key(T.TRADE, "KRW-A"), key(T.ORDERBOOK, "KRW-A")]), 0)
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A", n=0)])
    first = s.take_batch("a", 0.0)
    assert first is not None and s.take_batch("a", 0.1) is None and s.ready(0.1) == []
    events = [Ev(T.TICKER, "KRW-A", n=i) for i in range(3)] + [Ev(T.TRADE, "KRW-A", n=i) for i in range(1, 6)]
    events += [book("KRW-A", n=1), book("KRW-A", n=2)]
    s.on_events(PUB, 1, events)
    assert s.status()["components"]["a"]["buffered"] == 5  # latest ticker, 3 trades, latest book
    assert s.batch_done("a", first.batch_id) and not s.batch_done("a", first.batch_id)
    batch = s.take_batch("a", 0.2)
    assert [(e.data_type, e.n) for e in batch.items] == [
        (T.TICKER, 2), (T.TRADE, 3), (T.TRADE, 4), (T.TRADE, 5), (T.ORDERBOOK, 2)
    ]
    assert batch.dropped == 2 + 2 + 1  # 2 trades at the bound, 2 tickers and 1 book replaced
    status = s.status()["components"]["a"]
    assert (status["dropped"], status["replaced"], status["delivered"]) == (2, 3, 6)


def test_one_batch_per_component_per_pass_and_bounded_batch_size() -> None:
    s = RoutingState(credit=1, max_batch=2)
    s.on_routes_changed(table(1, a=[key(T.TRADE, "KRW-A")]), 0)
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A", n=i) for i in range(5)])
    (d,) = s.take_batches(0.0)
    assert len(d.items) == 2 and s.take_batches(0.0) == []
    assert s.batch_done("a")  # ack without an id: whatever is in flight
    assert [e.n for e in s.take_batches(0.0)[0].items] == [2, 3]


def test_a_lost_ack_times_out() -> None:
    s = RoutingState(credit=1, ack_timeout=5.0)
    s.on_routes_changed(table(1, a=[key(T.TRADE, "KRW-A")]), 0)
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A", n=1)])
    d1 = s.take_batch("a", 10.0)
    assert s.next_deadline() is None  # nothing waiting behind it
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A", n=2)])
    assert s.next_deadline() == 15.0 and s.ready(14.9) == []
    assert s.ready(15.0) == ["a"]
    d2 = s.take_batch("a", 15.0)
    assert not s.batch_done("a", d1.batch_id)  # the late ack of the first batch is stale
    assert s.batch_done("a", d2.batch_id)
    assert s.status()["components"]["a"]["ack_timeouts"] == 1


def test_removed_component_and_unknown_acks() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TRADE, "KRW-A")]), 0)
    s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A")])
    s.remove_component("a")
    assert s.ready(0) == [] and s.take_batch("a", 0) is None and not s.batch_done("a")
    assert s.on_events(PUB, 1, [Ev(T.TRADE, "KRW-A")]) == 0


def test_unhashable_addresses() -> None:
    a = ActorAddress("T|127.0.0.1:5")
    s = RoutingState(credit=1)
    s.on_routes_changed(RoutingTable(generation=1, routes=[Route(component=a, name="bot", keys=[key(T.TICKER, "KRW-A")])]), 0)
    s.on_events(PUB, 1, [Ev(T.TICKER, "KRW-A")])
    (d,) = s.take_batches(0)
    assert d.component == a and s.batch_done(ActorAddress("T|127.0.0.1:5"), d.batch_id)
    assert list(s.status()["components"]) == ["bot"]


def test_from_config() -> None:
    assert RoutingState.from_config(HubConfig(buffer_limit=7)).buffer_limit == 7


# -- with real frames, as the router gets them ------------------------------------------------


def peeked(*events: Any) -> list[Peek]:
    """Each event as the DEFAULT frame Upbit would send, read by ``peek`` like the router does."""
    return [peek(orjson.dumps(to_default_dict(e))) for e in events]


def decoded(items: Any) -> list[Any]:
    return [event for item in items for event in decode(item.frame)]


def test_real_events() -> None:
    units = [OrderbookUnit(ask_price=2.0, bid_price=1.0, ask_size=1.0, bid_size=1.0)] * 5
    ob = Orderbook(code="KRW-BTC", total_ask_size=5, total_bid_size=5, orderbook_units=units, timestamp=1, stream_type=SNAP)
    candle = dict(code="KRW-BTC", interval=CandleInterval.M1, candle_date_time_kst="x", opening_price=1, high_price=1,
                  low_price=1, trade_price=1, candle_acc_trade_volume=1, candle_acc_trade_price=1, timestamp=1, stream_type=RT)
    c1 = Candle(candle_date_time_utc="2025-01-01T00:00:00", **candle)
    c1b = Candle(candle_date_time_utc="2025-01-01T00:00:00", **{**candle, "trade_price": 2})
    c2 = Candle(candle_date_time_utc="2025-01-01T00:01:00", **candle)
    order = MyOrder(code="KRW-BTC", uuid="u", ask_bid=AskBid.BID, order_type=OrderType.LIMIT, state=OrderState.WAIT,
                    price=1, avg_price=0, volume=1, remaining_volume=1, executed_volume=0, trades_count=0,
                    reserved_fee=0, remaining_fee=0, paid_fee=0, locked=1, executed_funds=0, order_timestamp=1,
                    timestamp=1, stream_type=RT)
    asset = MyAsset(asset_uuid="a", assets=[AssetBalance(currency="KRW", balance=1, locked=0)], asset_timestamp=1,
                    timestamp=1, stream_type=RT)
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.ORDERBOOK, "KRW-BTC", depth=5), key(T.CANDLE_1M, "KRW-BTC"),
                                    key(T.MY_ORDER, None), key(T.MY_ASSET, None)]), 0)
    s.take_batch("a", 0)  # nothing yet
    s.on_events(PUB, 1, peeked(ob))
    first = s.take_batch("a", 0)
    s.on_events(PUB, 1, peeked(c1, c1b, c2))  # the same period repeats: latest wins (SPEC §3.4)
    s.on_events(PRIV, 1, peeked(order, asset))
    s.batch_done("a", first.batch_id)
    assert decoded(s.take_batch("a", 0).items) == [c1b, c2, order, asset]
    assert decoded(first.items) == [ob]


def test_older_tables_and_non_events_are_ignored() -> None:
    s = RoutingState(credit=1)
    s.on_routes_changed(table(1, a=[key(T.TICKER, "KRW-A")]), 0)
    s.on_routes_changed(table(9, a=[key(T.TRADE, "KRW-A")]), 0)
    s.on_routes_changed(table(2, a=[key(T.TICKER, "KRW-A")]), 0)  # ignored: older
    trade = Ev(T.TRADE, "KRW-A")
    assert s.on_events(PUB, 1, [object(), trade, Ev(T.TICKER, "KRW-A")]) == 1
    assert s.status()["ignored"] == 1 and s.unrouted == 1 and drain(s) == {"a": [trade]}

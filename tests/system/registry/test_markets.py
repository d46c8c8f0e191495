"""The market list and snapshot checks (SPEC §2.2: unknown codes get silence; §8 the list)."""

from __future__ import annotations

import json

from upbit_actors.messages import DataType, StreamKey, StreamOptions, StreamSpec, SubscriptionRejected
from upbit_actors.messages.rest import RestResult
from upbit_actors.system.registry.book import SubscriptionBook
from upbit_actors.system.registry.checks import market_reason
from upbit_actors.system.registry.markets import MIN_RETRY, MarketWatch, SnapshotWatch

BODY = json.dumps([{"market": "KRW-BTC", "korean_name": "", "english_name": "Bitcoin"},
                   {"market": "KRW-ETH", "korean_name": "", "english_name": "Ethereum"}]).encode()


def ok(ticket: str, body: bytes = BODY) -> RestResult:
    return RestResult(ticket=ticket, path="/v1/market/all", status=200, body=body)


def test_first_fetch_at_start_then_every_refresh() -> None:
    watch = MarketWatch(enabled=True, refresh=100.0)
    watch.start(0.0)
    assert not watch.settled
    get = watch.due(0.0)
    assert get is not None and get.path == "/v1/market/all"
    assert watch.due(1.0) is None  # one at a time
    assert watch.on_result(ok(get.ticket), 1.0)
    assert watch.settled and watch.codes == {"KRW-BTC", "KRW-ETH"}
    assert watch.next_deadline() == 101.0
    assert watch.due(100.0) is None
    again = watch.due(101.0)
    assert again is not None and again.ticket != get.ticket
    assert not watch.on_result(ok(get.ticket), 102.0)  # a stale answer changes nothing
    assert not watch.on_result(ok(again.ticket), 102.0)  # same list: no change


def test_a_failed_fetch_settles_keeps_the_old_list_and_retries_sooner() -> None:
    watch = MarketWatch(enabled=True, refresh=3600.0, deadline=20.0)
    watch.start(0.0)
    first = watch.due(0.0)
    watch.on_result(RestResult(ticket=first.ticket, path=first.path, error="unreachable"), 1.0)
    assert watch.settled and watch.codes is None and "could not be fetched" in watch.reason
    assert watch.next_deadline() == 1.0 + 360.0
    second = watch.due(361.0)
    watch.on_result(ok(second.ticket), 362.0)
    third = watch.due(362.0 + 3600.0)
    assert watch.due(362.0 + 3600.0 + 20.0) is None  # no answer within the deadline: failed
    assert watch.codes == {"KRW-BTC", "KRW-ETH"} and watch.failures == 2 and third is not None
    bad = watch.due(watch.next_deadline())
    watch.on_result(ok(bad.ticket, b"{}"), 5000.0)  # not a list: a failure, the list stays
    assert watch.codes == {"KRW-BTC", "KRW-ETH"} and watch.next_deadline() == 5000.0 + 360.0
    assert MarketWatch(enabled=True, refresh=10.0).refresh / 10 < MIN_RETRY


def test_disabled_is_settled_at_once_without_a_list() -> None:
    watch = MarketWatch(enabled=False)
    watch.start(0.0)
    assert watch.settled and watch.codes is None and watch.due(0.0) is None and watch.next_deadline() is None


def test_market_reason_names_the_unknown_codes() -> None:
    spec = StreamSpec(data_type=DataType.TICKER, codes=("KRW-BTC", "KRW-NOPE"))
    assert market_reason(spec, None) == ""
    assert market_reason(spec, {"KRW-BTC", "KRW-NOPE"}) == ""
    assert "KRW-NOPE" in market_reason(spec, {"KRW-BTC"}) and "KRW-BTC" not in market_reason(spec, {"KRW-BTC"})


def test_the_book_rejects_unknown_codes_and_drops_them_when_the_list_arrives() -> None:
    book = SubscriptionBook(merge_window=0.0)
    nope = StreamSpec(data_type=DataType.TICKER, codes=("KRW-NOPE",))
    btc = StreamSpec(data_type=DataType.TRADE, codes=("KRW-BTC",))
    book.replace("a", "a", [nope, btc], 0.0, seq=1, instance="a1")  # no list: both held
    assert len(book.keys_of("a")) == 2
    dropped = book.set_markets(frozenset({"KRW-BTC"}), 1.0)
    assert [(c, r.spec) for c, r in dropped] == [("a", nope)]
    assert isinstance(dropped[0][1], SubscriptionRejected) and "KRW-NOPE" in dropped[0][1].reason
    assert [k.code for k in book.keys_of("a")] == ["KRW-BTC"]
    replies = book.replace("b", "b", [nope], 2.0, seq=1, instance="b1")
    assert [type(r) for r in replies] == [SubscriptionRejected, type(replies[-1])]
    assert book.keys_of("b") == ()


def test_snapshot_watch_asks_once_per_unchecked_key_and_reports_the_silent() -> None:
    watch = SnapshotWatch(timeout=10.0)
    nope = StreamKey(data_type=DataType.TICKER, code="KRW-NOPE")
    btc = StreamKey(data_type=DataType.TICKER, code="KRW-BTC")
    realtime = StreamKey(data_type=DataType.TRADE, code="KRW-X", options=StreamOptions(only_realtime=True))
    private = StreamKey(data_type=DataType.MY_ORDER, code="KRW-BTC")
    watch.sync([nope, btc, realtime, private], 0.0, unchecked=True)
    assert watch.next_deadline() == 10.0 and watch.due(9.9) is None
    check, keys = watch.due(10.0)
    assert set(keys) == {nope, btc}  # only_realtime and private streams expect no snapshot
    assert watch.due(20.0) is None and watch.next_deadline() is None
    assert watch.silent(check, [btc]) == (nope,)
    assert watch.silent(check, []) == ()  # answered once
    watch.sync([btc], 30.0, unchecked=True)  # released and held again: a new clock
    watch.sync([btc, nope], 31.0, unchecked=True)
    assert watch.next_deadline() == 41.0
    watch.sync([btc], 32.0, unchecked=False)
    watch.sync([btc, nope], 33.0, unchecked=False)  # a list is known: no clock for new keys
    assert watch.next_deadline() is None and watch.alerted == 1

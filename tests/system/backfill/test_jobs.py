"""upbit_actors.system.backfill: paging REST trades back to the last trade delivered (SPEC §8.1:
newest first, ``cursor`` = sequential_id, up to 500 a call), within the window."""

from __future__ import annotations

import orjson
import pytest

from upbit_actors.messages.gaps import BackfillRequest
from upbit_actors.system.backfill import PAGE, Backfills, trade_frame
from upbit_actors.system.backfill.jobs import MAX_RATE_LIMITED
from upbit_actors.system.errors import RestError
from upbit_actors.system.wire.codec.decode import decode

NOW = 1_000.0  # wall seconds


def row(ts: int, n: int = 0) -> dict:
    return {"market": "KRW-BTC", "trade_date_utc": "2024-10-31", "trade_time_utc": "01:07:42", "timestamp": ts,
            "trade_price": 101.0, "trade_volume": 0.5, "prev_closing_price": 100.0, "change_price": 1.0,
            "ask_bid": "BID", "sequential_id": ts * 10_000 + n}


def page(newest: int, count: int = PAGE) -> list[dict]:
    return [row(ts) for ts in range(newest, newest - count, -1)]


def jobs(after_ms: int, window: float = 300.0, limit: int = 2_000) -> Backfills:
    queue = Backfills(window=window, limit=limit)
    queue.add(BackfillRequest(code="KRW-BTC", epoch=3, after_ms=after_ms, after_id=after_ms * 10_000), NOW)
    return queue


def test_pages_until_the_last_trade_delivered_then_answers_oldest_first() -> None:
    queue = jobs(after_ms=999_000 - 700)
    job, params = queue.next_call(0.0)
    assert params == [("market", "KRW-BTC"), ("count", PAGE)]
    job.feed(page(999_000))
    job, params = queue.next_call(0.0)
    assert params[-1] == ("cursor", (999_000 - PAGE + 1) * 10_000)
    job.feed(page(999_000 - PAGE))  # reaches the request's trade
    (done,) = queue.finished()
    assert done.complete and done.epoch == 3 and len(done.frames) == 700
    first = decode(done.frames[0])[0]
    assert first.trade_timestamp == 999_000 - 699 and first.stream_type.value == "BACKFILL"
    assert queue.wait(0.0) is None


def test_more_than_the_limit_is_the_newest_limit_unfilled() -> None:
    queue = jobs(after_ms=1, limit=600)
    for newest in (999_000, 999_000 - PAGE):
        job, _ = queue.next_call(0.0)
        job.feed(page(newest))
    (done,) = queue.finished()
    assert not done.complete and done.detail.startswith("window exceeded") and len(done.frames) == 600


def test_a_gap_older_than_the_window_stops_paging() -> None:
    queue = jobs(after_ms=1, window=0.2)  # NOW - 0.2 s = 999_800 ms
    job, _ = queue.next_call(0.0)
    job.feed(page(999_900, PAGE))
    (done,) = queue.finished()
    assert not done.complete and "older than the backfill window" in done.detail


def test_rate_limited_pauses_then_fails_and_a_bad_body_is_an_error() -> None:
    queue = jobs(after_ms=1)
    job, _ = queue.next_call(0.0)
    queue.on_rate_limited(job, 5.0)
    assert queue.wait(5.5) == pytest.approx(0.5)
    for _ in range(MAX_RATE_LIMITED - 1):
        queue.on_rate_limited(job, 6.0)
    (done,) = queue.finished()
    assert not done.complete and "429" in done.detail
    with pytest.raises(RestError):
        jobs(after_ms=1).next_call(0.0)[0].feed({"error": {}})


def test_a_rest_row_becomes_a_trade_frame() -> None:
    (event,) = decode(trade_frame(row(1_730_336_862_047), "KRW-BTC"))
    assert (event.code, event.sequential_id, event.change.value) == ("KRW-BTC", 17_303_368_620_470_000, "RISE")
    assert orjson.loads(trade_frame(row(5), "KRW-BTC"))["trade_timestamp"] == 5
    with pytest.raises(RestError):
        trade_frame({"timestamp": 1}, "KRW-BTC")

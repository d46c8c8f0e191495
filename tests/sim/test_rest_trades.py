"""The simulator's ``GET /v1/trades/ticks`` serves the trades it streams (SPEC §8.1)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from upbit_actors.tools.sim import SimConfig, Simulator

from tests.polling import wait_for


def get(sim: Simulator, query: str) -> list[dict]:
    with urllib.request.urlopen(f"{sim.rest_url}/v1/trades/ticks?{query}", timeout=5) as reply:
        return json.load(reply)


def test_ticks_page_newest_first_over_the_record() -> None:
    with Simulator(SimConfig(rate=300.0, markets=["KRW-BTC"], trade_share=1.0)) as sim:
        wait_for(lambda: len(sim.trade_record("KRW-BTC")) >= 20, what="20 trades")
        first = get(sim, "market=KRW-BTC&count=5")
        record = [tuple(t) for t in sim.trade_record("KRW-BTC")]
        keys = [(r["timestamp"], r["sequential_id"]) for r in first]
        assert keys == sorted(keys, reverse=True) and set(keys) <= set(record)
        older = get(sim, f"market=krw-btc&count=5&cursor={first[-1]['sequential_id']}")
        expected = [k for k in record if k[1] < first[-1]["sequential_id"]][-5:][::-1]
        assert [(r["timestamp"], r["sequential_id"]) for r in older] == expected
        assert set(first[0]) == {"market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price",
                                 "trade_volume", "prev_closing_price", "change_price", "ask_bid", "sequential_id"}
        for query, status in (("market=KRW-NOPE", 404), ("market=KRW-BTC&count=501", 400), ("count=1", 400)):
            with pytest.raises(urllib.error.HTTPError) as caught:
                get(sim, query)
            assert caught.value.code == status

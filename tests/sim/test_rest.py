"""The simulator's REST API (SPEC §5 limits, §8 market list): the pure dispatcher, then over HTTP
on the WebSocket port."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from upbit_actors.tools.sim import SimConfig, Simulator
from upbit_actors.tools.sim.markets import MarketDirectory, synthetic_codes
from upbit_actors.tools.sim.rest import RestDispatcher, RestFailure, RestRoute, market_all
from upbit_actors.tools.sim.rest_routes import ROUTES

CAUTIONS = {"PRICE_FLUCTUATIONS", "TRADING_VOLUME_SOARING", "DEPOSIT_AMOUNT_SOARING",
            "GLOBAL_PRICE_DIFFERENCES", "CONCENTRATION_OF_SMALL_ACCOUNTS"}


class Side:
    directory = MarketDirectory(["KRW-BTC", "KRW-ETH", "BTC-ETH"], seed=1)


def test_market_all_is_the_streamed_list_in_the_fixture_shape() -> None:
    answer = RestDispatcher(ROUTES).answer(Side(), "/v1/market/all", "c", 0.0)
    assert answer.status == 200
    rows = json.loads(answer.body)
    assert [r["market"] for r in rows] == ["KRW-BTC", "KRW-ETH", "BTC-ETH"]
    assert set(rows[0]) == {"market", "korean_name", "english_name"}
    detailed = json.loads(RestDispatcher(ROUTES).answer(Side(), "/v1/market/all?is_details=true", "c", 0.0).body)
    assert set(detailed[0]["market_event"]) == {"warning", "caution"}
    assert set(detailed[0]["market_event"]["caution"]) == CAUTIONS


def test_bad_flag_unknown_path_and_handler_failures_use_upbits_error_shape() -> None:
    rest = RestDispatcher(ROUTES)
    bad = rest.answer(Side(), "/v1/market/all?is_details=maybe", "c", 0.0)
    assert bad.status == 400 and set(json.loads(bad.body)["error"]) == {"name", "message"}
    missing = rest.answer(Side(), "/v1/nothing", "c", 0.0)
    assert missing.status == 404 and "error" in json.loads(missing.body)


def test_each_group_allows_ten_per_second_per_client_and_refusals_cost_nothing() -> None:
    """SPEC §5: 10/s per group per IP; the 11th within a second is a 429 and a violation."""
    def echo(side: Any, query: Any, now: float) -> Any:
        return {"ok": True}

    seen: list[tuple[str, str]] = []
    rest = RestDispatcher([*ROUTES, RestRoute("/v1/trades/ticks", "trade", echo)])
    statuses = [rest.answer(Side(), "/v1/market/all", "a", 100.0 + i * 0.01,
                            lambda g, p: seen.append((g, p))).status for i in range(11)]
    assert statuses == [200] * 10 + [429]
    assert seen == [("market", "/v1/market/all")]
    refused = rest.answer(Side(), "/v1/market/all", "a", 100.2)
    assert refused.status == 429 and json.loads(refused.body)["error"]["name"] == "too_many_requests"
    assert dict(refused.headers)["remaining-req"] == "group=market; min=600; sec=0"
    # another group and another client have budgets of their own
    assert rest.answer(Side(), "/v1/trades/ticks", "a", 100.2).status == 200
    assert rest.answer(Side(), "/v1/market/all", "b", 100.2).status == 200
    # one second after the first: one slot is free again (refused ones took none)
    assert rest.answer(Side(), "/v1/market/all", "a", 101.0 + 1e-6).status == 200
    assert (rest.requests, rest.refused) == (15, 2)


def test_a_handler_failure_is_an_error_answer_with_the_limit_headers() -> None:
    def fails(side: Any, query: Any, now: float) -> Any:
        raise RestFailure(404, "not_found", "Code not found")

    answer = RestDispatcher([RestRoute("/v1/x", "ticker", fails)]).answer(Side(), "/v1/x?market=A", "c", 0.0)
    assert answer.status == 404
    assert json.loads(answer.body) == {"error": {"name": "not_found", "message": "Code not found"}}
    assert dict(answer.headers)["limit-by-ip"] == "Yes"


def test_market_all_handler_reads_the_sides_directory() -> None:
    assert [r["market"] for r in market_all(Side(), {}, 0.0)] == ["KRW-BTC", "KRW-ETH", "BTC-ETH"]


def _get(url: str) -> tuple[int, dict[str, str], Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, dict(reply.headers), json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


@pytest.fixture
def sim() -> Any:
    with Simulator(SimConfig(markets=4, rate=0.0, control_port=None)) as running:
        yield running


def test_the_websocket_port_answers_rest_and_counts_violations(sim: Simulator) -> None:
    base = sim.rest_url
    assert base == f"http://127.0.0.1:{sim.port}"
    status, headers, rows = _get(base + "/v1/market/all")
    assert status == 200 and headers["limit-by-ip"] == "Yes"
    assert [r["market"] for r in rows] == synthetic_codes(4)
    assert sim.stats()["violations"] == []
    statuses = [_get(base + "/v1/market/all")[0] for _ in range(12)]
    # 12 more within far less than a second on an idle loop is not guaranteed: count, not order
    refused = statuses.count(429)
    stats = sim.stats()
    assert len([v for v in stats["violations"] if v["kind"] == "rest_rate"]) == refused
    assert stats["rest_counts"].get("/v1/market/all 200", 0) + refused == 13

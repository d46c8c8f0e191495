"""Pure REST parts (SPEC §5 groups and remaining-req, §8 market list, §8.1 error shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from upbit_actors.system.errors import ConfigError, RestError, RestRateLimited
from upbit_actors.system.rest.parse import (
    build_url,
    check_base_url,
    error_from,
    group_of,
    parse_markets,
    parse_remaining,
    rest_base,
)

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "upbit" / "samples"


def test_groups_of_the_quotation_paths() -> None:
    assert group_of("/v1/market/all") == "market"
    assert group_of("/v1/trades/ticks") == "trade"
    assert group_of("/v1/candles/minutes/1") == "candle"
    assert group_of("/v1/ticker") == "ticker"
    assert group_of("/v1/orderbook") == "orderbook"
    assert group_of("/v1/accounts") == "default"


def test_urls() -> None:
    assert build_url("https://api.upbit.com/", "/v1/market/all", [("is_details", True)]) == \
        "https://api.upbit.com/v1/market/all?is_details=true"
    assert build_url("http://h:1", "/v1/trades/ticks", [("market", "KRW-BTC"), ("cursor", None),
                                                         ("count", 500)]) == \
        "http://h:1/v1/trades/ticks?market=KRW-BTC&count=500"
    with pytest.raises(ConfigError):
        build_url("http://h", "v1/x")
    assert check_base_url("http://127.0.0.1:9/") == "http://127.0.0.1:9"
    for bad in ("ws://h/websocket/v1", "api.upbit.com", "https://h/?x=1", "https://"):
        with pytest.raises(ConfigError):
            check_base_url(bad)


def test_remaining_req_header() -> None:
    assert parse_remaining("group=market; min=600; sec=9") == ("market", 9)
    assert parse_remaining("group=default; min=1800; sec=29") == ("default", 29)
    assert parse_remaining(None) is None
    assert parse_remaining("nonsense") is None


def test_error_answers_keep_upbits_name_and_message() -> None:
    error = error_from(404, b'{"error":{"name":"not_found","message":"Code not found"}}')
    assert type(error) is RestError and (error.status, error.name) == (404, "not_found")
    assert "Code not found" in str(error)
    limited = error_from(429, b'{"error":{"name":"too_many_requests","message":"Too many"}}')
    assert isinstance(limited, RestRateLimited) and limited.status == 429
    assert isinstance(error_from(418, b"blocked for 60 seconds"), RestRateLimited)
    plain = error_from(502, b"<html>bad gateway</html>")
    assert plain.name == "http_502" and "bad gateway" in str(plain)


MARKET_ROWS = [  # the shape of shared/upbit/samples/market_all_rest_fixture.json (is_details=true)
    {"market": "KRW-BTC", "korean_name": "", "english_name": "Bitcoin",
     "market_event": {"warning": False, "caution": {"PRICE_FLUCTUATIONS": False}}},
    {"market": "KRW-ETH", "korean_name": "", "english_name": "Ethereum",
     "market_event": {"warning": True, "caution": {"PRICE_FLUCTUATIONS": False}}},
]


def test_market_list_of_the_sample_fixture() -> None:
    """The fixture's rows (with details) as /v1/market/all returns them (SPEC §8); the shared
    file itself when it sits beside the repo, the same rows copied here otherwise."""
    fixture = SAMPLES / "market_all_rest_fixture.json"
    rows = json.loads(fixture.read_text(encoding="utf-8"))["frames"] if fixture.exists() else MARKET_ROWS
    assert parse_markets(json.dumps(rows).encode()) == ("KRW-BTC", "KRW-ETH")
    assert parse_markets(json.dumps(rows + rows[:1]).encode()) == ("KRW-BTC", "KRW-ETH")


@pytest.mark.parametrize("body", [b"not json", b'{"market": "KRW-BTC"}', b'[{"name": 1}]', b"[1]"])
def test_a_market_list_of_the_wrong_shape_is_a_rest_error(body: bytes) -> None:
    with pytest.raises(RestError) as caught:
        parse_markets(body)
    assert caught.value.name == "bad_body"


def test_rest_base_is_explicit_and_never_mixes_upbit_with_a_simulator() -> None:
    upbit = "wss://api.upbit.com/websocket/v1"
    sim = "ws://127.0.0.1:9/websocket/v1"
    assert rest_base(upbit, "https://api.upbit.com") == "https://api.upbit.com"
    assert rest_base(sim, "https://api.upbit.com/") is None  # left at Upbit's: off
    assert rest_base(sim, "http://127.0.0.1:9") == "http://127.0.0.1:9"
    assert rest_base(upbit, None) is None

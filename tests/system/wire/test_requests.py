"""upbit_actors.system.wire.requests: spec validation and the exact request bytes (SPEC §2, §2.2, §3.3, §3.6, §6)."""

from __future__ import annotations

import orjson
import pytest

from upbit_actors.messages.common import DataType, Endpoint, WireFormat
from upbit_actors.messages.subscription import MergedSubscription, StreamKey, StreamOptions, StreamSpec, WireStream
from upbit_actors.system.wire.requests import (
    MAX_CODES_PER_REQUEST,
    RequestError,
    canonical_options,
    encode_list_subscriptions,
    encode_request,
    stream_keys,
    validate_merged,
    validate_spec,
    wire_code,
)

T = DataType


def spec(data_type: DataType, *codes: str, **options: object) -> StreamSpec:
    return StreamSpec(data_type=data_type, codes=codes, options=StreamOptions(**options))


def merged(*streams: WireStream, endpoint: Endpoint = Endpoint.PUBLIC, fmt=WireFormat.DEFAULT):
    return MergedSubscription(endpoint=endpoint, generation=1, streams=streams, format=fmt)


# -- validate_spec ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "good",
    [
        spec(T.TICKER, "KRW-BTC"),
        spec(T.TRADE, "KRW-BTC", "BTC-ETH", "USDT-BTC"),
        spec(T.CANDLE_1S, "SGD-BTC"),
        spec(T.ORDERBOOK, "KRW-BTC", depth=15, level=10000),
        spec(T.ORDERBOOK, "KRW-BTC", depth=1, level=0),
        spec(T.MY_ORDER),
        spec(T.MY_ORDER, "KRW-BTC"),
        spec(T.MY_ASSET),
        spec(T.TICKER, "KRW-BTC", only_snapshot=True),
        spec(T.TICKER, "KRW-BTC", only_realtime=True),
        spec(T.MY_ORDER, only_realtime=True),
        spec(T.TICKER, "KRW-1INCH"),
    ],
)
def test_valid_specs(good: StreamSpec) -> None:
    assert validate_spec(good) is None


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        # SPEC §2.2: lower case gets no data and no error, so it must be refused here.
        (spec(T.TICKER, "krw-btc"), "upper-case"),
        (spec(T.TICKER, "KRW-btc"), "upper-case"),
        (spec(T.TICKER, "KRWBTC"), "upper-case"),
        (spec(T.TICKER, "KRW-BTC.15"), "upper-case"),  # depth goes in options, not the code
        (spec(T.TICKER, " KRW-BTC"), "upper-case"),
        (spec(T.TICKER, ""), "upper-case"),
        # SPEC §2.2: empty codes on a public type -> INVALID_PARAM, socket closed.
        (spec(T.TICKER), "at least one code"),
        (spec(T.ORDERBOOK), "at least one code"),
        # SPEC §3.6: codes with myAsset -> WRONG_FORMAT, socket closed.
        (spec(T.MY_ASSET, "KRW-BTC"), "myAsset takes no codes"),
        # SPEC §2: depth only 1/5/15/30 and only for orderbook; level only orderbook, >= 0.
        (spec(T.ORDERBOOK, "KRW-BTC", depth=20), "depth 20"),
        (spec(T.ORDERBOOK, "KRW-BTC", depth=0), "depth 0"),
        (spec(T.TICKER, "KRW-BTC", depth=5), "orderbook option"),
        (spec(T.TRADE, "KRW-BTC", level=1000), "orderbook option"),
        (spec(T.ORDERBOOK, "KRW-BTC", level=-1), ">= 0"),
        (spec(T.ORDERBOOK, "KRW-BTC", level=float("nan")), ">= 0"),
        (spec(T.TICKER, "KRW-BTC", only_snapshot=True, only_realtime=True), "together"),
        (spec(T.MY_ORDER, only_snapshot=True), "REALTIME only"),
        (spec(T.TICKER, "KRW-BTC", "KRW-ETH", "KRW-BTC"), "twice"),
    ],
)
def test_invalid_specs_give_a_reason(bad: StreamSpec, fragment: str) -> None:
    reason = validate_spec(bad)
    assert reason is not None and fragment in reason


def test_endpoint_mismatch_is_rejected_only_when_an_endpoint_is_given() -> None:
    # SPEC §1: myOrder/myAsset live on /websocket/v1/private, the rest on /websocket/v1.
    assert validate_spec(spec(T.MY_ASSET), Endpoint.PUBLIC) is not None
    assert validate_spec(spec(T.TICKER, "KRW-BTC"), Endpoint.PRIVATE) is not None
    assert validate_spec(spec(T.MY_ASSET), Endpoint.PRIVATE) is None
    assert validate_spec(spec(T.TICKER, "KRW-BTC"), Endpoint.PUBLIC) is None
    assert validate_spec(spec(T.MY_ASSET)) is None


def test_max_codes_is_configurable_and_generous_by_default() -> None:
    codes = [f"KRW-C{i}" for i in range(855)]  # SPEC §1: 855 codes in one frame were served
    assert validate_spec(spec(T.TICKER, *codes)) is None
    assert MAX_CODES_PER_REQUEST >= 855
    assert "exceed" in validate_spec(spec(T.TICKER, *codes), max_codes=100)


# -- keys ------------------------------------------------------------------------------------


def test_stream_keys_are_canonical() -> None:
    # Depth 30 is the default (no suffix) and level 0 the default grouping: same wire bytes.
    (a,) = stream_keys(spec(T.ORDERBOOK, "KRW-BTC", depth=30, level=0))
    (b,) = stream_keys(spec(T.ORDERBOOK, "KRW-BTC"))
    assert a == b and a.options == StreamOptions()
    # Private types are REALTIME only: flags are dropped.
    (c,) = stream_keys(spec(T.MY_ORDER, only_realtime=True))
    assert c == StreamKey(data_type=T.MY_ORDER, code=None)
    assert stream_keys(spec(T.MY_ASSET)) == (StreamKey(data_type=T.MY_ASSET, code=None),)
    assert [k.code for k in stream_keys(spec(T.TRADE, "KRW-ETH", "KRW-BTC"))] == ["KRW-ETH", "KRW-BTC"]
    assert canonical_options(T.ORDERBOOK, StreamOptions(level=5.0)).level == 5.0


def test_wire_code_carries_the_depth_suffix() -> None:
    # SPEC §2: orderbook depth rides as "KRW-BTC.15".
    (k,) = stream_keys(spec(T.ORDERBOOK, "KRW-BTC", depth=15))
    assert wire_code(k) == "KRW-BTC.15"
    (k,) = stream_keys(spec(T.ORDERBOOK, "KRW-BTC", depth=30))
    assert wire_code(k) == "KRW-BTC"
    (k,) = stream_keys(spec(T.TICKER, "KRW-BTC"))
    assert wire_code(k) == "KRW-BTC"
    with pytest.raises(RequestError):
        wire_code(StreamKey(data_type=T.MY_ASSET, code=None))


# -- encode_request --------------------------------------------------------------------------


def test_encode_exact_bytes_ticket_first_format_last() -> None:
    # SPEC §2: [{ticket}, {type obj}..., {format}]; docs example with per-pair levels.
    m = merged(
        WireStream(data_type=T.TICKER, codes=("KRW-BTC", "KRW-ETH")),
        WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC.15",), level=10000.0),
        WireStream(data_type=T.TRADE, codes=("KRW-BTC",), only_snapshot=True),
        WireStream(data_type=T.CANDLE_1M, codes=("KRW-BTC",), only_realtime=True),
        fmt=WireFormat.SIMPLE,
    )
    assert encode_request(m, "t-1") == (
        b'[{"ticket":"t-1"},'
        b'{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},'
        b'{"type":"orderbook","codes":["KRW-BTC.15"],"level":10000},'
        b'{"type":"trade","codes":["KRW-BTC"],"is_only_snapshot":true},'
        b'{"type":"candle.1m","codes":["KRW-BTC"],"is_only_realtime":true},'
        b'{"format":"SIMPLE"}]'
    )


def test_encode_private_types() -> None:
    # SPEC §3.5: myOrder without codes = all markets; §3.6: myAsset never has codes.
    m = merged(
        WireStream(data_type=T.MY_ORDER),
        WireStream(data_type=T.MY_ASSET),
        endpoint=Endpoint.PRIVATE,
    )
    assert orjson.loads(encode_request(m, "x")) == [
        {"ticket": "x"},
        {"type": "myOrder"},
        {"type": "myAsset"},
        {"format": "DEFAULT"},
    ]
    m = merged(WireStream(data_type=T.MY_ORDER, codes=("KRW-BTC",)), endpoint=Endpoint.PRIVATE)
    assert orjson.loads(encode_request(m, "x"))[1] == {"type": "myOrder", "codes": ["KRW-BTC"]}


def test_fractional_level_is_kept() -> None:
    m = merged(WireStream(data_type=T.ORDERBOOK, codes=("KRW-XRP",), level=0.5))
    assert orjson.loads(encode_request(m, "x"))[1]["level"] == 0.5


@pytest.mark.parametrize(
    "bad",
    [
        merged(),  # nothing to send: a request without types is an error (SPEC §2.1)
        merged(WireStream(data_type=T.TICKER)),  # INVALID_PARAM (SPEC §2.2)
        merged(WireStream(data_type=T.TICKER, codes=("krw-btc",))),
        merged(WireStream(data_type=T.TICKER, codes=("KRW-BTC", "KRW-BTC"))),
        merged(WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC.20",))),
        merged(WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC.5", "KRW-BTC.5"))),
        merged(WireStream(data_type=T.TRADE, codes=("KRW-BTC",), level=5.0)),
        merged(WireStream(data_type=T.TICKER, codes=("KRW-BTC",), only_snapshot=True, only_realtime=True)),
        merged(WireStream(data_type=T.MY_ASSET), endpoint=Endpoint.PUBLIC),
        merged(WireStream(data_type=T.MY_ASSET, codes=("KRW-BTC",)), endpoint=Endpoint.PRIVATE),
        merged(WireStream(data_type=T.TICKER, codes=("KRW-BTC",)), endpoint=Endpoint.PRIVATE),
    ],
)
def test_invalid_merged_sets_raise(bad: MergedSubscription) -> None:
    assert validate_merged(bad) is not None
    with pytest.raises(RequestError):
        encode_request(bad, "t")
    assert issubclass(RequestError, ValueError)


def test_total_codes_are_bounded_across_type_objects() -> None:
    m = merged(
        WireStream(data_type=T.TICKER, codes=("KRW-BTC", "KRW-ETH")),
        WireStream(data_type=T.TRADE, codes=("KRW-BTC", "KRW-ETH")),
    )
    assert validate_merged(m, max_codes=4) is None
    with pytest.raises(RequestError, match="exceed"):
        encode_request(m, "t", max_codes=3)


def test_same_pair_at_two_depths_is_valid() -> None:
    m = merged(WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC", "KRW-BTC.5")))
    assert validate_merged(m) is None


def test_empty_ticket_is_refused() -> None:
    # SPEC §6: no ticket -> NO_TICKET and the socket closes.
    with pytest.raises(RequestError):
        encode_request(merged(WireStream(data_type=T.TICKER, codes=("KRW-BTC",))), "")
    with pytest.raises(RequestError):
        encode_list_subscriptions("")


def test_list_subscriptions() -> None:
    # SPEC §2.1 rule 4: [{"ticket":…},{"method":"LIST_SUBSCRIPTIONS"}], format optional.
    assert encode_list_subscriptions("q") == b'[{"ticket":"q"},{"method":"LIST_SUBSCRIPTIONS"}]'
    assert orjson.loads(encode_list_subscriptions("q", WireFormat.SIMPLE))[-1] == {"format": "SIMPLE"}

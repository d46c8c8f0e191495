"""Request parsing and route expansion, without I/O (SPEC §2, §2.2, §6)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upbit_actors.tools.sim.errors import error_frame
from upbit_actors.tools.sim.markets import MarketDirectory
from upbit_actors.tools.sim.protocol import ListSubscriptions, ParseOptions, Rejected, Subscribe, parse_request
from upbit_actors.tools.sim.routes import ALL_CODES, describe, expand, split_depth

DIRECTORY = MarketDirectory(["KRW-BTC", "KRW-ETH", "BTC-ETH"], seed=1)
PRIVATE = ParseOptions(private_path=True, authenticated=True)


def parse(request: object, options: ParseOptions = ParseOptions()) -> object:
    return parse_request(json.dumps(request) if not isinstance(request, str) else request, options)


@pytest.mark.parametrize(
    ("request_", "name", "message"),
    [
        ("hello", "WRONG_FORMAT", "Format 이 맞지 않습니다."),  # SPEC §6 [WIRE]
        ({"ticket": "t", "type": "ticker"}, "WRONG_FORMAT", "Format 이 맞지 않습니다."),  # object, not array
        ([{"type": "ticker", "codes": ["KRW-BTC"]}], "NO_TICKET", "티켓이 존재하지 않거나, 유효하지 않습니다."),
        ([{"ticket": ""}, {"type": "ticker", "codes": ["KRW-BTC"]}], "NO_TICKET", "티켓이 존재하지 않거나, 유효하지 않습니다."),
        ([{"ticket": "t"}], "NO_TYPE", "type 필드가 존재하지 않습니다."),
        ([{"ticket": "t"}, {"codes": ["KRW-BTC"]}], "NO_TYPE", "type 필드가 존재하지 않습니다."),
        ([{"ticket": "t"}, {"type": "ticker"}], "NO_CODES", "codes 필드가 존재하지 않습니다."),
        ([{"ticket": "t"}, {"type": "ticker", "codes": []}], "INVALID_PARAM", "codes 필드가 비어 있습니다."),
        ([{"ticket": "t"}, {"type": "nope", "codes": ["KRW-BTC"]}], "INVALID_PARAM", "nope 은 지원하지 않는 타입입니다."),
        ([{"ticket": "t"}, {"type": "ticker", "codes": ["KRW-BTC"]}, {"format": "XML"}], "INVALID_PARAM",
         "XML 은 지원하지 않는 포맷입니다."),
        ([{"ticket": "t"}, {"type": "myOrder"}], "INVALID_AUTH", "인증 정보가 올바르지 않습니다."),
    ],
)
def test_errors_carry_the_korean_server_messages(request_: object, name: str, message: str) -> None:
    assert parse(request_) == Rejected(name, message)


def test_english_messages_for_regional_servers() -> None:
    result = parse([{"ticket": "t"}, {"type": "ticker"}], ParseOptions(language="en"))
    assert result == Rejected("NO_CODES", "codes field not exists.")


def test_error_frame_key_order_copies_the_wire() -> None:
    # SPEC §6 [WIRE]: NO_TICKET name-first; INVALID_PARAM and WRONG_FORMAT message-first.
    assert list(error_frame("NO_TICKET", "m")["error"]) == ["name", "message"]
    assert list(error_frame("INVALID_PARAM", "m")["error"]) == ["message", "name"]
    assert list(error_frame("WRONG_FORMAT", "m")["error"]) == ["message", "name"]


def test_myasset_rejects_codes_and_myorder_codes_are_optional() -> None:
    assert parse([{"ticket": "t"}, {"type": "myAsset", "codes": ["KRW-BTC"]}], PRIVATE).name == "WRONG_FORMAT"
    ok = parse([{"ticket": "t"}, {"type": "myOrder"}, {"type": "myAsset"}], PRIVATE)
    assert isinstance(ok, Subscribe) and [t.codes for t in ok.types] == [None, None]
    assert isinstance(parse([{"ticket": "t"}, {"type": "myOrder", "codes": []}], PRIVATE), Subscribe)


def test_private_type_needs_the_private_path_and_a_valid_token() -> None:
    request = [{"ticket": "t"}, {"type": "myOrder"}]
    assert parse(request, ParseOptions(private_path=True, authenticated=False)).name == "INVALID_AUTH"
    assert parse(request, ParseOptions(private_path=False, authenticated=True)).name == "INVALID_AUTH"


def test_public_types_on_the_private_path_are_configurable() -> None:
    request = [{"ticket": "t"}, {"type": "ticker", "codes": ["KRW-BTC"]}]
    assert isinstance(parse(request, PRIVATE), Subscribe)
    strict = ParseOptions(private_path=True, authenticated=True, private_allows_public=False)
    assert parse(request, strict).name == "INVALID_PARAM"


@pytest.mark.parametrize("spelling", ["is_only_snapshot", "isOnlySnapshot"])
def test_both_flag_spellings(spelling: str) -> None:
    result = parse([{"ticket": "t"}, {"type": "ticker", "codes": ["KRW-BTC"], spelling: True}])
    assert result.types[0].is_only_snapshot and not result.types[0].is_only_realtime
    camel = parse([{"ticket": "t"}, {"type": "trade", "codes": ["KRW-BTC"], "isOnlyRealtime": True}])
    assert camel.types[0].is_only_realtime


def test_format_object_anywhere_but_ticket_first() -> None:
    # SPEC §2: cryptofeed puts {"format":"SIMPLE"} second and it works.
    result = parse([{"ticket": "t"}, {"format": "SIMPLE"}, {"type": "ticker", "codes": ["KRW-BTC"]}])
    assert isinstance(result, Subscribe) and result.format == "SIMPLE"
    late_ticket = [{"type": "ticker", "codes": ["KRW-BTC"]}, {"ticket": "t"}]
    assert parse(late_ticket).name == "NO_TICKET"
    assert isinstance(parse(late_ticket, ParseOptions(ticket_first=False)), Subscribe)


def test_list_subscriptions_request() -> None:
    assert parse([{"ticket": "x"}, {"method": "LIST_SUBSCRIPTIONS"}]) == ListSubscriptions("x", None)
    with_format = parse([{"ticket": "x"}, {"method": "LIST_SUBSCRIPTIONS"}, {"format": "SIMPLE"}])
    assert with_format == ListSubscriptions("x", "SIMPLE")


def test_level_accepts_numbers_and_numeric_strings() -> None:
    number = parse([{"ticket": "t"}, {"type": "orderbook", "codes": ["KRW-BTC"], "level": 10000}])
    text = parse([{"ticket": "t"}, {"type": "orderbook", "codes": ["KRW-BTC"], "level": "10000"}])
    assert number.types[0].level == text.types[0].level == 10000


@given(st.text(max_size=40))
def test_parser_never_raises_on_any_text(text: str) -> None:
    assert parse_request(text) is not None


@given(st.lists(st.dictionaries(st.sampled_from(["ticket", "type", "codes", "format", "method", "level",
                                                   "is_only_snapshot"]),
                                 st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5),
                                           st.lists(st.text(max_size=8), max_size=3))), max_size=4))
def test_parser_never_raises_on_any_shape(request: list[dict[str, object]]) -> None:
    assert parse_request(json.dumps(request)) is not None


# -- routes ----------------------------------------------------------------------------------


def test_depth_suffix() -> None:
    assert split_depth("KRW-BTC") == ("KRW-BTC", 30)
    assert [split_depth(f"KRW-BTC.{n}")[1] for n in (1, 5, 15, 30)] == [1, 5, 15, 30]
    # SPEC §2 [DOC][WIRE]: KRW-ETH.20 and USDT-ETH.2 both got 30 levels.
    assert split_depth("KRW-ETH.20") == ("KRW-ETH", 30) and split_depth("USDT-ETH.2") == ("USDT-ETH", 30)
    assert split_depth("KRW-BTC.x") is None


def test_unknown_lowercase_codes_and_unsupported_levels_get_no_route() -> None:
    request = parse([
        {"ticket": "t"},
        {"type": "ticker", "codes": ["krw-btc", "KRW-NOPE", "KRW-BTC"]},
        {"type": "orderbook", "codes": ["KRW-ETH.15"], "level": 10000},
        {"type": "orderbook", "codes": ["KRW-BTC"], "level": 12345},  # not a supported level
        {"type": "orderbook", "codes": ["BTC-ETH"], "level": 0.0001},  # SPEC §2: KRW only
    ])
    routes = expand(request, DIRECTORY)
    assert [(r.type, r.code, r.depth, r.level) for r in routes] == [
        ("ticker", "KRW-BTC", 30, 0),
        ("orderbook", "KRW-ETH", 15, 10000),
    ]


def test_flags_become_snapshot_and_realtime_switches() -> None:
    request = parse([
        {"ticket": "t"},
        {"type": "ticker", "codes": ["KRW-BTC"], "is_only_snapshot": True},
        {"type": "trade", "codes": ["KRW-BTC"], "is_only_realtime": True},
        {"type": "orderbook", "codes": ["KRW-BTC"]},
    ])
    switches = [(r.snapshot, r.realtime) for r in expand(request, DIRECTORY)]
    assert switches == [(True, False), (False, True), (True, True)]


def test_private_routes_and_duplicates() -> None:
    request = parse([{"ticket": "t"}, {"type": "myOrder"}, {"type": "myAsset"},
                     {"type": "myOrder", "codes": ["KRW-BTC"]}, {"type": "myAsset"}], PRIVATE)
    routes = expand(request, DIRECTORY)
    assert [(r.type, r.code, r.snapshot) for r in routes] == [
        ("myOrder", ALL_CODES, False), ("myAsset", ALL_CODES, False), ("myOrder", "KRW-BTC", False)]


def test_describe_matches_the_list_subscriptions_sample() -> None:
    request = parse([{"ticket": "t"}, {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
                     {"type": "orderbook", "codes": ["KRW-BTC", "KRW-ETH"]}])
    assert describe([request]) == [
        {"type": "ticker", "codes": ["KRW-BTC", "KRW-ETH"]},
        {"type": "orderbook", "codes": ["KRW-BTC", "KRW-ETH"], "level": 0},
    ]

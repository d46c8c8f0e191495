"""upbit_actors.system.wire.rules and .specs (issue 12): every request judged completely before the wire.

Regressions: orderbook ``level=inf`` passed validation and went out as ``"level":null`` (a
request Upbit answers with an error and a closed socket, for every component on it, SPEC §6);
``1e308`` passed and crashed the encoder; ``depth=True`` / ``15.0`` passed; a bad data type,
interval or policy raised a bare ``ValueError`` from inside ``make_spec``.
"""

from __future__ import annotations

import argparse
import pickle

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upbit_actors.messages import SetSubscriptions, SubscriptionRejected
from upbit_actors.messages.common import DataType, Endpoint
from upbit_actors.messages.subscription import (
    Delivery,
    MergedSubscription,
    Policy,
    StreamOptions,
    StreamSpec,
    WireStream,
)
from upbit_actors.system.errors import RequestError, UsageError
from upbit_actors.system.wire.requests import encode_request, validate_merged
from upbit_actors.system.wire.rules import MAX_LEVEL, Unusable, validate_spec
from upbit_actors.system.wire.specs import make_spec

T = DataType
BAD_LEVELS = [float("inf"), float("-inf"), float("nan"), 1e308, -1.0, -0.5, MAX_LEVEL * 10, True, "10000",
              [1], None.__class__, b"1"]


def book(**options: object) -> StreamSpec:
    return StreamSpec(data_type=T.ORDERBOOK, codes=("KRW-BTC",), options=StreamOptions(**options))


@pytest.mark.parametrize("level", BAD_LEVELS, ids=repr)
def test_a_level_that_is_not_a_finite_number_in_range_is_refused(level: object) -> None:
    reason = validate_spec(make_spec(T.ORDERBOOK, ["KRW-BTC"], level=level))
    assert reason is not None and "level" in reason, reason


@pytest.mark.parametrize("level", [0, 0.0, 0.5, 10000, 10000.0, MAX_LEVEL])
def test_good_levels_pass(level: float) -> None:
    assert validate_spec(make_spec(T.ORDERBOOK, "KRW-BTC", level=level)) is None


@pytest.mark.parametrize("level", [float("inf"), float("nan"), -1.0, 1e308])
def test_the_encoder_never_writes_null_or_a_huge_integer(level: float) -> None:
    merged = MergedSubscription(endpoint=Endpoint.PUBLIC, generation=1,
                                streams=(WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC",), level=level),))
    assert validate_merged(merged) is not None
    with pytest.raises(RequestError):
        encode_request(merged, "t")


def test_the_encoder_refuses_any_non_finite_number_even_past_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line of defence: whatever slipped through, ``null`` never reaches the wire."""
    from upbit_actors.system.wire import requests

    monkeypatch.setattr(requests, "validate_merged", lambda merged, max_codes=0: None)
    merged = MergedSubscription(endpoint=Endpoint.PUBLIC, generation=1,
                                streams=(WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC",), level=float("inf")),))
    with pytest.raises(RequestError, match="null"):
        encode_request(merged, "t")
    ok = MergedSubscription(endpoint=Endpoint.PUBLIC, generation=1,
                            streams=(WireStream(data_type=T.ORDERBOOK, codes=("KRW-BTC",), level=0.5),))
    assert orjson.loads(encode_request(ok, "t"))[1]["level"] == 0.5


@pytest.mark.parametrize(("depth", "ok"), [(1, True), (5, True), (15, True), (30, True), (True, False),
                                           (15.0, False), ("15", False), (20, False), (-5, False), ([15], False)])
def test_depth_is_one_of_the_four_integers(depth: object, ok: bool) -> None:
    reason = validate_spec(make_spec(T.ORDERBOOK, ["KRW-BTC"], depth=depth))
    assert (reason is None) is ok, reason


def test_a_single_code_string_is_one_code_at_every_entry_point() -> None:
    assert make_spec(T.TICKER, "KRW-BTC").codes == ("KRW-BTC",)
    assert make_spec("ticker", b"KRW-BTC").codes == (b"KRW-BTC",)  # one (bad) code, not bytes
    split = StreamSpec(data_type=T.TICKER, codes="KRW-BTC")  # the converter splits a bare string
    assert "split into characters" in validate_spec(split)


@pytest.mark.parametrize(("data_type", "fragment"), [
    ("candle.7m", "unknown candle interval '7m'"), ("candle.", "unknown candle interval"),
    ("tickers", "unknown data type 'tickers'"), ("TICKER", "unknown data type"), (5, "unknown data type 5"),
    (None, "unknown data type None"), ([1], "data type list cannot be used"), ("", "unknown data type"),
])  # fmt: skip
def test_unknown_types_and_intervals_are_named(data_type: object, fragment: str) -> None:
    reason = validate_spec(make_spec(data_type, ["KRW-BTC"]))
    assert reason is not None and fragment in reason, reason
    assert "1s, 1m, 3m" in reason or "ticker, trade" in reason or "cannot be used" in reason


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"policy": "nope"}, "unknown policy 'nope'"), ({"policy": 3}, "unknown policy 3"),
    ({"policy": "throttle", "rate": float("inf")}, "throttle needs a rate"),
    ({"policy": "throttle", "rate": float("nan")}, "throttle needs a rate"),
    ({"policy": "drop_oldest", "limit": 0}, "limit"), ({"policy": "drop_oldest", "limit": 2.5}, "limit"),
    ({"policy": "drop_oldest", "limit": True}, "limit"), ({"limit": [1]}, "limit list cannot be used"),
    ({"only_snapshot": "yes"}, "only_snapshot must be True or False"),
    ({"only_realtime": 1}, "only_realtime must be True or False"),
])  # fmt: skip
def test_bad_options_and_policies_are_named(kwargs: dict, fragment: str) -> None:
    reason = validate_spec(make_spec(T.TRADE, ["KRW-BTC"], **kwargs))
    assert reason is not None and fragment in reason, reason


@pytest.mark.parametrize("codes", [None, 5, [None], [["KRW-BTC"]], [{"a": 1}], {"KRW-BTC": 1}, iter(["krw-btc"]),
                                   [b"KRW-BTC"], ["KRW-BTC", "KRW-BTC"], [1.5]])
def test_bad_codes_never_raise(codes: object) -> None:
    spec = make_spec(T.TICKER, codes)
    reason = validate_spec(spec)
    assert reason is not None or spec.codes == ("KRW-BTC",)


anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.binary(max_size=6)
    | st.sampled_from(list(T) + list(Policy) + ["ticker", "candle.1m", "candle.2m", "KRW-BTC", "latest", 15]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(data_type=anything, codes=anything, depth=anything, level=anything, snap=anything, real=anything,
       policy=anything, limit=anything, rate=anything)
def test_make_spec_and_validate_spec_never_raise(data_type, codes, depth, level, snap, real, policy, limit,
                                                 rate) -> None:
    spec = make_spec(data_type, codes, depth=depth, level=level, only_snapshot=snap, only_realtime=real,
                     policy=policy, limit=limit, rate=rate)
    hash(spec)  # a component keeps its specs in a dict
    reason = validate_spec(spec)
    assert reason is None or (isinstance(reason, str) and "\n" not in reason)
    for endpoint in Endpoint:
        validate_spec(spec, endpoint)
    pickle.loads(pickle.dumps(SubscriptionRejected(request_id="r", reason=reason or "", spec=spec)))
    pickle.loads(pickle.dumps(SetSubscriptions(specs=(spec,), seq=1, instance="i")))


@pytest.mark.parametrize("kwargs", [{"policy": "nope"}, {"level": [1]}, {"data_type": [1]},
                                    {"codes": [["KRW-BTC"]]}, {"limit": {}}])
def test_unusable_values_cross_a_process_as_plain_strings_and_keep_their_reason(kwargs: dict) -> None:
    """The tree unpickles only known classes (``system.runtime.unpickle``): an ``Unusable``
    travels as a ``str``, and the registry's rejection names the same problem."""
    args = {"data_type": T.TRADE, "codes": ["KRW-BTC"], **kwargs}
    spec = make_spec(args.pop("data_type"), args.pop("codes"), **args)
    assert Unusable in {type(v) for v in (spec.data_type, spec.delivery, spec.options.level, *spec.codes)} | {
        type(getattr(spec.delivery, "limit", None))}
    data = pickle.dumps(SetSubscriptions(specs=(spec,), seq=1, instance="i"))
    assert b"Unusable" not in data and b"rules" not in data
    hopped = pickle.loads(data).specs[0]
    assert validate_spec(hopped) == validate_spec(spec) is not None


def test_a_user_built_spec_with_a_strange_delivery_is_named() -> None:
    assert validate_spec(StreamSpec(data_type=T.TRADE, codes=("KRW-BTC",), delivery="x")).startswith(
        "delivery must be a Delivery")
    assert validate_spec(StreamSpec(data_type=T.TRADE, codes=("KRW-BTC",),
                                    delivery=Delivery(policy=Policy.LATEST))) is None


def test_the_stream_command_refuses_an_infinite_level() -> None:
    from upbit_actors.tools.stream_args import parse_requests

    args = argparse.Namespace(ticker=[], trade=[], orderbook=["KRW-BTC"], candle=[], my_order=[], my_asset=0,
                              level=float("inf"))
    with pytest.raises(UsageError, match="level"):
        parse_requests(args)
    args.level = 10000.0
    (request,) = parse_requests(args)
    assert request.spec.options.level == 10000.0

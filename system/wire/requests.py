"""Upbit request rules: validate what a component asks for, and encode the merged set for the wire.

Two jobs, both pure (no I/O, no clock):

- ``validate_spec`` says whether one ``StreamSpec`` can ever be sent. The registry calls it on
  every spec of a component's ``SetSubscriptions`` and answers a bad one with a
  ``SubscriptionRejected``: one bad request
  would otherwise close the socket for every component sharing it (SPEC §6, §10.11), or get
  silently no data (lower-case or malformed codes, SPEC §2.2).
- ``encode_request`` turns a ``MergedSubscription`` into the exact JSON array Upbit expects
  (SPEC §2): ticket first, one object per ``WireStream``, format last. It checks the merged set
  again and raises rather than send something the server would answer with an error.

``stream_keys`` splits a spec into canonical ``StreamKey`` units (the registry counts those),
and ``wire_code`` gives a key's code as sent (orderbook depth as the ``.N`` suffix, SPEC §2).

Exception tree::

    ValueError
    └── RequestError      a merged set that must not go on the wire (a bug upstream: the
                          registry validates every spec before it merges)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import orjson

from upbit_actors.messages.common import PRIVATE_TYPES, DataType, Endpoint, WireFormat
from upbit_actors.messages.subscription import (
    Delivery,
    MergedSubscription,
    Policy,
    StreamKey,
    StreamOptions,
    StreamSpec,
    WireStream,
)
from upbit_actors.system.errors import RequestError

__all__ = [
    "CODE_PATTERN",
    "DEFAULT_DEPTH",
    "MAX_CODES_PER_REQUEST",
    "ORDERBOOK_DEPTHS",
    "RequestError",
    "MAX_RATE",
    "canonical_options",
    "delivery_reason",
    "make_spec",
    "encode_list_subscriptions",
    "encode_request",
    "stream_keys",
    "validate_merged",
    "validate_spec",
    "wire_code",
]

CODE_PATTERN: re.Pattern[str] = re.compile(r"^[A-Z]{2,6}-[A-Z0-9]{1,15}$")
"""``{QUOTE}-{BASE}`` in upper case (SPEC §8). Upbit answers a lower-case or unknown code with
no data and no error (SPEC §2.2), so anything else is rejected here, where the component hears
about it."""

ORDERBOOK_DEPTHS: frozenset[int] = frozenset({1, 5, 15, 30})
"""Orderbook units Upbit serves via the ``.N`` suffix (SPEC §2, since 2025-07-02); any other
number silently falls back to 30, so it is rejected rather than delivered with a surprise."""

DEFAULT_DEPTH: int = 30
"""Depth served without a suffix (SPEC §3.3). Depth 30 is canonicalised to ``None``: both put the
same bytes on the wire, so they are one stream."""

MAX_CODES_PER_REQUEST: int = 1_000
"""Codes allowed in one request (one spec, or one whole merged set). Upbit documents no limit;
the live probe served 855 codes in one 9,468-byte frame (SPEC §1, §4). 1,000 covers every
listed pair (855 in 2026-09) with ~15 % headroom while keeping a frame near 11 KB."""

MAX_RATE: float = 1_000.0
"""Highest ``throttle`` rate accepted (per code per second); Upbit sends far fewer per code."""

_ORDERBOOK_CODE = re.compile(r"^(?P<code>[^.]+)\.(?P<depth>\d+)$")


def canonical_options(data_type: DataType, options: StreamOptions) -> StreamOptions:
    """Options with equivalent spellings folded into one, so equal wire bytes mean equal keys.

    Depth 30 is Upbit's default (no suffix); level 0 is the default grouping (SPEC §2); private
    types are REALTIME only (SPEC §3.5-3.6), so their flags change nothing and are dropped.
    """
    if data_type in PRIVATE_TYPES:
        return StreamOptions()
    depth = None if options.depth == DEFAULT_DEPTH else options.depth
    level = None if options.level is None or float(options.level) == 0.0 else float(options.level)
    if (depth, level) == (options.depth, options.level):
        return options
    return StreamOptions(
        depth=depth, level=level, only_snapshot=options.only_snapshot, only_realtime=options.only_realtime
    )


def stream_keys(spec: StreamSpec) -> tuple[StreamKey, ...]:
    """The canonical keys of a spec, in its code order: one per code, or one code-less key for
    myAsset and for myOrder on all markets (SPEC §3.5-3.6)."""
    options = canonical_options(spec.data_type, spec.options)
    if spec.data_type is DataType.MY_ASSET or (spec.data_type is DataType.MY_ORDER and not spec.codes):
        return (StreamKey(data_type=spec.data_type, code=None, options=options),)
    return tuple(StreamKey(data_type=spec.data_type, code=code, options=options) for code in spec.codes)


def wire_code(key: StreamKey) -> str:
    """The code as sent: orderbook depth other than the default rides as ``.N`` (SPEC §2)."""
    if key.code is None:
        raise RequestError(f"{key.data_type.value} key without a code has no wire code")
    if key.data_type is DataType.ORDERBOOK and key.options.depth not in (None, DEFAULT_DEPTH):
        return f"{key.code}.{key.options.depth}"
    return key.code


def _check_options(data_type: DataType, options: StreamOptions) -> str | None:
    if options.depth is not None:
        if data_type is not DataType.ORDERBOOK:
            return f"depth is an orderbook option, not {data_type.value} (SPEC §2)"
        if options.depth not in ORDERBOOK_DEPTHS:
            return f"orderbook depth {options.depth} is not one of 1, 5, 15, 30 (SPEC §2)"
    if options.level is not None:
        if data_type is not DataType.ORDERBOOK:
            return f"level is an orderbook option, not {data_type.value} (SPEC §2)"
        if not options.level >= 0:  # also rejects NaN
            return f"orderbook level must be >= 0, got {options.level} (SPEC §2)"
    if options.only_snapshot and options.only_realtime:
        return "only_snapshot and only_realtime together would deliver nothing (SPEC §2)"
    if options.only_snapshot and data_type in PRIVATE_TYPES:
        return f"{data_type.value} is REALTIME only; only_snapshot would deliver nothing (SPEC §3.5-3.6)"
    return None


def _check_endpoint(data_type: DataType, endpoint: Endpoint | None) -> str | None:
    if endpoint is not None and data_type.endpoint is not endpoint:
        home = data_type.endpoint.value
        return f"{data_type.value} lives on the {home} endpoint, not {endpoint.value} (SPEC §1)"
    return None


def _check_codes(codes: Iterable[str], max_codes: int) -> str | None:
    seen: set[str] = set()
    for code in codes:
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            shown = code[:40] if isinstance(code, str) else type(code).__name__
            return f"code {shown!r} is not an upper-case QUOTE-BASE pair like 'KRW-BTC' (SPEC §2.2)"
        if code in seen:
            return f"code {code!r} appears twice"
        seen.add(code)
    if len(seen) > max_codes:
        return f"{len(seen)} codes exceed the limit of {max_codes} per request"
    return None


def validate_spec(
    spec: StreamSpec, endpoint: Endpoint | None = None, *, max_codes: int = MAX_CODES_PER_REQUEST
) -> str | None:
    """None when ``spec`` can be sent, else the reason for the component.

    ``endpoint``, when given, is the connection the spec is meant for: private types only on
    the private endpoint and public types only on the public one (SPEC §1).
    """
    data_type = spec.data_type
    if not isinstance(data_type, DataType):
        return f"unknown data type {data_type!r}"
    if reason := _check_endpoint(data_type, endpoint):
        return reason
    if data_type is DataType.MY_ASSET:
        if spec.codes:
            return "myAsset takes no codes: Upbit answers WRONG_FORMAT and closes the socket (SPEC §3.6)"
    elif data_type is not DataType.MY_ORDER and not spec.codes:
        return f"{data_type.value} needs at least one code: empty codes close the socket (SPEC §2.2)"
    if reason := _check_codes(spec.codes, max_codes):
        return reason
    return _check_options(data_type, spec.options) or delivery_reason(spec.delivery)


def make_spec(data_type: DataType | str, codes: Iterable[str] | str = (), *, depth: int | None = None,
              level: float | None = None, only_snapshot: bool = False, only_realtime: bool = False,
              policy: Policy | str | None = None, limit: int | None = None,
              rate: float | None = None) -> StreamSpec:
    """The ``StreamSpec`` of a ``subscribe`` / ``Hub.stream`` call (not validated: see
    ``validate_spec``). A single code may be given as a string. ``policy`` (with ``limit`` or
    ``rate``) chooses what happens to this consumer's events of the type while it falls behind;
    ``limit`` or ``rate`` alone keep the type's default policy with that bound."""
    data_type = DataType(data_type)
    codes = (codes,) if isinstance(codes, str) else tuple(codes)
    delivery = None
    if policy is not None or limit is not None or rate is not None:
        if policy is None:  # a bound alone: the type's default policy with it
            policy = (Policy.THROTTLE if rate is not None else Policy.BLOCK if data_type in PRIVATE_TYPES
                      else Policy.DROP_OLDEST if data_type is DataType.TRADE else Policy.LATEST)
        delivery = Delivery(policy=Policy(policy), limit=limit, rate=rate)
    return StreamSpec(data_type=data_type, codes=codes, delivery=delivery,
                      options=StreamOptions(depth=depth, level=level, only_snapshot=only_snapshot,
                                            only_realtime=only_realtime))


def delivery_reason(delivery: Delivery | None) -> str | None:
    """Why a consumer's overflow policy (``StreamSpec.delivery``, issue 16) cannot be used."""
    if delivery is None:
        return None
    if not isinstance(delivery, Delivery):
        return f"delivery must be a Delivery, not {type(delivery).__name__}"
    limit, rate = delivery.limit, delivery.rate
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        return f"delivery limit must be a whole number >= 1, not {limit!r}"
    if delivery.policy is Policy.THROTTLE:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= MAX_RATE:
            return f"throttle needs a rate in (0, {MAX_RATE:g}] events per second per code, not {rate!r}"
    elif rate is not None:
        return f"a rate only applies to throttle, not to {delivery.policy.value}"
    return None


def _check_stream(stream: WireStream, max_codes: int) -> str | None:
    data_type = stream.data_type
    if stream.only_snapshot and stream.only_realtime:
        return f"{data_type.value}: only_snapshot and only_realtime together"
    if stream.level is not None and (data_type is not DataType.ORDERBOOK or not stream.level >= 0):
        return f"{data_type.value}: level {stream.level} is not allowed"
    if data_type is DataType.MY_ASSET:
        return "myAsset with codes (WRONG_FORMAT, SPEC §3.6)" if stream.codes else None
    if data_type is not DataType.MY_ORDER and not stream.codes:
        return f"{data_type.value} with empty codes (INVALID_PARAM, SPEC §2.2)"
    codes = list(stream.codes)
    if data_type is DataType.ORDERBOOK:
        for i, code in enumerate(codes):
            if match := _ORDERBOOK_CODE.match(code):
                if int(match["depth"]) not in ORDERBOOK_DEPTHS:
                    return f"orderbook code {code!r}: depth not one of 1, 5, 15, 30"
                codes[i] = match["code"]
        # The same pair at two depths is two wire codes, so check duplicates on the full code.
        if len(set(stream.codes)) != len(stream.codes):
            return "orderbook: a code appears twice"
        return _check_codes(sorted(set(codes)), max_codes)
    return _check_codes(codes, max_codes)


def validate_merged(merged: MergedSubscription, *, max_codes: int = MAX_CODES_PER_REQUEST) -> str | None:
    """None when the whole merged set can be sent on ``merged.endpoint``, else the reason."""
    if not merged.streams:
        return "the set is empty: Upbit has no unsubscribe, a request without types is an error (SPEC §2.1)"
    total = 0
    for stream in merged.streams:
        if reason := _check_endpoint(stream.data_type, merged.endpoint):
            return reason
        if reason := _check_stream(stream, max_codes):
            return reason
        total += len(stream.codes)
    if total > max_codes:
        return f"{total} codes exceed the limit of {max_codes} per request"
    return None


def _type_object(stream: WireStream) -> dict[str, object]:
    obj: dict[str, object] = {"type": stream.data_type.value}
    if stream.codes and stream.data_type is not DataType.MY_ASSET:
        obj["codes"] = list(stream.codes)
    if stream.level is not None:
        # Upbit types level as Double; send integral values as integers, like the docs' example.
        obj["level"] = int(stream.level) if float(stream.level).is_integer() else stream.level
    if stream.only_snapshot:
        obj["is_only_snapshot"] = True  # snake_case: the current spelling (SPEC §2, §10.16)
    if stream.only_realtime:
        obj["is_only_realtime"] = True
    return obj


def encode_request(
    merged: MergedSubscription, ticket: str, *, max_codes: int = MAX_CODES_PER_REQUEST
) -> bytes:
    """The request frame for the whole set (SPEC §2): ``[{ticket}, {type}..., {format}]``.

    It replaces every earlier subscription of the connection (SPEC §2.1). Raises
    ``RequestError`` for a set the server would answer with an error (an empty set included:
    the connection closes the socket instead, as there is no unsubscribe).
    """
    if not ticket:
        raise RequestError("empty ticket: Upbit answers NO_TICKET and closes the socket (SPEC §6)")
    if reason := validate_merged(merged, max_codes=max_codes):
        raise RequestError(reason)
    body: list[dict[str, object]] = [{"ticket": ticket}]
    body.extend(_type_object(stream) for stream in merged.streams)
    body.append({"format": WireFormat(merged.format).value})
    return orjson.dumps(body)


def encode_list_subscriptions(ticket: str, fmt: WireFormat | None = None) -> bytes:
    """``[{ticket}, {"method":"LIST_SUBSCRIPTIONS"}, {format}?]`` (SPEC §2.1 rule 4).

    It counts against the message budget (SPEC §5), and a format object changes the format of
    the whole connection, so pass the connection's own format or None.
    """
    if not ticket:
        raise RequestError("empty ticket: Upbit answers NO_TICKET and closes the socket (SPEC §6)")
    body: list[dict[str, object]] = [{"ticket": ticket}, {"method": "LIST_SUBSCRIPTIONS"}]
    if fmt is not None:
        body.append({"format": WireFormat(fmt).value})
    return orjson.dumps(body)

"""Upbit requests: the merged set checked again and encoded for the wire.

Pure (no I/O, no clock):

- ``validate_spec`` (``system.wire.rules``) and ``make_spec`` (``system.wire.specs``), both
  re-exported here, build and judge one ``StreamSpec``. The registry calls ``validate_spec`` on every spec of a
  component's ``SetSubscriptions`` and answers a bad one with a ``SubscriptionRejected``: one
  bad request would otherwise close the socket for every component sharing it (SPEC §6,
  §10.11), or get silently no data (lower-case or malformed codes, SPEC §2.2).
- ``encode_request`` turns a ``MergedSubscription`` into the exact JSON array Upbit expects
  (SPEC §2): ticket first, one object per ``WireStream``, format last. It checks the merged set
  again and raises rather than send something the server would answer with an error, or a
  number JSON cannot carry (orjson writes infinity and NaN as ``null``).

``stream_keys`` splits a spec into canonical ``StreamKey`` units (the registry counts those),
and ``wire_code`` gives a key's code as sent (orderbook depth as the ``.N`` suffix, SPEC §2).

Exception tree::

    ValueError
    └── RequestError      a merged set that must not go on the wire (a bug upstream: the
                          registry validates every spec before it merges)
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

from upbit_actors.messages.common import PRIVATE_TYPES, DataType, WireFormat
from upbit_actors.messages.subscription import MergedSubscription, StreamKey, StreamOptions, StreamSpec, WireStream
from upbit_actors.system.errors import RequestError
from upbit_actors.system.wire.rules import (
    CODE_PATTERN,
    DEFAULT_DEPTH,
    MAX_CODES_PER_REQUEST,
    MAX_LEVEL,
    MAX_RATE,
    ORDERBOOK_DEPTHS,
    Unusable,
    check_codes,
    check_endpoint,
    check_level,
    delivery_reason,
    validate_spec,
)
from upbit_actors.system.wire.specs import make_spec

__all__ = [
    "CODE_PATTERN",
    "DEFAULT_DEPTH",
    "MAX_CODES_PER_REQUEST",
    "MAX_LEVEL",
    "MAX_RATE",
    "ORDERBOOK_DEPTHS",
    "RequestError",
    "Unusable",
    "canonical_options",
    "delivery_reason",
    "encode_list_subscriptions",
    "encode_request",
    "make_spec",
    "stream_keys",
    "validate_merged",
    "validate_spec",
    "wire_code",
]

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


def _check_stream(stream: WireStream, max_codes: int) -> str | None:
    data_type = stream.data_type
    if stream.only_snapshot and stream.only_realtime:
        return f"{data_type.value}: only_snapshot and only_realtime together"
    if stream.level is not None and (data_type is not DataType.ORDERBOOK or check_level(stream.level)):
        return f"{data_type.value}: level {stream.level!r} is not allowed"
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
        return check_codes(sorted(set(codes)), max_codes)
    return check_codes(codes, max_codes)


def validate_merged(merged: MergedSubscription, *, max_codes: int = MAX_CODES_PER_REQUEST) -> str | None:
    """None when the whole merged set can be sent on ``merged.endpoint``, else the reason."""
    if not merged.streams:
        return "the set is empty: Upbit has no unsubscribe, a request without types is an error (SPEC §2.1)"
    total = 0
    for stream in merged.streams:
        if reason := check_endpoint(stream.data_type, merged.endpoint):
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
    if reason := _unwritable(body):
        raise RequestError(reason)
    return orjson.dumps(body)


def _unwritable(value: Any, where: str = "request") -> str | None:
    """Why ``value`` cannot be written as exact JSON: orjson writes a non-finite float as
    ``null`` (a request Upbit would misread) and raises on an integer beyond 64 bits."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where}: {value!r} is not a JSON number (it would be sent as null)"
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        return f"{where}: {value} does not fit in 64 bits"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if reason := _unwritable(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"):
            return reason
    return None


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

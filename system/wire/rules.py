"""What a valid request is: ``validate_spec`` judges one ``StreamSpec``, completely.

One bad request closes the shared socket for every component on it (SPEC §6, §10.11), and some
mistakes get no data and no error at all (lower-case or unknown codes, an unsupported level,
SPEC §2.2, §10.10). So every spec is judged before anything is sent: ``validate_spec`` returns
None or one line saying what is wrong, for any content of any field (wrong types included: an
infinite level, a depth of ``True``, a data type that is not one), and never raises.

Specs are built by ``system.wire.specs.make_spec``, which never raises either: what it cannot
hold it keeps as an ``Unusable`` (defined here, so that its reason is what ``validate_spec``
answers). ``system.wire.requests`` re-exports both next to the encoder, which checks the merged
set again and refuses any number JSON cannot carry (``level`` infinity would be written ``null``).

Exception tree: none raised here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from attrs import frozen

from upbit_actors.messages.common import PRIVATE_TYPES, CandleInterval, DataType, Endpoint
from upbit_actors.messages.subscription import Delivery, Policy, StreamOptions, StreamSpec

__all__ = [
    "CODE_PATTERN",
    "DEFAULT_DEPTH",
    "MAX_CODES_PER_REQUEST",
    "MAX_LEVEL",
    "MAX_RATE",
    "ORDERBOOK_DEPTHS",
    "Unusable",
    "check_codes",
    "check_endpoint",
    "check_level",
    "delivery_reason",
    "shown",
    "validate_spec",
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

MAX_LEVEL: float = 1e9
"""Largest orderbook ``level`` (price grouping unit, KRW markets only, SPEC §2). Upbit lists the
supported units per pair (REST ``orderbook/instruments``); the dearest KRW pair trades near
1.5e8 KRW (SPEC §3.1 samples), so a unit above 1e9 would fold the whole book into one step. The
bound also keeps every accepted level a plain JSON number (``1e308`` would be written as a
310-digit integer, ``inf`` as ``null``)."""

_CANDLES = ", ".join(iv.value for iv in CandleInterval)
_TYPES = "ticker, trade, orderbook, candle.<interval>, myOrder, myAsset"


_MARK = "\x00unusable: "
"""Prefix of an ``Unusable`` that crossed a process: it travels as a plain ``str`` (the tree
unpickles only known classes, ``system.runtime.unpickle``: a stream's spec goes to the registry
in another process), and is recognised by this prefix."""


@frozen
class Unusable:
    """A ``make_spec`` argument that cannot be part of a spec (``reason`` says why: an unknown
    policy, an unhashable value); kept in its place so that the spec stays hashable and
    picklable, and ``validate_spec`` names it."""

    reason: str

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return str, (_MARK + self.reason,)  # a builtin on the wire: see _MARK


def _unusable(value: Any) -> str | None:
    """The reason of an ``Unusable``, here or after a process hop; None for any other value."""
    if isinstance(value, Unusable):
        return value.reason
    if isinstance(value, str) and value.startswith(_MARK):
        return value[len(_MARK):]
    return None


def shown(value: Any) -> str:
    """How a reason names a bad value: ``'krw-btc'``, ``inf``, ``list [1, 2]``…"""
    if (reason := _unusable(value)) is not None:
        return reason
    if isinstance(value, (str, bytes)):
        return repr(value[:40])
    if isinstance(value, (bool, int, float)) or value is None:
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return type(value).__name__


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_endpoint(data_type: DataType, endpoint: Endpoint | None) -> str | None:
    """Why ``data_type`` cannot go on ``endpoint`` (None: any endpoint is fine) (SPEC §1)."""
    if endpoint is not None and data_type.endpoint is not endpoint:
        home = data_type.endpoint.value
        return f"{data_type.value} lives on the {home} endpoint, not {endpoint.value} (SPEC §1)"
    return None


def check_level(level: Any) -> str | None:
    """Why ``level`` cannot be sent: a finite number from 0 to ``MAX_LEVEL`` (SPEC §2)."""
    if not _number(level):
        return f"orderbook level must be a number, not {shown(level)} (SPEC §2)"
    if not (math.isfinite(level) and 0 <= level <= MAX_LEVEL):
        return f"orderbook level must be >= 0 and at most {MAX_LEVEL:g}, got {shown(level)} (SPEC §2)"
    return None


def check_codes(codes: Iterable[Any], max_codes: int) -> str | None:
    """Why ``codes`` cannot be requested: each an upper-case pair, none twice, at most ``max_codes``."""
    seen: set[str] = set()
    codes = tuple(codes)
    for code in codes:
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            if len(codes) > 1 and all(isinstance(c, str) and len(c) == 1 for c in codes):
                return ("codes look like one code split into characters: pass a list, e.g. "
                        "['KRW-BTC'] (or a single code string to subscribe/stream)")
            return f"code {shown(code)} is not an upper-case QUOTE-BASE pair like 'KRW-BTC' (SPEC §2.2)"
        if code in seen:
            return f"code {code!r} appears twice"
        seen.add(code)
    if len(seen) > max_codes:
        return f"{len(seen)} codes exceed the limit of {max_codes} per request"
    return None


def _check_flags(data_type: DataType, options: StreamOptions) -> str | None:
    for name in ("only_snapshot", "only_realtime"):
        if not isinstance(getattr(options, name), bool):
            return f"{name} must be True or False, not {shown(getattr(options, name))}"
    if options.only_snapshot and options.only_realtime:
        return "only_snapshot and only_realtime together would deliver nothing (SPEC §2)"
    if options.only_snapshot and data_type in PRIVATE_TYPES:
        return f"{data_type.value} is REALTIME only; only_snapshot would deliver nothing (SPEC §3.5-3.6)"
    return None


def _check_options(data_type: DataType, options: Any) -> str | None:
    if not isinstance(options, StreamOptions):
        return f"options must be StreamOptions, not {shown(options)}"
    depth, level = options.depth, options.level
    if depth is not None:
        if data_type is not DataType.ORDERBOOK:
            return f"depth is an orderbook option, not {data_type.value} (SPEC §2)"
        if type(depth) is not int or depth not in ORDERBOOK_DEPTHS:
            return f"orderbook depth {shown(depth)} is not one of 1, 5, 15, 30 (SPEC §2)"
    if level is not None:
        if data_type is not DataType.ORDERBOOK:
            return f"level is an orderbook option, not {data_type.value} (SPEC §2)"
        if reason := check_level(level):
            return reason
    return _check_flags(data_type, options)


def _type_reason(data_type: Any) -> str:
    if (reason := _unusable(data_type)) is not None:
        return reason
    if isinstance(data_type, str) and data_type.startswith("candle."):
        return f"unknown candle interval {data_type[7:47]!r}: Upbit streams {_CANDLES} (SPEC §3.4)"
    return f"unknown data type {shown(data_type)}: expected one of {_TYPES} (SPEC §2)"


def validate_spec(
    spec: StreamSpec, endpoint: Endpoint | None = None, *, max_codes: int = MAX_CODES_PER_REQUEST
) -> str | None:
    """None when ``spec`` can be sent, else the reason, in one line; never raises.

    ``endpoint``, when given, is the connection the spec is meant for: private types only on
    the private endpoint and public types only on the public one (SPEC §1).
    """
    try:
        return _validate(spec, endpoint, max_codes)
    except Exception as exc:  # noqa: BLE001 - a value so odd that a check itself failed
        return f"invalid request: {type(exc).__name__} while checking it"


def _validate(spec: StreamSpec, endpoint: Endpoint | None, max_codes: int) -> str | None:
    if not isinstance(spec, StreamSpec):
        return f"expected a StreamSpec, not {shown(spec)}"
    data_type = spec.data_type
    if not isinstance(data_type, DataType):
        return _type_reason(data_type)
    if reason := check_endpoint(data_type, endpoint):
        return reason
    codes = spec.codes if isinstance(spec.codes, tuple) else (spec.codes,)
    if data_type is DataType.MY_ASSET:
        if codes:
            return "myAsset takes no codes: Upbit answers WRONG_FORMAT and closes the socket (SPEC §3.6)"
    elif data_type is not DataType.MY_ORDER and not codes:
        return f"{data_type.value} needs at least one code: empty codes close the socket (SPEC §2.2)"
    if reason := check_codes(codes, max_codes):
        return reason
    return _check_options(data_type, spec.options) or delivery_reason(spec.delivery)


def delivery_reason(delivery: Delivery | None) -> str | None:
    """Why a consumer's overflow policy (``StreamSpec.delivery``, issue 16) cannot be used."""
    if delivery is None:
        return None
    if (reason := _unusable(delivery)) is not None:
        return reason
    if not isinstance(delivery, Delivery):
        return f"delivery must be a Delivery, not {shown(delivery)}"
    limit, rate = delivery.limit, delivery.rate
    if limit is not None and (type(limit) is not int or limit < 1):
        return f"delivery limit must be a whole number >= 1, not {shown(limit)}"
    if delivery.policy is Policy.THROTTLE:
        if not _number(rate) or not 0 < rate <= MAX_RATE:
            return f"throttle needs a rate in (0, {MAX_RATE:g}] events per second per code, not {shown(rate)}"
    elif rate is not None:
        return f"a rate only applies to throttle, not to {delivery.policy.value}"
    return None

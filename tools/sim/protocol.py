"""Pure parsing of client request messages (SPEC §2, §6): bytes in, a decision out, no I/O.

A request is a JSON array ``[{ticket}, {type obj}, ..., {format obj}?]``. The parser returns a
:class:`Subscribe`, a :class:`ListSubscriptions` or a :class:`Rejected` carrying the error name
and message the live server sends. Silent non-errors (lower-case or unknown codes, unsupported
``level``, odd orderbook units) are *not* decided here: they are accepted and simply produce no
data, which :mod:`tools.sim.routes` decides (SPEC §2.2, §6 "Silent non-errors").
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from upbit_actors.tools.sim import errors

__all__ = [
    "CANDLE_TYPES",
    "FORMATS",
    "PRIVATE_TYPES",
    "PUBLIC_TYPES",
    "ListSubscriptions",
    "ParseOptions",
    "Rejected",
    "Subscribe",
    "TypeRequest",
    "parse_request",
]

CANDLE_TYPES = tuple(f"candle.{i}" for i in ("1s", "1m", "3m", "5m", "10m", "15m", "30m", "60m", "240m"))
"""Candle types (SPEC §3.4); no day or week candles over WebSocket."""

PUBLIC_TYPES = ("ticker", "trade", "orderbook", *CANDLE_TYPES)
"""Types served on ``/websocket/v1`` (SPEC §1)."""

PRIVATE_TYPES = ("myOrder", "myAsset")
"""Types served on ``/websocket/v1/private`` with a JWT (SPEC §1, §3.5-3.6)."""

FORMATS = ("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST")
"""Accepted ``format`` values (SPEC §2, §3.8)."""

_FLAGS = {
    # SPEC §2: current docs use snake_case, older docs and many bots camelCase; accept both.
    "is_only_snapshot": "is_only_snapshot",
    "isOnlySnapshot": "is_only_snapshot",
    "is_only_realtime": "is_only_realtime",
    "isOnlyRealtime": "is_only_realtime",
}


@dataclasses.dataclass(frozen=True)
class TypeRequest:
    """One accepted type object, as sent (codes keep their ``.n`` suffix)."""

    type: str
    codes: tuple[str, ...] | None
    """``None`` when the object had no ``codes`` (allowed for myOrder and myAsset only)."""
    is_only_snapshot: bool = False
    is_only_realtime: bool = False
    level: float | int | None = None
    """Orderbook ``level`` as a number; ``None`` when absent (means 0)."""


@dataclasses.dataclass(frozen=True)
class Subscribe:
    """An accepted subscribe request: it replaces the connection's whole set (SPEC §2.1)."""

    ticket: str
    types: tuple[TypeRequest, ...]
    format: str | None
    """The format object's value, ``None`` when the request had none."""


@dataclasses.dataclass(frozen=True)
class ListSubscriptions:
    """A ``LIST_SUBSCRIPTIONS`` request (SPEC §2.1 rule 4)."""

    ticket: str
    format: str | None


@dataclasses.dataclass(frozen=True)
class Rejected:
    """A request the server answers with an error frame, then closes 1000 (SPEC §6)."""

    name: str
    message: str


@dataclasses.dataclass(frozen=True)
class ParseOptions:
    """What the parser needs to know about the connection and the server's settings."""

    private_path: bool = False
    """The request arrived on ``/websocket/v1/private``."""
    authenticated: bool = False
    """The connection's JWT was valid."""
    language: str = "ko"
    ticket_first: bool = True
    """Require the ticket object first; otherwise any element may carry it."""
    private_allows_public: bool = True
    """Public types are accepted on the private path."""


def parse_request(
    raw: str | bytes, options: ParseOptions = ParseOptions()
) -> Subscribe | ListSubscriptions | Rejected:
    """Decide what one client message asks for (SPEC §2, errors per §6)."""
    lang = options.language

    def reject(name: str, key: str | None = None, detail: str = "") -> Rejected:
        return Rejected(name, errors.error_message(key or name, lang, detail))

    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return reject(errors.WRONG_FORMAT)  # SPEC §6 [WIRE]: text "hello"
    if not isinstance(message, list):
        return reject(errors.WRONG_FORMAT)  # SPEC §6 [WIRE]: a JSON object instead of an array
    if not all(isinstance(item, dict) for item in message):
        return reject(errors.WRONG_FORMAT)

    ticket_holders = message[:1] if options.ticket_first else message
    ticket = next((item["ticket"] for item in ticket_holders if "ticket" in item), None)
    if isinstance(ticket, bool) or not isinstance(ticket, (str, int)) or ticket == "":
        return reject(errors.NO_TICKET)

    fmt: str | None = None
    method: Any = None
    type_objects: list[dict[str, Any]] = []
    for index, item in enumerate(message):
        if "type" in item:
            type_objects.append(item)
        elif "format" in item:
            fmt = item["format"]
        elif "method" in item:
            method = item["method"]
        elif "ticket" in item and (index == 0 or not options.ticket_first):
            continue
        else:
            return reject(errors.NO_TYPE)  # an object that is neither ticket, type nor format
    if fmt is not None and fmt not in FORMATS:
        return reject(errors.INVALID_PARAM, "bad_format", str(fmt))
    if method is not None:
        if method != "LIST_SUBSCRIPTIONS":
            return reject(errors.WRONG_FORMAT)
        return ListSubscriptions(str(ticket), fmt)
    if not type_objects:
        return reject(errors.NO_TYPE)

    accepted: list[TypeRequest] = []
    for item in type_objects:
        result = _parse_type(item, options)
        if isinstance(result, Rejected):
            return result
        accepted.append(result)
    return Subscribe(str(ticket), tuple(accepted), fmt)


def _parse_type(item: dict[str, Any], options: ParseOptions) -> TypeRequest | Rejected:
    lang = options.language

    def reject(name: str, key: str | None = None, detail: str = "") -> Rejected:
        return Rejected(name, errors.error_message(key or name, lang, detail))

    kind = item["type"]
    if not isinstance(kind, str) or not kind:
        return reject(errors.NO_TYPE)
    if kind in PRIVATE_TYPES:
        if not (options.private_path and options.authenticated):
            return reject(errors.INVALID_AUTH)  # SPEC §6, §7: private type without valid auth
    elif kind not in PUBLIC_TYPES or (options.private_path and not options.private_allows_public):
        return reject(errors.INVALID_PARAM, "bad_type", kind)  # SPEC §6 [WIRE]: type "nope"

    codes: tuple[str, ...] | None = None
    if kind == "myAsset":
        if "codes" in item:
            return reject(errors.WRONG_FORMAT)  # SPEC §2, §3.6: myAsset takes no codes
    elif "codes" not in item or item["codes"] is None:
        if kind != "myOrder":
            return reject(errors.NO_CODES)  # SPEC §2.2 [DOC][WIRE]
    else:
        raw_codes = item["codes"]
        if not isinstance(raw_codes, list) or not all(isinstance(c, str) for c in raw_codes):
            return reject(errors.WRONG_FORMAT)
        if not raw_codes and kind != "myOrder":
            return reject(errors.INVALID_PARAM, "empty_codes")  # SPEC §2.2: "codes": []
        codes = tuple(raw_codes)

    flags = {"is_only_snapshot": False, "is_only_realtime": False}
    for spelling, flag in _FLAGS.items():
        if spelling in item:
            value = item[spelling]
            if not isinstance(value, bool):
                return reject(errors.WRONG_FORMAT)
            flags[flag] = flags[flag] or value

    level: float | int | None = None
    if kind == "orderbook" and item.get("level") is not None:
        level = _number(item["level"])  # SPEC §2: Double now, "a numeric String" in older docs
        if level is None or level < 0:
            return reject(errors.WRONG_FORMAT)
    return TypeRequest(kind, codes, flags["is_only_snapshot"], flags["is_only_realtime"], level)


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None

"""The slow path: accept every variation Upbit is known to send, or say exactly what is wrong.

A generated builder (``system.wire.codec.gen``) handles the common spelling of a frame and raises on
anything else. The frame then comes here, where each field is examined one by one:

- tolerated: an integral float for an integer (``1.676965262177E12``, within 64 bits: beyond,
  orjson has already rounded it, and the event could not be written out again), an integer ticket in a
  LIST_SUBSCRIPTIONS reply (the docs type it as Long, SPEC §2.1), a missing key whose field has
  a default, JSON ``null`` where the class allows None, unknown keys;
- rejected with a precise reason otherwise, e.g. ``ticker.trade_price: expected number, got
  str '32287000'`` or ``orderbook.orderbook_units[3].ask_size: missing``.

Everything here returns; nothing raises to the caller. Speed does not matter: this runs for the
rare odd frame only.
"""

from __future__ import annotations

from typing import Any

from upbit_actors.messages.server import DecodeError, StatusUp, SubscriptionListing, UpbitError
from upbit_actors.system.wire.codec.schema import REQUIRED, SCHEMAS, Kind, Schema, Slot
from upbit_actors.system.wire.codec.wire import DEFAULT_TYPE_KEY, EVENT_TYPES, LIST_METHOD, SIMPLE_TYPE_KEY

__all__ = ["EXCERPT_CHARS", "INT_MAX", "INT_MIN", "excerpt_of", "explain", "json_type"]

EXCERPT_CHARS = 200
"""Length of ``DecodeError.excerpt`` (the class docstring promises at most 200 characters)."""

_JSON_TYPES = {dict: "object", list: "array", str: "str", int: "int", float: "float", bool: "bool"}

INT_MIN = -(2**63)
"""Smallest integer field value: orjson reads integers from -2**63 to 2**64 - 1 exactly and
writes them back; anything beyond arrives as a float whose exact value is already lost."""
INT_MAX = 2**64 - 1
"""Largest integer field value (see ``INT_MIN``). Upbit's largest, ``sequential_id``, is ~1.7e16."""

_INT_AS_STR = frozenset({(SubscriptionListing, "ticket")})
"""String fields that may arrive as an integer: the docs type the ticket as Long (SPEC §2.1)."""


class _Reject(Exception):
    """A precise reason why the frame is not valid."""


def json_type(value: Any) -> str:
    """How a decode reason names the type of ``value``: ``str '12'``, ``null``, ``array``…"""
    if value is None:
        return "null"
    name = _JSON_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, (str, int, float)):
        # Cut a string before repr: a frame may hold megabytes in one value.
        text = _printable(repr(value[:41] if isinstance(value, str) else value))
        return f"{name} {text if len(text) <= 40 else text[:37] + '...'}"
    return name


def _printable(text: str) -> str:
    """``text`` with lone surrogates (from a ``str`` frame) replaced: a reason or excerpt must
    survive being written out as UTF-8 (a log line, ``upbit-actors decode``)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def excerpt_of(frame: Any) -> str:
    """At most ``EXCERPT_CHARS`` characters of a raw frame, for the log."""
    if isinstance(frame, (bytes, bytearray, memoryview)):
        return bytes(frame[: EXCERPT_CHARS * 4]).decode("utf-8", "replace")[:EXCERPT_CHARS]
    if not isinstance(frame, str):
        try:
            frame = repr(frame)
        except Exception:  # noqa: BLE001 - an object whose repr fails is named by its type
            frame = f"<{type(frame).__name__}>"
    return _printable(frame[:EXCERPT_CHARS])


def _value(owner: type, slot: Slot, value: Any, path: str) -> Any:
    kind = slot.kind
    # SIMPLE keys are cryptic: name the attribute too, e.g. ``ticker.tp (trade_price)``.
    where = path if slot.key == slot.attr or kind is Kind.INTERVAL else f"{path} ({slot.attr})"
    if value is None:
        if slot.nullable:
            return None
        raise _Reject(f"{where}: expected {kind.value}, got null")
    vtype = type(value)
    if kind is Kind.FLOAT and vtype in (float, int):
        try:
            return float(value)
        except OverflowError:
            raise _Reject(f"{where}: number out of range: {json_type(value)}") from None
    if kind is Kind.INT and vtype in (int, float):
        if vtype is float and not value.is_integer():
            raise _Reject(f"{where}: expected integer, got non-integral {json_type(value)}")
        if not INT_MIN <= value <= INT_MAX:
            raise _Reject(f"{where}: integer out of range (64 bits): {json_type(value)}")
        return int(value)
    if kind is Kind.STR and (vtype is str or (vtype is int and (owner, slot.attr) in _INT_AS_STR)):
        return str(value)
    if kind is Kind.BOOL and vtype is bool:
        return value
    if kind in (Kind.ENUM, Kind.INTERVAL) and vtype is str:
        assert slot.choices is not None
        if value in slot.choices:
            return slot.choices[value]
        raise _Reject(f"{where}: unknown value {value!r} (expected one of {', '.join(slot.choices)})")
    if kind is Kind.STRS and vtype is list:
        for index, item in enumerate(value):
            if type(item) is not str:
                raise _Reject(f"{path}[{index}]: expected str, got {json_type(item)}")
        return tuple(value)
    if kind is Kind.NESTED and vtype is list:
        assert slot.item is not None
        return tuple(_build(slot.item, item, f"{path}[{index}]") for index, item in enumerate(value))
    expected = {Kind.STR: "str", Kind.ENUM: "str", Kind.INTERVAL: "str"}.get(kind, kind.value)
    raise _Reject(f"{where}: expected {expected}, got {json_type(value)}")


def _build(schema: Schema, data: Any, where: str) -> Any:
    if type(data) is not dict:
        raise _Reject(f"{where}: expected object, got {json_type(data)}")
    kwargs = {}
    for slot in schema.slots:
        at = f"{where}.{slot.key}"
        if slot.key in data:
            kwargs[slot.attr] = _value(schema.cls, slot, data[slot.key], at)
        elif slot.default is REQUIRED:
            hint = "" if slot.key == slot.attr else f" ({slot.attr})"
            raise _Reject(f"{at}{hint}: missing")
        else:
            kwargs[slot.attr] = slot.default
    return schema.cls(**kwargs)


def _text(data: dict[str, Any], key: str, path: str, default: Any = REQUIRED) -> Any:
    if key not in data:
        if default is REQUIRED:
            raise _Reject(f"{path}: missing")
        return default
    value = data[key]
    if type(value) is not str:
        raise _Reject(f"{path}: expected str, got {json_type(value)}")
    return value


def _rebuild(data: dict[str, Any]) -> Any:
    for key, simple in ((DEFAULT_TYPE_KEY, False), (SIMPLE_TYPE_KEY, True)):
        if key in data:
            wire_type = data[key]
            if type(wire_type) is not str:
                raise _Reject(f"{key}: expected str, got {json_type(wire_type)}")
            if wire_type not in EVENT_TYPES:
                raise _Reject(f"unknown type {wire_type!r}")
            schema = SCHEMAS[(EVENT_TYPES[wire_type], simple)]
            return _build(schema, data, schema.label)
    if "error" in data:
        # SPEC §6: {"error":{"name":…,"message":…}}, key order varies; a missing message is
        # tolerated because the error itself must still reach the user.
        body = data["error"]
        if type(body) is not dict:
            raise _Reject(f"error: expected object, got {json_type(body)}")
        name = _text(body, "name", "error.name")
        return UpbitError(name=name, message=_text(body, "message", "error.message", ""))
    if "status" in data:
        return StatusUp(_text(data, "status", "status"))
    for key, simple in (("method", False), ("mthd", True)):
        if key in data:
            method = data[key]
            if method != LIST_METHOD:
                raise _Reject(f"{key}: unknown method {json_type(method)}")
            schema = SCHEMAS[(SubscriptionListing, simple)]
            return _build(schema, data, schema.label)
    keys = ", ".join(sorted(map(str, data))[:8]) or "none"
    raise _Reject(f"unrecognised frame: no type, ty, error, status or method key (keys: {keys})")


def explain(data: Any, excerpt: str) -> Any:
    """Decode one parsed JSON value tolerantly: the event, or a ``DecodeError`` saying why not."""
    try:
        if type(data) is not dict:
            raise _Reject(f"expected a JSON object, got {json_type(data)}")
        return _rebuild(data)
    except _Reject as reject:
        return DecodeError(reason=str(reject), excerpt=excerpt)
    except Exception as exc:  # noqa: BLE001 - a codec bug must not stop the stream either
        return DecodeError(reason=f"internal codec error: {exc!r}", excerpt=excerpt)

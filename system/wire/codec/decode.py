"""Raw Upbit frames in, typed events out: ``decode`` and ``decode_batch``.

A frame is the payload of one WebSocket message: UTF-8 JSON, sent by Upbit as a binary frame
(SPEC §1, §10.5); ``str`` is accepted too. Its shape tells its format, so no format setting is
needed (the LIST_SUBSCRIPTIONS request can flip a live connection's format, SPEC §2.1):

==============  =========================================================================
frame           means
==============  =========================================================================
``{"type":…}``  DEFAULT data frame (SPEC §3)
``{"ty":…}``    SIMPLE data frame, abbreviated keys (SPEC §3, §3.8)
``[{…}, …]``    JSON_LIST or SIMPLE_LIST: one event per item, each item detected on its own
``{"error":…}`` ``UpbitError`` (SPEC §6)
``{"status":…}`` ``StatusUp`` keep-alive (SPEC §4)
``{"method"|"mthd":"LIST_SUBSCRIPTIONS",…}``  ``SubscriptionListing`` (SPEC §2.1)
==============  =========================================================================

Every frame gives a list; a frame (or list item) that is not a valid Upbit frame gives one
``DecodeError`` in place of its event, and decoding goes on. Nothing here raises or does I/O,
whatever the frame holds: nesting up to orjson's 1024 levels (deeper is "not JSON"), integers
beyond 64 bits, wrong types anywhere, invalid UTF-8 (tests/system/wire/codec/test_hostile.py).

Speed: ``orjson.loads`` parses; a builder generated per (class, format) by ``system.wire.codec.gen``
builds the event; only an unusual frame takes the slow path of ``system.wire.codec.explain``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeAlias

import orjson

from upbit_actors.messages.market import Candle, Orderbook, Ticker, Trade
from upbit_actors.messages.private import MyAsset, MyOrder
from upbit_actors.messages.server import DecodeError, StatusUp, SubscriptionListing, UpbitError
from upbit_actors.system.wire.codec.explain import excerpt_of, explain, json_type
from upbit_actors.system.wire.codec.gapframe import GAP_TYPE, build_gap
from upbit_actors.system.wire.codec.gen import compile_builder, wire_key
from upbit_actors.system.wire.codec.schema import SCHEMAS
from upbit_actors.system.wire.codec.wire import DEFAULT_TYPE_KEY, EVENT_TYPES, LIST_METHOD, SIMPLE_TYPE_KEY

__all__ = ["BUILDERS", "Event", "decode", "decode_batch"]

Event: TypeAlias = (
    Ticker | Trade | Orderbook | Candle | MyOrder | MyAsset | UpbitError | StatusUp | SubscriptionListing
)
"""Everything a valid frame decodes to."""

_Builder = Callable[[dict[str, Any]], Any]
BUILDERS: Mapping[tuple[type, bool], _Builder] = MappingProxyType(
    {key: compile_builder(schema) for key, schema in SCHEMAS.items()}
)
"""(class, simple) -> generated fast builder (raises on anything unusual); for tests and benches."""
_BY_TYPE: dict[str, _Builder] = {t: BUILDERS[(cls, False)] for t, cls in EVENT_TYPES.items()}
_BY_TY: dict[str, _Builder] = {t: BUILDERS[(cls, True)] for t, cls in EVENT_TYPES.items()}
_BY_TYPE[GAP_TYPE] = build_gap  # the hub's own in-band Gap (codec.gapframe), never Upbit's
_LIST_DEFAULT = BUILDERS[(SubscriptionListing, False)]
_LIST_SIMPLE = BUILDERS[(SubscriptionListing, True)]
_K_TYPE = wire_key(DEFAULT_TYPE_KEY)
_K_TY = wire_key(SIMPLE_TYPE_KEY)
_loads = orjson.loads
_dict = dict


def _object(data: dict[str, Any], frame: Any, within: Any = None) -> Any:
    """One JSON object: its event, or a DecodeError; ``frame`` is the raw frame, or None for an
    item of the LIST frame ``within``."""
    try:
        build = _BY_TYPE.get(data.get(_K_TYPE))
        if build is None:
            build = _BY_TY.get(data.get(_K_TY))
        if build is None:
            # Rare frames: the listing has its own builder; errors and status go to explain().
            if data.get("method") == LIST_METHOD:
                build = _LIST_DEFAULT
            elif data.get("mthd") == LIST_METHOD:
                build = _LIST_SIMPLE
        if build is not None:
            return build(data)
    except Exception:  # noqa: BLE001, S110 - any surprise means: take the slow path below
        pass
    return explain(data, excerpt_of(frame) if frame is not None else _item_excerpt(data, within))


def _item_excerpt(item: Any, frame: Any) -> str:
    """The excerpt of one item of a LIST frame: the item written out again, or, when it cannot
    be (orjson writes at most 255 levels, reads 1024), the start of the whole frame."""
    try:
        return excerpt_of(orjson.dumps(item))
    except Exception:  # noqa: BLE001 - too deep to write again: the frame itself will do
        return excerpt_of(frame)


def _parsed(data: Any, frame: Any) -> list[Any]:
    """Events of an already parsed frame."""
    if data.__class__ is _dict:
        return [_object(data, frame)]
    if data.__class__ is not list:
        reason = f"expected a JSON object or array, got {json_type(data)}"
        return [DecodeError(reason=reason, excerpt=excerpt_of(frame))]
    if not data:
        reason = "empty JSON array (a *_LIST frame holds objects)"
        return [DecodeError(reason=reason, excerpt=excerpt_of(frame))]
    # JSON_LIST / SIMPLE_LIST (SPEC §3.8): a bad item spoils only itself.
    events = []
    for index, item in enumerate(data):
        if item.__class__ is _dict:
            event = _object(item, None, frame)
        else:
            event = explain(item, _item_excerpt(item, frame))
        if event.__class__ is DecodeError:
            event = DecodeError(reason=f"item {index}: {event.reason}", excerpt=event.excerpt)
        events.append(event)
    return events


def _unparsable(frame: Any, exc: Exception) -> DecodeError:
    if not isinstance(frame, (bytes, bytearray, memoryview, str)):
        reason = f"expected bytes or str, got {type(frame).__name__}"
        return DecodeError(reason=reason, excerpt=excerpt_of(frame))
    return DecodeError(reason=f"not JSON: {exc}", excerpt=excerpt_of(frame))


def _guarded(data: Any, frame: Any) -> list[Any]:
    """``_parsed``, and a codec bug becomes the frame's ``DecodeError``: it must not stop the stream."""
    try:
        return _parsed(data, frame)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        return [DecodeError(reason=f"internal codec error: {exc!r}"[:500], excerpt=excerpt_of(frame))]


def decode(frame: bytes | str) -> list[Event | DecodeError]:
    """Decode one raw frame: one event, several for a LIST frame, or one ``DecodeError``."""
    try:
        data = _loads(frame)
    except Exception as exc:  # noqa: BLE001 - orjson.JSONDecodeError, or a frame of the wrong type
        return [_unparsable(frame, exc)]
    return _guarded(data, frame)


def decode_batch(frames: Iterable[bytes | str]) -> list[Event | DecodeError]:
    """``decode`` over many frames, flattened in order: the router's hot path."""
    events: list[Any] = []
    append = events.append
    loads, dict_, by_type, by_ty, k_type, k_ty = _loads, _dict, _BY_TYPE, _BY_TY, _K_TYPE, _K_TY
    for frame in frames:
        try:
            data = loads(frame)
        except Exception:  # noqa: BLE001 - decode() reports it
            events.extend(decode(frame))
            continue
        if data.__class__ is dict_:
            # _object() inlined for the common case: one DEFAULT or SIMPLE data object.
            try:
                wire_type = data.get(k_type)
                build = by_type.get(wire_type) if wire_type is not None else by_ty.get(data.get(k_ty))
                if build is not None:
                    append(build(data))
                    continue
            except Exception:  # noqa: BLE001, S110 - _guarded() below explains it
                pass
        events.extend(_guarded(data, frame))
    return events

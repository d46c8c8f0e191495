"""What the router needs of a raw frame, read without decoding it: ``peek``.

The router routes and conflates; it never builds the typed events (each consumer decodes its own,
in its own process: THESPIAN.md, Speed). So it reads only the routing facts of a data frame from
the parsed JSON (``orjson.loads``, ~1 µs for a trade frame, measured: faster than a bytes scan in
Python), in DEFAULT or SIMPLE keys (SPEC §3), and forwards the frame's bytes untouched:

==============================  ==============================================================
fact                            read from
==============================  ==============================================================
``data_type``                   ``type`` / ``ty`` (the same values in both formats)
``code``                        ``code`` / ``cd`` (None for myAsset, which has none)
``stream_type``                 ``stream_type`` / ``st``: SNAPSHOT or REALTIME
``depth`` (orderbook)           ``len(orderbook_units)`` / ``obu``: padded to the requested depth (§3.3)
``level`` (orderbook)           ``level`` / ``lv``
``candle_date_time_utc``        ``candle_date_time_utc`` / ``cdttmu``: the period (§3.4)
``sequential_id`` (trade)       ``sequential_id`` / ``sid``
==============================  ==============================================================

Tickers and trades written as Upbit writes them (``{"type":"ticker","code":"...`` or the SIMPLE
spelling) are read by search instead (``_scan``: ~1 us a ticker instead of ~3), without checking
the rest of the JSON: a broken one is counted as undecodable by its consumer's decoder, not here.
Anything else (a ``*_LIST`` array, an error or status frame, a value of the wrong type, a NUL
byte) makes ``peek`` answer None, and ``peek_slow`` decodes the frame to get the same facts
(``Peek.event`` then holds the event, and a frame holding several events is split into one
frame per event).

Nothing here raises: a frame that cannot be read at all is a ``DecodeError`` in ``peek_slow``.
"""

from __future__ import annotations

from typing import Any

import orjson

from upbit_actors.messages.common import DataType, StreamType
from upbit_actors.messages.connection import EventFrames
from upbit_actors.messages.server import DecodeError
from upbit_actors.system.wire.codec.decode import decode
from upbit_actors.system.wire.codec.encode import to_default_dict

__all__ = ["Peek", "SEPARATOR", "peek", "peek_slow"]

SEPARATOR = EventFrames.SEPARATOR
"""Joins frames in one payload; ``peek`` refuses frames that hold it, so splitting is exact."""



class Peek:
    """The routing facts of one data frame, with the frame itself."""

    __slots__ = ("candle_date_time_utc", "code", "data_type", "depth", "event", "frame", "level",
                 "sequential_id", "stream_type")

    def __init__(self, frame: bytes, data_type: DataType, code: str | None, stream_type: StreamType,
                 depth: int = 0, level: float = 0.0, candle_date_time_utc: str | None = None,
                 sequential_id: int | None = None, event: Any = None) -> None:
        self.frame = frame
        """The raw frame (one event), as received or, on the slow path, re-encoded."""
        self.data_type = data_type
        self.code = code
        self.stream_type = stream_type
        self.depth = depth
        """Orderbook units in the frame (0 for other types)."""
        self.level = level
        self.candle_date_time_utc = candle_date_time_utc
        self.sequential_id = sequential_id
        self.event = event
        """The decoded event when ``peek_slow`` made this, else None."""

    def __repr__(self) -> str:
        return f"Peek({self.data_type.value}, {self.code}, {self.stream_type.value}, {len(self.frame)} bytes)"


_FIELDS = (  # DEFAULT key, SIMPLE key
    ("type", "ty"), ("code", "cd"), ("stream_type", "st"), ("orderbook_units", "obu"),
    ("level", "lv"), ("candle_date_time_utc", "cdttmu"), ("sequential_id", "sid"),
)
_DEFAULT = tuple(d for d, _ in _FIELDS)
_SIMPLE = tuple(s for _, s in _FIELDS)
_BY_VALUE: dict[str, DataType] = {t.value: t for t in DataType}
_SNAP = StreamType.SNAPSHOT.value
_loads = orjson.loads


_FAST = tuple(  # (start of the frame, stream type key, sequential id key) as Upbit writes them
    (b'{"%s":"%s","%s":"' % (keys[0].encode(), data_type.value.encode(), keys[1].encode()), data_type,
     b'"%s":"' % keys[2].encode(), b'"%s":' % keys[6].encode())
    for keys in (_DEFAULT, _SIMPLE) for data_type in (DataType.TICKER, DataType.TRADE)
)


def _scan(frame: bytes) -> Peek | None:
    """Tickers and trades, nearly all the traffic, as Upbit writes them (type and code first):
    the facts are found with a few searches instead of parsing ~30 numbers (~1 us instead of
    ~3 us a ticker). None when the frame is anything else (then ``peek`` parses it)."""
    for start, data_type, st_key, sid_key in _FAST:
        if frame.startswith(start):
            break
    else:
        return None
    head = len(start)
    end = frame.find(b'"', head)
    at = frame.rfind(st_key)
    if end <= head or at < 0 or SEPARATOR in frame or 92 in frame[head:end]:  # 92: a backslash
        return None
    at += len(st_key)
    stream_type = StreamType.SNAPSHOT if frame.startswith(b'SNAPSHOT"', at) else StreamType.REALTIME
    item = Peek(frame, data_type, frame[head:end].decode(), stream_type)
    if data_type is DataType.TRADE:
        at = frame.find(sid_key)
        stop = frame.find(b",", at) if at >= 0 else -1
        digits = frame[at + len(sid_key):stop] if stop > 0 else b""
        if not digits.isdigit():
            return None
        item.sequential_id = int(digits)
    return item


def peek(frame: bytes) -> Peek | None:
    """The routing facts of a single-event data frame; None when it is anything else (a list,
    an error or status frame, not JSON, a value of the wrong type): ``peek_slow`` then says."""
    try:
        if frame.__class__ is bytes and (found := _scan(frame)) is not None:
            return found
        data = _loads(frame)
        if data.__class__ is not dict or SEPARATOR in frame:
            return None
        keys = _DEFAULT if "type" in data else _SIMPLE
        data_type = _BY_VALUE.get(data.get(keys[0]))
        if data_type is None:
            return None
        code = data.get(keys[1])
        if code.__class__ is not str and data_type is not DataType.MY_ASSET:
            return None
        stream_type = StreamType.SNAPSHOT if data.get(keys[2]) == _SNAP else StreamType.REALTIME
        if data_type is DataType.ORDERBOOK:
            return Peek(frame, data_type, code, stream_type, depth=len(data.get(keys[3]) or ()),
                        level=float(data.get(keys[4]) or 0.0))
        if data_type is DataType.TRADE:
            sid = data.get(keys[6])
            return Peek(frame, data_type, code, stream_type,
                        sequential_id=sid if sid.__class__ is int else None)
        if data_type.interval is not None:
            start = data.get(keys[5])
            if start.__class__ is not str:
                return None
            return Peek(frame, data_type, code, stream_type, candle_date_time_utc=start)
        return Peek(frame, data_type, code, stream_type)
    except Exception:  # noqa: BLE001 - whatever the frame holds, the slow path explains it
        return None


def peek_slow(frame: Any) -> list[Peek | Any]:
    """Decode ``frame`` and describe each data event as a ``Peek`` (with ``event`` set); other
    items (``UpbitError``, ``StatusUp``, ``SubscriptionListing``, ``DecodeError``) are returned
    as they are. Never raises."""
    items = decode(frame)
    out: list[Any] = []
    single = len(items) == 1 and isinstance(frame, bytes) and SEPARATOR not in frame
    for event in items:
        data_type = getattr(event, "data_type", None)
        if not isinstance(data_type, DataType):
            out.append(event)
            continue
        try:
            raw = frame if single else orjson.dumps(to_default_dict(event))
        except Exception as exc:  # noqa: BLE001 - never raise on the data path
            out.append(DecodeError(reason=f"cannot re-encode {data_type.value}: {exc!r}", excerpt=""))
            continue
        units = getattr(event, "orderbook_units", ())
        out.append(Peek(raw, data_type, getattr(event, "code", None), event.stream_type,
                        depth=len(units), level=float(getattr(event, "level", 0.0) or 0.0),
                        candle_date_time_utc=getattr(event, "candle_date_time_utc", None),
                        sequential_id=getattr(event, "sequential_id", None), event=event))
    return out

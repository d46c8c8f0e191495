"""Pre-compiled writers for the hot frames: ticker and trade bytes straight from market state.

At high rates nearly every frame is a ticker or a trade, and building a dict per frame, then
respelling its numbers (``encode``), cost more than everything else together. A writer is one
bytes ``%``-template per (kind, code, format, number style) with the constant parts baked in
(keys in the sample order of :mod:`tools.sim.frames`, SIMPLE names, ``type``, ``code``, the
constant ticker flags), filled from :class:`tools.sim.market.CodeState` with one tuple:

- prices repeat from frame to frame, so their spelling is looked up in a bounded memo;
- the change fields depend only on (price, previous close): one cached segment per pair of them;
- DEFAULT ``wire`` sizes are ``%.8f`` inside the template (what :func:`encode.fixed8` does);
- values that change with every trade (accumulated turnover, SIMPLE sizes) are spelled directly.

The output is byte-for-byte what ``encode(frames.ticker(...), fmt, style)`` gives (a test walks
a market through thousands of events, across UTC midnight, and compares every format and
style); other kinds use the generic path. Spelling rules: SPEC §3.8 via :mod:`tools.sim.encode`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from upbit_actors.tools.sim.encode import SIMPLE_KEYS, java_double
from upbit_actors.tools.sim.frames import change_values, date_parts
from upbit_actors.tools.sim.market import DAY_MS, CodeState
from upbit_actors.tools.sim.markets import Instrument

__all__ = ["Writer", "writer"]

Writer = Callable[[CodeState, str, int], bytes]
"""``write(state, stream_type, start_ms)`` -> UTF-8 JSON payload of one frame."""

_MEMO_LIMIT = 100_000
"""Bound of each spelling memo; cleared when full (a miss only costs one spelling)."""


def _wire_default(value: Any) -> bytes:
    # encode._wire_default: a non-zero float outside [1e-3, 1e7) is spelled like Java,
    # the rest as orjson does (identical to repr for these floats and for 0.0).
    if type(value) is float:
        if 1e7 <= value < 1e16:
            # Turnovers, every ticker: java_double's positional case, inlined.
            whole, _, frac = repr(value).partition(".")
            digits = (whole + frac).rstrip("0")
            return f"{digits[0]}.{digits[1:] or '0'}E{len(whole) - 1}".encode()
        if value and not 1e-3 <= abs(value) < 1e7:
            return java_double(value).encode()
        return repr(value).encode()
    return orjson.dumps(value)


def _wire_simple(value: Any) -> bytes:
    # encode._wire_simple: integral floats plain, others outside [1e-3, 1e7) like Java.
    if type(value) is float:
        if value.is_integer():
            return b"%d" % value
        if not 1e-3 <= abs(value) < 1e7:
            return java_double(value).encode()
        return repr(value).encode()
    return orjson.dumps(value)


_SPELLERS: dict[tuple[str, bool], Callable[[Any], bytes]] = {
    ("wire", False): _wire_default, ("wire", True): _wire_simple,
    ("plain", False): orjson.dumps, ("plain", True): orjson.dumps,
}
"""(number style, SIMPLE) -> how a number is spelled."""


class _Memo(dict):  # type: ignore[type-arg]
    """key -> bytes; a hit is one C-level dict lookup. Bounded: cleared when full."""

    def __init__(self, make: Callable[[Any], bytes]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> bytes:
        if len(self) > _MEMO_LIMIT:
            self.clear()
        data = self[key] = self.make(key)
        return data


_ASCII = _Memo(str.encode)
"""Short strings (change, ask_bid, dates, stream_type) as bytes."""
_DATES = _Memo(lambda second: tuple(p.encode() for p in date_parts(second * 1000)))
"""Second -> :func:`frames.date_parts` as bytes."""
_PRICES: dict[tuple[str, bool], _Memo] = {}
"""(number style, SIMPLE) -> number -> spelling, shared by every writer of that spelling."""

# Keys in the order of frames.ticker / frames.trade (SPEC §3.1 2023 sample, §3.2 2024 sample)
# with the placeholder each value takes: None = constant; "s" a string, "d" an int, "p" a
# number, "z" a size ("%.8f" in DEFAULT wire, else a number).
_TICKER_HEAD = (("type", None), ("code", None), ("opening_price", "p"), ("high_price", "p"),
                ("low_price", "p"), ("trade_price", "p"), ("prev_closing_price", "p"),
                ("acc_trade_price", "p"))
_TICKER_CHANGE = (("change", "s"), ("change_price", "p"), ("signed_change_price", "p"),
                  ("change_rate", "p"), ("signed_change_rate", "p"))
_TICKER_TAIL = (
    ("ask_bid", "s"), ("trade_volume", "z"), ("acc_trade_volume", "z"), ("trade_date", "s"),
    ("trade_time", "s"), ("trade_timestamp", "d"), ("acc_ask_volume", "z"), ("acc_bid_volume", "z"),
    ("highest_52_week_price", "p"), ("highest_52_week_date", "s"), ("lowest_52_week_price", "p"),
    ("lowest_52_week_date", "s"), ("market_state", None), ("is_trading_suspended", None),
    ("delisting_date", None), ("market_warning", None), ("timestamp", "d"),
    ("acc_trade_price_24h", "p"), ("acc_trade_volume_24h", "z"), ("stream_type", "s"),
)
_TRADE_HEAD = (("type", None), ("code", None), ("timestamp", "d"), ("trade_date", "s"),
               ("trade_time", "s"), ("trade_timestamp", "d"), ("trade_price", "p"),
               ("trade_volume", "z"), ("ask_bid", "s"))
_TRADE_CHANGE = (("prev_closing_price", "p"), ("change", "s"), ("change_price", "p"))
_TRADE_TAIL = (("sequential_id", "d"), ("best_ask_price", "p"), ("best_ask_size", "z"),
               ("best_bid_price", "p"), ("best_bid_size", "z"), ("stream_type", "s"))

_CONSTANTS = {"market_state": "ACTIVE", "is_trading_suspended": False, "delisting_date": None,
              "market_warning": "NONE"}


def _parts(kind: str, code: str, fields: tuple[tuple[str, str | None], ...], simple: bool,
           raw_sizes: bool) -> list[str]:
    """``"key":placeholder`` of each field (constants baked in, ``%`` escaped)."""
    names = SIMPLE_KEYS[kind] if simple else {}
    out = []
    for key, role in fields:
        head = orjson.dumps(names.get(key, key)).decode() + ":"
        if role is None:
            value = {"type": kind, "code": code}.get(key, _CONSTANTS.get(key))
            out.append(head + orjson.dumps(value).decode().replace("%", "%%"))
        else:
            out.append(head + {"s": '"%s"', "d": "%d", "p": "%s", "z": "%.8f" if raw_sizes else "%s"}[role])
    return out


def _templates(kind: str, code: str, fmt: str, raw_sizes: bool,
               fields: tuple[tuple[tuple[str, str | None], ...], ...]) -> tuple[bytes, bytes]:
    """(frame template with one ``%s`` for the change segment, change segment template)."""
    simple = fmt in ("SIMPLE", "SIMPLE_LIST")
    head, change, tail = (_parts(kind, code, f, simple, raw_sizes) for f in fields)
    frame = "{" + ",".join([*head, "%s", *tail]) + "}"
    if fmt.endswith("_LIST"):  # SPEC §3.8: a one-element array
        frame = "[" + frame + "]"
    # bytes % is cheaper than str % then encode (no second pass over ~700 characters).
    return frame.encode(), ",".join(change).encode()


def _ticker(frame: bytes, segment: bytes, price: _Memo, spell: Callable[[Any], bytes], raw: bool,
            decimals: int) -> Writer:
    text = _ASCII

    def change(key: tuple[float, float]) -> bytes:
        kind, change_price, signed, rate = change_values(*key, decimals)
        return segment % (text[kind], price[change_price], price[signed], price[rate],
                          price[rate if signed >= 0 else -rate])

    changes = _Memo(change)

    if raw:  # DEFAULT wire: the template spells sizes (%.8f)
        def write(state: CodeState, stream_type: str, start_ms: int) -> bytes:
            date, time, _, _ = _DATES[state.trade_ts // 1000]
            # CodeState.volume_24h, inlined: the pre-start baseline fades over a day.
            fade = 1.0 - (state.event_ts - start_ms) / DAY_MS
            if fade < 0.0:  # noqa: PLR1730 (max() is a call: this runs per ticker)
                fade = 0.0
            return frame % (
                price[state.open], price[state.high], price[state.low], price[state.price],
                price[state.prev_close], spell(state.acc_price), changes[(state.price, state.prev_close)],
                text[state.ask_bid], state.trade_volume, state.acc_volume, date, time, state.trade_ts,
                state.acc_ask, state.acc_bid, price[state.h52], text[state.h52_date], price[state.l52],
                text[state.l52_date], state.event_ts, spell(state.base24_price * fade + state.window_price),
                round(state.base24_volume * fade + state.window_volume, 8), text[stream_type],
            )
        return write

    def write_spelled(state: CodeState, stream_type: str, start_ms: int) -> bytes:
        date, time, _, _ = _DATES[state.trade_ts // 1000]
        fade = 1.0 - (state.event_ts - start_ms) / DAY_MS
        if fade < 0.0:  # noqa: PLR1730
            fade = 0.0
        return frame % (
            price[state.open], price[state.high], price[state.low], price[state.price],
            price[state.prev_close], spell(state.acc_price), changes[(state.price, state.prev_close)],
            text[state.ask_bid], spell(state.trade_volume), spell(state.acc_volume), date, time,
            state.trade_ts, spell(state.acc_ask), spell(state.acc_bid), price[state.h52],
            text[state.h52_date], price[state.l52], text[state.l52_date], state.event_ts,
            spell(state.base24_price * fade + state.window_price),
            spell(round(state.base24_volume * fade + state.window_volume, 8)), text[stream_type],
        )
    return write_spelled


def _trade(frame: bytes, segment: bytes, price: _Memo, spell: Callable[[Any], bytes], raw: bool,
           decimals: int, tick: float) -> Writer:
    text = _ASCII

    def change(key: tuple[float, float]) -> bytes:
        kind, change_price, _, _ = change_values(*key, decimals)
        return segment % (price[key[1]], text[kind], price[change_price])

    changes = _Memo(change)
    at_index = _Memo(lambda index: price[round(index * tick, decimals)])  # book tick index -> price

    if raw:  # DEFAULT wire: the template spells sizes (%.8f)
        def write(state: CodeState, stream_type: str, start_ms: int) -> bytes:
            _, _, date, time = _DATES[state.trade_ts // 1000]
            book = state.book
            return frame % (
                state.event_ts, date, time, state.trade_ts, price[state.price], state.trade_volume,
                text[state.ask_bid], changes[(state.price, state.prev_close)], state.sequential_id,
                at_index[book.bid + book.spread], book.asks[0][1], at_index[book.bid], book.bids[0][1],
                text[stream_type],
            )
        return write

    def write_spelled(state: CodeState, stream_type: str, start_ms: int) -> bytes:
        _, _, date, time = _DATES[state.trade_ts // 1000]
        book = state.book
        return frame % (
            state.event_ts, date, time, state.trade_ts, price[state.price], spell(state.trade_volume),
            text[state.ask_bid], changes[(state.price, state.prev_close)], state.sequential_id,
            at_index[book.bid + book.spread], spell(book.asks[0][1]), at_index[book.bid],
            spell(book.bids[0][1]), text[stream_type],
        )
    return write_spelled


_WRITERS: dict[tuple[str, str, str, str], Writer | None] = {}


def writer(kind: str, instrument: Instrument, fmt: str, style: str) -> Writer | None:
    """The writer of ``kind`` frames of ``instrument`` in format ``fmt`` and number ``style``,
    or None: use ``encode`` on the frame dict."""
    code = instrument.code
    key = (kind, code, fmt, style)
    found = _WRITERS.get(key, False)
    if found is not False:
        return found  # type: ignore[return-value]
    built: Writer | None = None
    if kind in ("ticker", "trade") and fmt in ("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST") \
            and style in ("wire", "plain"):
        simple = fmt in ("SIMPLE", "SIMPLE_LIST")
        raw = style == "wire" and not simple
        spell = _SPELLERS[(style, simple)]
        price = _PRICES.get((style, simple))
        if price is None:
            price = _PRICES[(style, simple)] = _Memo(spell)
        if kind == "ticker":
            frame, segment = _templates(kind, code, fmt, raw, (_TICKER_HEAD, _TICKER_CHANGE, _TICKER_TAIL))
            built = _ticker(frame, segment, price, spell, raw, instrument.decimals)
        else:
            frame, segment = _templates(kind, code, fmt, raw, (_TRADE_HEAD, _TRADE_CHANGE, _TRADE_TAIL))
            built = _trade(frame, segment, price, spell, raw, instrument.decimals, instrument.tick)
    if len(_WRITERS) > 10_000:
        _WRITERS.clear()
    _WRITERS[key] = built
    return built

"""Pre-compiled writers for the hot frames: ticker and trade bytes straight from market state.

At high rates nearly every frame is a ticker or a trade, and building a dict per frame, then
respelling its numbers (``encode``), cost more than everything else together. A writer is one
``%``-template per (kind, format, number style, code) with the constant parts baked in (keys in
the sample order of :mod:`tools.sim.frames`, SIMPLE names, ``type``, ``code``, the constant
ticker flags), filled from :class:`tools.sim.market.CodeState` with one tuple:

- prices repeat from frame to frame, so their spelling is looked up in a bounded memo;
- DEFAULT ``wire`` sizes are ``%.8f`` inside the template (what :func:`encode.fixed8` does);
- values that change with every trade (accumulated turnover, SIMPLE sizes) are spelled directly.

The output is byte-for-byte what ``encode(frames.ticker(...), fmt, style)`` gives (a test walks
a market through thousands of events and compares every format and style); other kinds use
the generic path. Spelling rules: SPEC §3.8 via :mod:`tools.sim.encode`.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from upbit_actors.tools.sim.encode import SIMPLE_KEYS, java_double
from upbit_actors.tools.sim.frames import change_fields, date_parts
from upbit_actors.tools.sim.market import CodeState

__all__ = ["Writer", "writer"]

Writer = Callable[[CodeState, str, int], bytes]
"""``write(state, stream_type, start_ms)`` -> UTF-8 JSON payload of one frame."""

_MEMO_LIMIT = 100_000
"""Bound of each price-spelling memo; cleared when full (a miss only costs one spelling)."""


def _wire_default(value: float) -> str:
    # encode._wire_default: a non-zero float outside [1e-3, 1e7) is spelled like Java,
    # the rest as orjson does (identical to repr for these floats and for 0.0).
    if type(value) is float:
        if value and not 1e-3 <= abs(value) < 1e7:
            return java_double(value)
        return repr(value)
    return orjson.dumps(value).decode()


def _wire_simple(value: float) -> str:
    # encode._wire_simple: integral floats plain, others outside [1e-3, 1e7) like Java.
    if type(value) is float:
        if value.is_integer():
            return str(int(value))
        if not 1e-3 <= abs(value) < 1e7:
            return java_double(value)
        return repr(value)
    return orjson.dumps(value).decode()


def _plain(value: float) -> str:
    return orjson.dumps(value).decode()


class _Memo(dict):  # type: ignore[type-arg]
    """value -> spelling; a hit is one C-level dict lookup."""

    def __init__(self, spell: Callable[[float], str]) -> None:
        super().__init__()
        self.spell = spell

    def __missing__(self, value: float) -> str:
        if len(self) > _MEMO_LIMIT:
            self.clear()
        text = self[value] = self.spell(value)
        return text


# Field roles: c = constant JSON, s = variable ASCII string (no escaping needed), i = int,
# p = repeating number (memo), z = size (DEFAULT wire: fixed 8 decimals), n = changing number.
_TICKER = (
    ("type", "c"), ("code", "c"), ("opening_price", "p"), ("high_price", "p"), ("low_price", "p"),
    ("trade_price", "p"), ("prev_closing_price", "p"), ("acc_trade_price", "n"), ("change", "s"),
    ("change_price", "p"), ("signed_change_price", "p"), ("change_rate", "p"),
    ("signed_change_rate", "p"), ("ask_bid", "s"), ("trade_volume", "z"), ("acc_trade_volume", "z"),
    ("trade_date", "s"), ("trade_time", "s"), ("trade_timestamp", "i"), ("acc_ask_volume", "z"),
    ("acc_bid_volume", "z"), ("highest_52_week_price", "p"), ("highest_52_week_date", "s"),
    ("lowest_52_week_price", "p"), ("lowest_52_week_date", "s"), ("market_state", "c"),
    ("is_trading_suspended", "c"), ("delisting_date", "c"), ("market_warning", "c"), ("timestamp", "i"),
    ("acc_trade_price_24h", "n"), ("acc_trade_volume_24h", "z"), ("stream_type", "s"),
)
"""Ticker keys in the order of :func:`frames.ticker` (SPEC §3.1, 2023 sample)."""

_TRADE = (
    ("type", "c"), ("code", "c"), ("timestamp", "i"), ("trade_date", "s"), ("trade_time", "s"),
    ("trade_timestamp", "i"), ("trade_price", "p"), ("trade_volume", "z"), ("ask_bid", "s"),
    ("prev_closing_price", "p"), ("change", "s"), ("change_price", "p"), ("sequential_id", "i"),
    ("best_ask_price", "p"), ("best_ask_size", "z"), ("best_bid_price", "p"), ("best_bid_size", "z"),
    ("stream_type", "s"),
)
"""Trade keys in the order of :func:`frames.trade` (SPEC §3.2, 2024 sample)."""

_CONSTANTS = {"market_state": "ACTIVE", "is_trading_suspended": False, "delisting_date": None,
              "market_warning": "NONE"}


def _template(kind: str, fields: tuple[tuple[str, str], ...], code: str, simple: bool,
              wire: bool) -> tuple[str, tuple[str, ...]]:
    """The ``%``-template of one kind and code, and the role of each placeholder in order."""
    names = SIMPLE_KEYS[kind] if simple else {}
    parts, roles = [], []
    for key, role in fields:
        head = orjson.dumps(names.get(key, key)).decode() + ":"
        if role == "c":
            value = {"type": kind, "code": code}.get(key, _CONSTANTS.get(key))
            parts.append(head + orjson.dumps(value).decode().replace("%", "%%"))
            continue
        if role == "s":
            parts.append(head + '"%s"')
        elif role == "i":
            parts.append(head + "%d")
        elif role == "z" and wire and not simple:
            parts.append(head + "%.8f")
        else:
            parts.append(head + "%s")
        roles.append("n" if role == "z" else role)
    return "{" + ",".join(parts) + "}", tuple(roles)


def _ticker(template: str, price: _Memo, spell: Callable[[float], str], raw_sizes: bool) -> Writer:
    size = (lambda v: v) if raw_sizes else spell

    def write(state: CodeState, stream_type: str, start_ms: int) -> bytes:
        kind, change_price, signed, rate = change_fields(state)
        date, time, _, _ = date_parts(state.trade_ts)
        volume_24h, price_24h = state.volume_24h(state.event_ts, start_ms)
        return (template % (
            price[state.open], price[state.high], price[state.low], price[state.price],
            price[state.prev_close], spell(state.acc_price), kind, price[change_price], price[signed],
            price[rate], price[rate if signed >= 0 else -rate], state.ask_bid, size(state.trade_volume),
            size(state.acc_volume), date, time, state.trade_ts, size(state.acc_ask), size(state.acc_bid),
            price[state.h52], state.h52_date, price[state.l52], state.l52_date, state.event_ts,
            spell(price_24h), size(volume_24h), stream_type,
        )).encode()

    return write


def _trade(template: str, price: _Memo, spell: Callable[[float], str], raw_sizes: bool) -> Writer:
    size = (lambda v: v) if raw_sizes else spell

    def write(state: CodeState, stream_type: str, start_ms: int) -> bytes:
        kind, change_price, _, _ = change_fields(state)
        _, _, date, time = date_parts(state.trade_ts)
        inst = state.instrument
        tick, decimals = inst.tick, inst.decimals
        book = state.book
        ask, ask_size, bid, bid_size = book.bid + book.spread, book.asks[0][1], book.bid, book.bids[0][1]
        return (template % (
            state.event_ts, date, time, state.trade_ts, price[state.price], size(state.trade_volume),
            state.ask_bid, price[state.prev_close], kind, price[change_price], state.sequential_id,
            price[round(ask * tick, decimals)], size(ask_size), price[round(bid * tick, decimals)],
            size(bid_size), stream_type,
        )).encode()

    return write


_SPELLERS = {("wire", False): _wire_default, ("wire", True): _wire_simple,
             ("plain", False): _plain, ("plain", True): _plain}
_MEMOS: dict[tuple[str, bool], _Memo] = {}
_WRITERS: dict[tuple[str, str, str, str], Writer | None] = {}


def writer(kind: str, code: str, fmt: str, style: str) -> Writer | None:
    """The writer of ``kind`` frames of ``code`` in format ``fmt``, or None (use ``encode``)."""
    key = (kind, code, fmt, style)
    found = _WRITERS.get(key, False)
    if found is not False:
        return found  # type: ignore[return-value]
    built: Writer | None = None
    simple = fmt in ("SIMPLE", "SIMPLE_LIST")
    if kind in ("ticker", "trade") and fmt in ("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST") \
            and style in ("wire", "plain"):
        wire = style == "wire"
        spell = _SPELLERS[(style, simple)]
        memo = _MEMOS.get((style, simple))
        if memo is None:
            memo = _MEMOS[(style, simple)] = _Memo(spell)
        template, _ = _template(kind, _TICKER if kind == "ticker" else _TRADE, code, simple, wire)
        if fmt.endswith("_LIST"):  # SPEC §3.8: a one-element array
            template = "[" + template + "]"
        make = _ticker if kind == "ticker" else _trade
        built = make(template, memo, spell, wire and not simple)
    if len(_WRITERS) > 10_000:
        _WRITERS.clear()
    _WRITERS[key] = built
    return built

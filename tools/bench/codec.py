"""``upbit-actors bench codec``: the codec's frames/s against bare ``orjson.loads``.

Builds a batch of realistic frames of every data type in DEFAULT and SIMPLE, with Upbit's own
number spellings (SPEC §3.8: DEFAULT prices like ``1.16539E8`` and sizes like ``0.00077720``,
SIMPLE prices plain and small sizes like ``7.9276E-4``), 30-unit order books (the live default,
SPEC §3.3) and ``sequential_id`` above 2**53. Then it times, best of R rounds, ``orjson.loads``
over every frame and ``system.wire.codec.decode_batch`` over the same frames, per type and in total.
The target is a ratio codec/orjson of at least 0.5. Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import orjson

from upbit_actors.messages.market import OrderbookUnit
from upbit_actors.messages.private import AssetBalance
from upbit_actors.system.wire.codec import decode_batch
from upbit_actors.system.wire.codec.wire import EVENT_TYPES, SIMPLE_KEYS

__all__ = ["HELP", "add_arguments", "make_frames", "run"]

HELP = "time the codec against bare orjson.loads on realistic frames"

_CODES = {  # code -> a typical price (SPEC §8: quote first)
    "KRW-BTC": 1.4e8, "KRW-ETH": 5.2e6, "KRW-XRP": 3150.0, "KRW-SOL": 2.6e5, "KRW-DOGE": 512.0,
    "KRW-ADA": 1200.0, "KRW-SHIB": 0.0341, "BTC-ETH": 0.0371, "BTC-XRP": 0.00002231,
    "USDT-BTC": 98000.0, "USDT-ETH": 3650.0, "KRW-USDT": 1412.0,
}  # fmt: skip


class Price(float):
    """A price: DEFAULT writes Java ``Double.toString`` (``1.16539E8``), SIMPLE writes it plain."""


class Size(float):
    """A size: DEFAULT writes 8 decimals (``0.00077720``), SIMPLE Java style (``7.9276E-4``)."""


def _java(x: float) -> str:
    """Java's ``Double.toString``: plain in [1e-3, 1e7), else ``d.dddE±n``."""
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(float(x))
    sign, digits, exp = Decimal(repr(float(x))).normalize().as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + "." + (text[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{len(text) - 1 + int(exp)}"


def _num(x: float, simple: bool) -> str:
    if isinstance(x, Price):
        return (str(int(x)) if x.is_integer() else _java(x)) if simple else _java(x)
    if isinstance(x, Size):
        return _java(x) if simple else f"{x:.8f}"
    return repr(x)


_NESTED = {"orderbook_units": SIMPLE_KEYS[OrderbookUnit], "assets": SIMPLE_KEYS[AssetBalance]}


def dump(value: Any, simple: bool, table: dict[str, str] | None = None) -> str:
    """JSON text of a DEFAULT-keyed value, renamed to SIMPLE keys when ``simple``."""
    if isinstance(value, dict):
        table = table or {}
        parts = []
        for key, item in value.items():
            name = ("ty" if key == "type" else table.get(key, key)) if simple else key
            parts.append(f'"{name}":{dump(item, simple, _NESTED.get(key))}')
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(item, simple, table) for item in value) + "]"
    if isinstance(value, float) and not isinstance(value, bool):
        return _num(value, simple)
    return orjson.dumps(value).decode()


def _amount(rng: random.Random, low: float, high: float) -> Size:
    return Size(round(rng.uniform(low, high), 8))


def _qty(rng: random.Random, rate: float) -> Size:
    return Size(round(rng.expovariate(rate), 8))


def _day(rng: random.Random, code: str) -> dict[str, Any]:
    base = _CODES[code] * rng.uniform(0.9, 1.1)
    tick = 1000.0 if base > 1e7 else (1.0 if base > 100 else 1e-8)
    p = lambda x: Price(round(round(x / tick) * tick, 8))  # noqa: E731
    return {"code": code, "open": p(base), "high": p(base * 1.03), "low": p(base * 0.97),
            "last": p(base * rng.uniform(0.97, 1.03)), "p": p}  # fmt: skip


def _ticker(rng: random.Random, code: str, ts: int) -> dict[str, Any]:
    d = _day(rng, code)
    change = round(d["last"] - d["open"], 8)
    return {
        "type": "ticker", "code": code, "opening_price": d["open"], "high_price": d["high"],
        "low_price": d["low"], "trade_price": d["last"], "prev_closing_price": d["open"],
        "acc_trade_price": Size(rng.uniform(1e6, 3e11)), "change": "RISE" if change > 0 else "FALL",
        "change_price": Price(abs(change)), "signed_change_price": Price(change),
        "change_rate": round(abs(change) / d["open"], 10),
        "signed_change_rate": round(change / d["open"], 10),
        "ask_bid": rng.choice(["ASK", "BID"]), "trade_volume": _qty(rng, 50),
        "acc_trade_volume": _amount(rng, 10, 9000), "trade_date": "20250102", "trade_time": "042805",
        "trade_timestamp": ts - 38, "acc_ask_volume": _amount(rng, 1, 4000),
        "acc_bid_volume": _amount(rng, 1, 4000), "highest_52_week_price": d["p"](d["high"] * 1.4),
        "highest_52_week_date": "2024-12-17", "lowest_52_week_price": d["p"](d["low"] * 0.6),
        "lowest_52_week_date": "2024-08-05", "market_state": "ACTIVE", "is_trading_suspended": False,
        "delisting_date": None, "market_warning": "NONE", "timestamp": ts,
        "acc_trade_price_24h": Size(rng.uniform(1e6, 5e11)), "acc_trade_volume_24h": _amount(rng, 10, 9000),
        "stream_type": "REALTIME",
    }  # fmt: skip


def _trade(rng: random.Random, code: str, ts: int) -> dict[str, Any]:
    d = _day(rng, code)
    return {
        "type": "trade", "code": code, "timestamp": ts, "trade_date": "2025-01-02", "trade_time": "04:28:05",
        "trade_timestamp": ts - 35, "trade_price": d["last"], "trade_volume": _qty(rng, 50),
        "ask_bid": rng.choice(["ASK", "BID"]), "prev_closing_price": d["open"], "change": "RISE",
        "change_price": Price(round(abs(d["last"] - d["open"]), 8)),
        "sequential_id": (ts - 35) * 10000 + rng.randrange(10),  # above 2**53 (SPEC §3.2)
        "best_ask_price": d["last"], "best_ask_size": _qty(rng, 5),
        "best_bid_price": d["p"](d["last"] * 0.9995), "best_bid_size": _qty(rng, 5),
        "stream_type": "REALTIME",
    }  # fmt: skip


def _orderbook(rng: random.Random, code: str, ts: int, depth: int = 30) -> dict[str, Any]:
    d = _day(rng, code)
    mid, step = d["last"], max(d["p"](d["last"] * 0.0002), 1e-8)
    units = [{"ask_price": d["p"](mid + step * (i + 1)), "bid_price": d["p"](mid - step * i),
              "ask_size": _qty(rng, 3), "bid_size": _qty(rng, 3)}
             for i in range(depth)]  # fmt: skip
    return {
        "type": "orderbook", "code": code, "timestamp": ts,
        "total_ask_size": Size(round(sum(u["ask_size"] for u in units), 8)),
        "total_bid_size": Size(round(sum(u["bid_size"] for u in units), 8)),
        "orderbook_units": units, "stream_type": "REALTIME", "level": 0,
    }  # fmt: skip


def _candle(rng: random.Random, code: str, ts: int) -> dict[str, Any]:
    d = _day(rng, code)
    kind = rng.choice([t for t in EVENT_TYPES if t.startswith("candle.")])
    return {
        "type": kind, "code": code, "candle_date_time_utc": "2025-01-02T04:28:00",
        "candle_date_time_kst": "2025-01-02T13:28:00", "opening_price": d["open"], "high_price": d["high"],
        "low_price": d["low"], "trade_price": d["last"], "candle_acc_trade_volume": _qty(rng, 20),
        "candle_acc_trade_price": Size(rng.uniform(1e3, 1e7)), "timestamp": ts, "stream_type": "REALTIME",
    }  # fmt: skip


def _my_order(rng: random.Random, code: str, ts: int) -> dict[str, Any]:
    d = _day(rng, code)
    volume = _amount(rng, 0.001, 2)
    return {
        "type": "myOrder", "code": code, "uuid": "ac2dc2a3-fce9-40a2-a4f6-5987c25c438f", "ask_bid": "BID",
        "order_type": "limit", "state": "trade", "trade_uuid": "68315169-fba4-4175-ade3-aff14a616657",
        "price": d["last"], "avg_price": d["last"], "volume": volume, "remaining_volume": Size(0.0),
        "executed_volume": volume, "trades_count": 1, "reserved_fee": Size(12.5), "remaining_fee": Size(0.0),
        "paid_fee": Size(12.5), "locked": Size(0.0), "executed_funds": Size(round(d["last"] * volume, 8)),
        "time_in_force": None, "trade_fee": Size(12.5), "is_maker": rng.random() < 0.5, "identifier": None,
        "smp_type": None, "prevented_volume": None, "prevented_locked": 0, "trade_timestamp": ts - 8,
        "order_timestamp": ts - 7500, "timestamp": ts, "stream_type": "REALTIME",
    }  # fmt: skip


def _my_asset(rng: random.Random, code: str, ts: int) -> dict[str, Any]:
    currencies = rng.sample(["KRW", "BTC", "ETH", "XRP"], rng.randint(1, 3))
    assets = [
        {"currency": c, "balance": _amount(rng, 0, 1e4), "locked": _amount(rng, 0, 10)} for c in currencies
    ]
    return {"type": "myAsset", "asset_uuid": "e635f223-1609-4969-8fb6-4376937baad6", "assets": assets,
            "asset_timestamp": ts - 8, "timestamp": ts, "stream_type": "REALTIME"}  # fmt: skip


MAKERS: dict[str, Callable[[random.Random, str, int], dict[str, Any]]] = {
    "ticker": _ticker, "trade": _trade, "orderbook": _orderbook, "candle": _candle,
    "myOrder": _my_order, "myAsset": _my_asset,
}  # fmt: skip
"""Type name -> maker of one DEFAULT-keyed frame dict (number classes mark the spelling)."""


def make_frames(count: int, seed: int = 1) -> dict[str, list[bytes]]:
    """``count`` frames spread evenly over (type, DEFAULT/SIMPLE), keyed by ``type/format``."""
    rng = random.Random(seed)
    groups = [(name, simple) for name in MAKERS for simple in (False, True)]
    frames: dict[str, list[bytes]] = {}
    for index in range(count):
        name, simple = groups[index % len(groups)]
        data = MAKERS[name](rng, rng.choice(list(_CODES)), 1_735_792_085_000 + index)
        text = dump(data, simple, dict(SIMPLE_KEYS[EVENT_TYPES[data["type"]]]))
        frames.setdefault(f"{name}/{'SIMPLE' if simple else 'DEFAULT'}", []).append(text.encode())
    return frames


def _chunks(frames: list[bytes], size: int) -> list[list[bytes]]:
    return [frames[i : i + size] for i in range(0, len(frames), size)]


def _orjson_batches(batches: Iterable[list[bytes]]) -> None:
    loads = orjson.loads
    for batch in batches:
        [loads(frame) for frame in batch]  # results kept per batch, as decode_batch keeps events


def _codec_batches(batches: Iterable[list[bytes]]) -> None:
    for batch in batches:
        decode_batch(batch)


def _race(frames: list[bytes], batch: int, rounds: int) -> tuple[float, float]:
    """Best seconds of (orjson, codec) over ``rounds``, interleaved so both see the same machine."""
    batches = _chunks(frames, batch)
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for index, fn in enumerate((_orjson_batches, _codec_batches)):
            start = time.perf_counter()
            fn(batches)
            best[index] = min(best[index], time.perf_counter() - start)
    return best[0], best[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--frames", type=int, default=200_000, help="frames in the batch (default 200000)")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds, best kept (default 5)")
    parser.add_argument(
        "--batch", type=int, default=100, help="frames per decode_batch call, like a FrameBatch (default 100)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the frames")


def run(args: argparse.Namespace) -> int:
    if args.frames < 2 * len(MAKERS) or args.rounds < 1 or args.batch < 1:
        print(f"error: need --frames >= {2 * len(MAKERS)}, --rounds >= 1 and --batch >= 1", file=sys.stderr)
        return 2
    groups = make_frames(args.frames, args.seed)
    everything = [frame for frames in groups.values() for frame in frames]
    bad = [e for e in decode_batch(everything) if type(e).__name__ == "DecodeError"]
    if bad:  # a benchmark of errors would be meaningless
        print(f"error: {len(bad)} frames did not decode, e.g. {bad[0].reason}", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    rng.shuffle(everything)  # the ALL row interleaves types like a live connection does
    print(f"{len(everything)} frames, {sum(map(len, everything)) / len(everything):.0f} bytes on average, "
          f"batches of {args.batch}, best of {args.rounds} rounds")  # fmt: skip
    print(f"{'group':20s} {'frames':>8s} {'orjson f/s':>12s} {'codec f/s':>12s} {'ratio':>6s}")
    for name, frames in [*sorted(groups.items()), ("ALL", everything)]:
        plain, codec = _race(frames, args.batch, args.rounds)
        n = len(frames)
        print(f"{name:20s} {n:8d} {n / plain:12,.0f} {n / codec:12,.0f} {plain / codec:6.2f}")
    return 0

"""The market list and each pair's static instrument facts: tick size, levels, a first price.

The list is the frozen real list (``tools/data/upbit_markets.json``, SPEC §8), a given list, or
N synthetic KRW codes. Everything here is a pure function of the list and the seed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "FIXTURE",
    "Instrument",
    "MarketDirectory",
    "krw_tick",
    "load_codes",
    "synthetic_codes",
]

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "upbit_markets.json"
"""Frozen market list (SPEC §8: "a simulator should load its market list from a frozen fixture")."""

_ANCHORS = {
    # Rough 2025 price levels so that the default market looks like Upbit's.
    "KRW-BTC": 142_000_000.0,
    "KRW-ETH": 5_000_000.0,
    "KRW-XRP": 3_500.0,
    "KRW-SOL": 280_000.0,
    "KRW-DOGE": 350.0,
    "KRW-ADA": 1_000.0,
    "KRW-USDT": 1_400.0,
    "KRW-USDC": 1_400.0,
}
_KRW_PER_BTC = _ANCHORS["KRW-BTC"]
_KRW_PER_USDT = _ANCHORS["KRW-USDT"]

_KRW_TICKS = (
    # Upbit KRW market tick table (2023 revision): (lower bound, tick).
    (2_000_000, 1000.0),
    (1_000_000, 500.0),
    (500_000, 100.0),
    (100_000, 50.0),
    (10_000, 10.0),
    (1_000, 1.0),
    (100, 0.1),
    (10, 0.01),
    (1, 0.001),
    (0.1, 0.0001),
    (0.01, 0.00001),
    (0.001, 0.000001),
    (0.0001, 0.0000001),
)


def krw_tick(price: float) -> float:
    """Tick size of a KRW-market price."""
    for bound, tick in _KRW_TICKS:
        if price >= bound:
            return tick
    return 0.00000001


def load_codes(path: Path = FIXTURE) -> list[str]:
    """The frozen real market list, KRW first (busiest first: the list order sets activity)."""
    return list(json.loads(path.read_text(encoding="utf-8"))["markets"])


def synthetic_codes(count: int) -> list[str]:
    """``count`` synthetic KRW codes: ``KRW-SIM000``, ``KRW-SIM001``..."""
    width = max(3, len(str(count - 1)))
    return [f"KRW-SIM{i:0{width}d}" for i in range(count)]


@dataclasses.dataclass(frozen=True, slots=True)
class Instrument:
    """Static facts of one pair."""

    code: str
    quote: str
    base: str
    tick: float
    """Price step."""
    decimals: int
    """Decimals that make ``index * tick`` an exact price."""
    first_price: float
    levels: tuple[float, ...]
    """Supported non-zero orderbook levels: KRW only (SPEC §2, §3.3: BTC and USDT markets are always 0)."""
    weight: float
    """Relative trading activity (Zipf over the list order)."""
    thin: bool
    """The bid side has fewer than 30 units, so frames carry zero padding (SPEC §3.3)."""


class MarketDirectory:
    """Every listed pair's :class:`Instrument`; also the :class:`tools.sim.routes.Directory`."""

    def __init__(self, codes: Sequence[str], seed: int) -> None:
        rng = random.Random(f"instruments:{seed}")
        self.codes: tuple[str, ...] = tuple(dict.fromkeys(codes))
        """Listed codes in list order."""
        krw_prices: dict[str, float] = {}
        self.instruments: dict[str, Instrument] = {}
        """Code -> instrument."""
        for rank, code in enumerate(self.codes):
            quote, _, base = code.partition("-")
            price = _ANCHORS.get(code) or self._guess(quote, base, krw_prices, rng)
            if quote == "KRW":
                tick = krw_tick(price)
            elif quote == "BTC":
                tick = 0.00000001
            else:
                tick = min(0.01, max(0.00000001, 10.0 ** (math.floor(math.log10(price)) - 5)))
            decimals = max(0, -math.floor(math.log10(tick) + 1e-9))
            price = round(round(price / tick) * tick, decimals) or tick
            if quote == "KRW":
                krw_prices[base] = price
            levels = tuple(round(tick * 10**k, decimals) for k in range(1, 5)) if quote == "KRW" else ()
            self.instruments[code] = Instrument(
                code, quote, base, tick, decimals, price, levels,
                weight=1.0 / (rank + 1), thin=quote != "KRW" and rng.random() < 0.3,
            )

    @staticmethod
    def _guess(quote: str, base: str, krw_prices: dict[str, float], rng: random.Random) -> float:
        krw = krw_prices.get(base) or _ANCHORS.get(f"KRW-{base}") or 10 ** rng.uniform(0, 5)
        if quote == "BTC":
            return krw / _KRW_PER_BTC
        if quote == "KRW":
            return krw
        return krw / _KRW_PER_USDT

    def knows(self, code: str) -> bool:
        """Whether ``code`` is listed (exact match: ``krw-btc`` is not, SPEC §2.2)."""
        return code in self.instruments

    def levels(self, code: str) -> tuple[float, ...]:
        """Supported non-zero levels of ``code``."""
        instrument = self.instruments.get(code)
        return instrument.levels if instrument else ()

    def market_all(self, details: bool = False) -> list[dict[str, object]]:
        """The REST ``GET /v1/market/all`` body (SPEC §8; names are not in the fixture)."""
        rows: list[dict[str, object]] = []
        for code in self.codes:
            base = code.partition("-")[2]
            row: dict[str, object] = {"market": code, "korean_name": "", "english_name": base}
            if details:
                row["market_event"] = {
                    "warning": False,
                    "caution": dict.fromkeys(
                        ("PRICE_FLUCTUATIONS", "TRADING_VOLUME_SOARING", "DEPOSIT_AMOUNT_SOARING",
                         "GLOBAL_PRICE_DIFFERENCES", "CONCENTRATION_OF_SMALL_ACCOUNTS"), False),
                }
            rows.append(row)
        return rows

"""Real events for the bridge tests: the codec's sample frames, one per type, re-coded."""

from __future__ import annotations

import functools
from typing import Any

import attrs

from tests.paths import REPO
from upbit_actors.messages import Candle, MyAsset, MyOrder, Orderbook, Ticker, Trade
from upbit_actors.system.wire.codec import decode

KINDS = (Ticker, Trade, Orderbook, Candle, MyOrder, MyAsset)


@functools.cache
def _samples() -> dict[type, Any]:
    found: dict[type, Any] = {}
    for line in (REPO / "tools/data/sample_frames.jsonl").read_bytes().splitlines():
        for event in decode(line):
            if type(event) in KINDS:
                found.setdefault(type(event), event)
    assert set(found) == set(KINDS), set(KINDS) - set(found)
    return found


def event(kind: type, **changes: Any) -> Any:
    """A real ``kind`` event from the sample frames with ``changes`` applied."""
    return attrs.evolve(_samples()[kind], **changes)

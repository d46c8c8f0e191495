"""system.wire.codec.batch: a consumer decodes its frames, and gets every trade once (issue 13)."""

from __future__ import annotations

import orjson

from upbit_actors.messages.connection import EventFrames
from upbit_actors.system.wire.codec.batch import Decoder

from .spec_frames import DEFAULT_FRAMES


def frames(*specs: tuple[str, int, str]) -> EventFrames:
    raw = [orjson.dumps({**DEFAULT_FRAMES["trade"], "code": c, "sequential_id": s, "stream_type": st})
           for c, s, st in specs]
    return EventFrames(payload=b"\0".join(raw + [b"garbage"]), count=len(raw) + 1)


def test_a_trade_repeated_after_a_reconnect_is_delivered_once() -> None:
    decoder = Decoder()
    first = decoder.decode(frames(("KRW-BTC", 1, "REALTIME"), ("KRW-ETH", 1, "REALTIME"), ("KRW-BTC", 2, "REALTIME")))
    assert [(t.code, t.sequential_id) for t in first.events] == [("KRW-BTC", 1), ("KRW-ETH", 1), ("KRW-BTC", 2)]
    assert (first.undecodable, first.duplicates) == (1, 0)
    again = decoder.decode(frames(("KRW-BTC", 2, "SNAPSHOT"), ("KRW-BTC", 3, "REALTIME")))  # reconnect
    assert [t.sequential_id for t in again.events] == [3] and again.duplicates == 1
    assert decoder.duplicates == 1


def test_the_memory_per_code_is_bounded() -> None:
    decoder = Decoder(memory=3)
    decoder.decode(frames(*[("KRW-BTC", i, "REALTIME") for i in range(5)]))
    assert [t.sequential_id for t in decoder.decode(frames(("KRW-BTC", 0, "SNAPSHOT"))).events] == [0]
    assert decoder.decode(frames(("KRW-BTC", 4, "SNAPSHOT"))).events == ()


def test_events_of_pairs_no_longer_wanted_are_left_out() -> None:
    from upbit_actors.messages.common import DataType
    from upbit_actors.system.wire.codec.batch import wanted_pairs

    decoder = Decoder()
    wanted = frozenset({(DataType.TRADE, "KRW-BTC")})
    batch = decoder.decode(frames(("KRW-BTC", 1, "REALTIME"), ("KRW-ETH", 2, "REALTIME")), wanted)
    assert [t.code for t in batch.events] == ["KRW-BTC"] and decoder.unwanted == 1
    assert wanted_pairs([]) == frozenset()
    assert decoder.decode(frames(("KRW-ETH", 3, "REALTIME")), frozenset({(DataType.TRADE, None)})).events

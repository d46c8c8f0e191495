"""The hub's in-band gap frame: a ``Gap`` survives the consumer's codec in its place among events."""

from __future__ import annotations

from upbit_actors.messages import DataType, EventFrames, Gap, StreamType, Trade
from upbit_actors.system.wire.codec.batch import Decoder
from upbit_actors.system.wire.codec.decode import decode_batch
from upbit_actors.system.wire.codec.gapframe import gap_dict, gap_frame

GAP = Gap(data_type=DataType.TRADE, code="KRW-BTC", epoch=7, last_seen=1.5, resumed=2.25, filled=True,
          backfilled=3)
TRADE = (b'{"type":"trade","code":"KRW-BTC","timestamp":5,"trade_date":"2024-10-31","trade_time":"01:07:42",'
         b'"trade_timestamp":5,"trade_price":1.0,"trade_volume":2.0,"ask_bid":"BID","prev_closing_price":1.0,'
         b'"change":"EVEN","change_price":0.0,"sequential_id":50000,"stream_type":"BACKFILL"}')


def test_a_gap_frame_decodes_to_the_same_gap() -> None:
    assert decode_batch([gap_frame(GAP)]) == [GAP]
    assert gap_dict(GAP)["type"] == "gap"


def test_the_gap_keeps_its_place_and_backfill_is_a_stream_type() -> None:
    frames = [TRADE.replace(b"50000", b"40000"), gap_frame(GAP), TRADE]
    msg = EventFrames(payload=EventFrames.SEPARATOR.join(frames), count=3)
    events = Decoder().decode(msg, frozenset({(DataType.TRADE, "KRW-BTC")})).events
    assert [type(e) for e in events] == [Trade, Gap, Trade]
    assert events[2].stream_type is StreamType.BACKFILL


def test_a_gap_of_a_pair_given_up_is_left_out() -> None:
    msg = EventFrames(payload=gap_frame(GAP), count=1)
    assert Decoder().decode(msg, frozenset({(DataType.TRADE, "KRW-ETH")})).events == ()

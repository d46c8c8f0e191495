"""A consumer's side of the data path: ``EventFrames`` in, ``EventBatch`` out (``Decoder``).

The router forwards raw frames (``system.wire.codec.peek``); every consumer, a component actor or
a ``Hub.stream`` thread, decodes its own here, in its own process. A frame the codec cannot read
is counted in ``EventBatch.undecodable``, never raised and never handed to user code.

Exactly once per trade (issue 13): Upbit resends the last trade of every code as a SNAPSHOT after
each (re)subscribe and reconnect, with the same ``sequential_id`` (SPEC §2.1, §3.2: unique, but
not ordered), so a consumer would see 1-3 trades twice per reconnect. Each ``Decoder`` remembers
the newest ``TRADE_MEMORY`` ids per code it delivered and drops a repeat (counted in
``EventBatch.duplicates``). The memory is the consumer's own, so it holds across reconnects,
router restarts and resubscriptions alike.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from upbit_actors.messages.connection import EventBatch, EventFrames
from upbit_actors.messages.market import Trade
from upbit_actors.messages.server import DecodeError
from upbit_actors.system.wire.codec.decode import decode_batch

__all__ = ["TRADE_MEMORY", "Decoder", "decode_frames", "wanted_pairs"]

TRADE_MEMORY: int = 256
"""Trade ids remembered per code. A repeat is a snapshot of the newest trade (or a handful after
a resend burst), far inside this; 256 x 855 codes (SPEC §10.12) stays a few MB per consumer."""


class Decoder:
    """Decodes one consumer's batches and drops trades it already delivered."""

    def __init__(self, memory: int = TRADE_MEMORY) -> None:
        self._memory = memory
        self._ids: dict[str, tuple[set[int], deque[int]]] = {}
        self.duplicates = 0
        """Trades dropped as repeats, since start."""
        self.unwanted = 0
        """Events of pairs the consumer no longer held when they arrived, since start."""

    def decode(self, msg: EventFrames, wanted: frozenset[tuple[Any, Any]] | None = None) -> EventBatch:
        """The typed events of ``msg``, oldest first, without repeated trades; never raises.

        ``wanted``: the consumer's (data type, code) pairs now (code None: every code of the
        type). A batch the router sent before the consumer's last change may still hold events of
        a pair it gave up; those are left out (counted in ``unwanted``), so an unsubscribe is
        exact from the consumer's side, whatever was in flight."""
        good = []
        bad = repeats = 0
        for event in decode_batch(msg.frames()):
            cls = event.__class__
            if cls is DecodeError:
                bad += 1
            elif wanted is not None and not _wanted(event, wanted):
                self.unwanted += 1
            elif cls is Trade and self._repeat(event):
                repeats += 1
            else:
                good.append(event)
        self.duplicates += repeats
        return EventBatch(events=good, dropped=msg.dropped, batch_id=msg.batch_id, undecodable=bad,
                          losses=msg.losses, duplicates=repeats)

    def _repeat(self, trade: Trade) -> bool:
        seen = self._ids.get(trade.code)
        if seen is None:
            seen = self._ids[trade.code] = (set(), deque())
        ids, order = seen
        sid = trade.sequential_id
        if sid in ids:
            return True
        ids.add(sid)
        order.append(sid)
        if len(order) > self._memory:
            ids.discard(order.popleft())
        return False


def wanted_pairs(specs: Iterable[Any]) -> frozenset[tuple[Any, Any]]:
    """The (data type, code) pairs of ``specs`` (``StreamSpec``); code None for a spec without
    codes (myAsset, or myOrder on every market)."""
    return frozenset((s.data_type, code) for s in specs for code in (s.codes or (None,)))


def _wanted(event: Any, wanted: frozenset[tuple[Any, Any]]) -> bool:
    data_type = event.data_type
    return (data_type, getattr(event, "code", None)) in wanted or (data_type, None) in wanted


def decode_frames(msg: EventFrames) -> EventBatch:
    """The typed events of ``msg``, oldest first, without any memory of earlier batches."""
    return Decoder().decode(msg)

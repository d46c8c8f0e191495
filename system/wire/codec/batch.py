"""``decode_frames``: a consumer's side of the data path, ``EventFrames`` in, ``EventBatch`` out.

The router forwards raw frames (``system.wire.codec.peek``); every consumer, a component actor or
a ``Hub.stream`` thread, decodes its own here, in its own process. A frame the codec cannot read
is counted in ``EventBatch.undecodable``, never raised and never handed to user code.
"""

from __future__ import annotations

from upbit_actors.messages.connection import EventBatch, EventFrames
from upbit_actors.messages.server import DecodeError
from upbit_actors.system.wire.codec.decode import decode_batch

__all__ = ["decode_frames"]


def decode_frames(msg: EventFrames) -> EventBatch:
    """The typed events of ``msg``, oldest first; never raises."""
    events = decode_batch(msg.frames())
    good = [e for e in events if e.__class__ is not DecodeError]
    return EventBatch(events=good, dropped=msg.dropped, batch_id=msg.batch_id,
                      undecodable=len(events) - len(good), losses=msg.losses)

"""The Upbit wire codec: the one place that knows Upbit's field names (STYLE.md principle 4).

=====================  ==================================================================
module                 role
=====================  ==================================================================
``wire``               type values and SIMPLE abbreviations, from SPEC §3 and §2.1
``schema``             per (class, format): key, kind, nullability and default of each field
``gen``                compiles one fast builder function per (class, format) at import
``explain``            slow path: tolerated variations, or a precise ``DecodeError`` reason
``decode``             ``decode(frame)`` and ``decode_batch(frames)``
``convert``            the project's cattrs ``converter`` for every message class
``encode``             ``to_default_dict(event)``: an event as a DEFAULT frame dict
=====================  ==================================================================

Use::

    from upbit_actors.system.wire.codec import decode, decode_batch, to_default_dict

    for event in decode(frame):          # bytes or str, any of the four formats
        ...                              # Ticker, Trade, …, or DecodeError (never raised)
"""

from __future__ import annotations

from upbit_actors.messages.server import DecodeError
from upbit_actors.system.wire.codec.convert import converter, make_converter
from upbit_actors.system.wire.codec.decode import Event, decode, decode_batch
from upbit_actors.system.wire.codec.encode import to_default_dict

__all__ = [
    "DecodeError",
    "Event",
    "converter",
    "decode",
    "decode_batch",
    "make_converter",
    "to_default_dict",
]

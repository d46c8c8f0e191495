"""Events back to Upbit's DEFAULT frame shape, for the ``decode`` command and for tests.

``to_default_dict(event)`` gives the dict Upbit would have sent in DEFAULT format: DEFAULT keys,
``type`` first (``"ticker"``, ``"candle.1m"``), numbers as numbers (ids exact ints), enums as
their wire strings, fields that are None as ``null``. Non-data frames keep their own shapes:
``{"error":{…}}``, ``{"status":"UP"}`` and ``{"method":"LIST_SUBSCRIPTIONS",…}``. So
``decode(orjson.dumps(to_default_dict(e)))`` gives back ``[e]`` for every event.
"""

from __future__ import annotations

from typing import Any

from upbit_actors.messages.market import Candle
from upbit_actors.messages.server import StatusUp, SubscriptionListing, UpbitError
from upbit_actors.system.errors import CodecError
from upbit_actors.system.wire.codec.convert import converter
from upbit_actors.system.wire.codec.decode import Event
from upbit_actors.system.wire.codec.wire import DEFAULT_TYPE_KEY, LIST_METHOD

__all__ = ["to_default_dict"]


def _listing(event: SubscriptionListing) -> dict[str, Any]:
    result = []
    for entry in event.result:
        item: dict[str, Any] = {"type": entry.type, "codes": list(entry.codes)}
        if entry.level is not None:  # the doc example omits level where it does not apply
            item["level"] = entry.level
        result.append(item)
    out: dict[str, Any] = {"method": LIST_METHOD, "result": result}
    if event.ticket is not None:
        out["ticket"] = event.ticket
    return out


def to_default_dict(event: Event) -> dict[str, Any]:
    """``event`` as a DEFAULT-format frame dict (see the module docstring)."""
    if isinstance(event, UpbitError):
        return {"error": {"name": event.name, "message": event.message}}
    if isinstance(event, StatusUp):
        return {"status": event.status}
    if isinstance(event, SubscriptionListing):
        return _listing(event)
    data_type = getattr(event, "data_type", None)
    if data_type is None:
        raise CodecError(f"not an Upbit event: {type(event).__name__}")
    body = converter.unstructure(event)
    if isinstance(event, Candle):
        del body["interval"]  # carried by the type, ``candle.<interval>`` (SPEC §3.4)
    return {DEFAULT_TYPE_KEY: data_type.value, **body}

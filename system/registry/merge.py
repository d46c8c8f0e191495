"""The merge rule: the live keys of one endpoint become the type objects of ONE request.

Upbit keeps one subscription set per connection and every request replaces it (SPEC §2.1), so
the registry always sends the union of what every component holds. This module decides how that
union is laid out on the wire; ``system.wire.requests`` encodes it.

Exception tree: ``system.wire.requests.RequestError`` (from ``wire_code``) for a code-less public
key, which ``stream_keys`` never builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from upbit_actors.messages.common import DataType
from upbit_actors.messages.subscription import StreamKey, WireStream
from upbit_actors.system.wire.requests import wire_code

__all__ = ["merge_keys"]

_TYPE_ORDER: dict[DataType, int] = {t: i for i, t in enumerate(DataType)}
"""Type objects go in ``DataType`` declaration order: ticker, trade, orderbook, candles, private."""


def _group_sort_key(group: tuple[DataType, float | None, int | None, bool, bool]) -> tuple[Any, ...]:
    data_type, level, depth, only_snapshot, only_realtime = group
    return (_TYPE_ORDER[data_type], level is not None, level or 0.0, depth or 0, only_snapshot, only_realtime)


def merge_keys(keys: Iterable[StreamKey]) -> tuple[WireStream, ...]:
    """The wire streams for a set of live keys, in a deterministic order.

    - One type object per (type, level, depth, flags), codes sorted; the same type may repeat
      with different options (SPEC §2).
    - Flags of the same (type, code, depth, level) are folded: a snapshot is sent if anyone
      wants one, the stream if anyone wants it (the router filters per component), so a code
      never appears twice under one type with conflicting flags.
    - myAsset has no codes (SPEC §3.6); myOrder goes without codes when anyone asked for all
      markets, else with the union of codes (SPEC §3.5).
    """
    wants: dict[tuple[DataType, str, int | None, float | None], list[bool]] = {}
    my_asset = False
    my_order_all = False
    my_order_codes: set[str] = set()
    for key in keys:
        if key.data_type is DataType.MY_ASSET:
            my_asset = True
        elif key.data_type is DataType.MY_ORDER:
            if key.code is None:
                my_order_all = True
            else:
                my_order_codes.add(key.code)
        else:
            opts = key.options
            want = wants.setdefault((key.data_type, wire_code(key), opts.depth, opts.level), [False, False])
            want[0] |= not opts.only_realtime  # wants a snapshot
            want[1] |= not opts.only_snapshot  # wants the stream
    groups: dict[tuple[DataType, float | None, int | None, bool, bool], list[str]] = {}
    for (data_type, code, depth, level), (snapshot, realtime) in wants.items():
        groups.setdefault((data_type, level, depth, not realtime, not snapshot), []).append(code)
    streams = [
        WireStream(data_type=g[0], codes=sorted(codes), level=g[1], only_snapshot=g[3], only_realtime=g[4])
        for g, codes in sorted(groups.items(), key=lambda item: _group_sort_key(item[0]))
    ]
    if my_order_all or my_order_codes:
        codes = () if my_order_all else tuple(sorted(my_order_codes))
        streams.append(WireStream(data_type=DataType.MY_ORDER, codes=codes))
    if my_asset:
        streams.append(WireStream(data_type=DataType.MY_ASSET))
    return tuple(streams)

"""Pure expansion of an accepted request into routes: which (type, code) streams a connection gets.

A :class:`Route` is one stream the connection receives: a type, a bare code, the orderbook depth
and level, and whether it gets a snapshot and/or realtime frames. Codes that never produce data
(lower case, unknown, a level the pair does not support) get no route at all: the live server
answers them with silence, not an error (SPEC §2.2, §6 "Silent non-errors").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, Protocol

from upbit_actors.tools.sim.protocol import PRIVATE_TYPES, Subscribe

__all__ = [
    "ALL_CODES",
    "DEFAULT_DEPTH",
    "ORDERBOOK_UNITS",
    "Directory",
    "Route",
    "describe",
    "expand",
    "split_depth",
    "without_code",
]

ORDERBOOK_UNITS = (1, 5, 15, 30)
"""Orderbook depths selectable with a ``.n`` code suffix (SPEC §2, since 2025-07-02)."""

DEFAULT_DEPTH = 30
"""Depth without a suffix, and for any unsupported number (SPEC §2 [DOC][WIRE] ``KRW-ETH.20`` -> 30)."""

ALL_CODES = "*"
"""Code of a private route that matches every market (myOrder without codes, myAsset)."""


class Directory(Protocol):
    """What route expansion needs to know about the market list."""

    def knows(self, code: str) -> bool:
        """Whether ``code`` is a listed market (exact, upper case)."""

    def levels(self, code: str) -> tuple[float, ...]:
        """Supported non-zero orderbook ``level`` values of ``code`` (empty outside KRW)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """One stream of one connection."""

    type: str
    code: str
    """Bare pair code (no ``.n`` suffix), or :data:`ALL_CODES` for private types."""
    depth: int = DEFAULT_DEPTH
    """Orderbook units per frame."""
    level: float | int = 0
    """Orderbook price grouping; 0 = none."""
    snapshot: bool = True
    """Gets one SNAPSHOT frame after the subscribe."""
    realtime: bool = True
    """Gets REALTIME frames (after its snapshot, if any)."""


def split_depth(raw: str) -> tuple[str, int] | None:
    """``"KRW-BTC.15"`` -> ``("KRW-BTC", 15)``; any other number -> 30; not a number -> None."""
    code, dot, suffix = raw.partition(".")
    if not dot:
        return code, DEFAULT_DEPTH
    if not suffix.isdigit():
        return None
    units = int(suffix)
    return code, units if units in ORDERBOOK_UNITS else DEFAULT_DEPTH


def expand(request: Subscribe, directory: Directory) -> tuple[Route, ...]:
    """Routes of an accepted subscribe, in request order, duplicates removed."""
    routes: dict[Route, None] = {}
    for item in request.types:
        # SPEC §2: is_only_snapshot = one snapshot then nothing; is_only_realtime = no snapshot.
        # Both set: the snapshot-only flag wins ([UNVERIFIED]).
        snapshot = item.is_only_snapshot or not item.is_only_realtime
        realtime = not item.is_only_snapshot
        if item.type in PRIVATE_TYPES:
            # SPEC §3.5-3.6: REALTIME only; myOrder without codes (or []) means every market.
            for code in item.codes or (ALL_CODES,):
                routes[Route(item.type, code, snapshot=False, realtime=True)] = None
            continue
        level = item.level or 0
        for raw in item.codes or ():
            route = _public_route(item.type, raw, level, snapshot, realtime, directory)
            if route is not None:
                routes[route] = None
    return tuple(routes)


def _public_route(
    kind: str, raw: str, level: float | int, snapshot: bool, realtime: bool, directory: Directory
) -> Route | None:
    depth = DEFAULT_DEPTH
    code = raw
    if kind == "orderbook":
        parsed = split_depth(raw)
        if parsed is None:
            return None
        code, depth = parsed
    if not directory.knows(code):
        return None  # SPEC §2.2 [WIRE]: lower-case or unknown code gets nothing, no error
    if kind == "orderbook" and level:
        if level not in directory.levels(code):
            return None  # SPEC §2 [DOC][WIRE]: unsupported level means no data at all
    elif kind != "orderbook":
        level = 0
    return Route(kind, code, depth, level, snapshot, realtime)


def without_code(request: Subscribe, code: str) -> Subscribe:
    """``request`` without ``code`` (at any orderbook depth), and without a public type object left
    with no codes: the ``drop_live_code`` fault's live set (a server that lost part of it)."""
    types = []
    for item in request.types:
        if item.codes is None:
            types.append(item)
            continue
        codes = tuple(c for c in item.codes if c != code and not c.startswith(code + "."))
        if codes or item.type == "myOrder":
            types.append(dataclasses.replace(item, codes=codes))
    return dataclasses.replace(request, types=tuple(types))


def describe(requests: Iterable[Subscribe]) -> list[dict[str, Any]]:
    """The LIST_SUBSCRIPTIONS ``result`` for the live request (SPEC §2.1 rule 4, sample file)."""
    result: list[dict[str, Any]] = []
    for request in requests:
        for item in request.types:
            entry: dict[str, Any] = {"type": item.type}
            if item.type != "myAsset":
                entry["codes"] = list(item.codes or ())
            if item.type == "orderbook":
                entry["level"] = item.level or 0
            result.append(entry)
    return result

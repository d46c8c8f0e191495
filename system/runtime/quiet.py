"""Thespian describes every message for a DEBUG log line, on every send and receive, at any level.

Why (THESPIAN.md, Speed; the data-plane issue): ``actorManager``, ``systemCommon``,
``asyncTransportBase`` and the admin call ``thesplog('... %s', intent.identify(), level=DEBUG)``.
The argument is built before ``thesplog`` looks at the level, and ``identify()`` runs
``str(message)``: for a batch of attrs events that is the full ``__repr__`` of every event, three
times per hop (~19 µs per event per hop, 21-39 % of the router's CPU, measured 2026-12).

How: ``ReceiveEnvelope.identify`` and ``TransmitIntent.identify`` return a ``_Later`` whose
``__str__`` builds the text, so the work happens only when a log line is really written (thesplog
and ``logging`` format their arguments only then). The classes' own ``__str__`` keeps returning
the full text. One patch, at the depth where the cost opens, for every message of every actor,
whatever its class; applied on import like ``loopback`` (``system.runtime`` imports it), so forked
actor processes, the admin and the logger inherit it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from thespian.system.transport import ReceiveEnvelope, TransmitIntent

__all__ = ["applied"]


class _Later:
    """Text computed when (if ever) it is formatted."""

    __slots__ = ("_make", "_of")

    def __init__(self, make: Callable[[Any], str], of: Any) -> None:
        self._make, self._of = make, of

    def __str__(self) -> str:
        return self._make(self._of)

    __repr__ = __str__


def _patch(cls: type, prefix: str) -> None:
    if getattr(cls.identify, "_upbit_lazy", False):
        return
    eager = cls.identify

    def identify(self: Any) -> _Later:
        return _Later(eager, self)

    def text(self: Any) -> str:
        return prefix + eager(self)

    identify._upbit_lazy = True  # type: ignore[attr-defined]
    cls.identify = identify
    cls.__str__ = text


_patch(ReceiveEnvelope, "")
_patch(TransmitIntent, "************* ")


def applied() -> bool:
    """True when both Thespian classes describe their messages lazily."""
    return all(getattr(c.identify, "_upbit_lazy", False) for c in (ReceiveEnvelope, TransmitIntent))

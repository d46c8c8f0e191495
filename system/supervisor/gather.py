"""Collecting one ``SystemStatus`` from every actor: the supervisor's status requests in flight.

The supervisor asks every child and component for its ``ActorStatus`` and answers the asker with
all of them once each has replied, or after ``STATUS_TIMEOUT`` with those that did (a busy or
dead actor must not keep the status tool waiting). Replies carry the request id (the actor base
echoes it); one without a known id is given to the oldest request still waiting.

Pure: no I/O, no clock. Exception tree: none raised.
"""

from __future__ import annotations

from typing import Any

from attrs import define, field

__all__ = ["STATUS_TIMEOUT", "Gathering", "StatusGather"]

STATUS_TIMEOUT: float = 1.0
"""Seconds to wait for every actor's ActorStatus before answering with what arrived."""


@define
class Gathering:
    asker: Any
    want: int
    got: list[Any]


@define
class StatusGather:
    """The status requests being collected, by request id."""

    _pending: dict[str, Gathering] = field(factory=dict, init=False)

    def begin(self, request_id: str, asker: Any, targets: int, own: Any) -> None:
        """Start collecting ``targets`` reports for ``asker``; ``own`` is the supervisor's."""
        self._pending[request_id] = Gathering(asker=asker, want=targets, got=[own])

    def add(self, request_id: str, report: Any) -> str | None:
        """File ``report``; returns the request id it completed, if it did."""
        candidates = ([request_id] if request_id in self._pending else list(self._pending))
        for rid in candidates:
            record = self._pending[rid]
            if record.want > 0:
                record.got.append(report)
                record.want -= 1
                return rid if record.want == 0 else None
        return None

    def finish(self, request_id: str) -> Gathering | None:
        """The collected reports of ``request_id`` (complete or timed out), once."""
        return self._pending.pop(request_id, None)

"""The ``rest`` actor's decisions: which call goes next, and when to ask the limiter for it.

Calls wait in arrival order (bounded: ``MAX_CALLS``; one more is refused with a reply, never
dropped silently). Only the first one has a permit request out at any time, and the actor makes
the call the moment the permit arrives: so a permit is never spent late, behind another blocking
call (``system.limiter.rest_budget`` counts on that). An unanswered permit request is asked again
after ``PERMIT_RETRY`` (the limiter may have been restarted; asking twice is one request there).

Pure: no clock, no I/O; ``now`` is an argument.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from attrs import define, field

from upbit_actors.messages.rest import RestGet, RestPermitRequest
from upbit_actors.system.rest.parse import group_of

__all__ = ["MAX_CALLS", "PERMIT_RETRY", "CallQueue"]

MAX_CALLS: int = 1_000
"""Calls waiting at most; beyond it a ``RestGet`` is answered ``queue_full`` at once. At the
budget's ~6.7 calls/s per group that is minutes of work: a caller asking more is looping."""

PERMIT_RETRY: float = 5.0
"""Seconds after which a permit request still unanswered is sent again."""


@define
class CallQueue:
    """Waiting calls, each with the address to answer, and the permit asked for the first."""

    limit: int = MAX_CALLS
    _calls: deque[tuple[Any, RestGet]] = field(factory=deque, init=False)
    _ticket: int = field(default=1, init=False)
    _asked_at: float | None = field(default=None, init=False)
    made: int = field(default=0, init=False)
    refused: int = field(default=0, init=False)

    def __len__(self) -> int:
        return len(self._calls)

    def push(self, asker: Any, call: RestGet) -> bool:
        """Queue ``call``; False (counted) when ``limit`` calls wait already."""
        if len(self._calls) >= self.limit:
            self.refused += 1
            return False
        self._calls.append((asker, call))
        return True

    def ask(self, now: float) -> RestPermitRequest | None:
        """The permit request to send now for the first call, if one is due."""
        if not self._calls:
            return None
        if self._asked_at is not None and now < self._asked_at + PERMIT_RETRY:
            return None
        self._asked_at = now
        return RestPermitRequest(ticket=self._ticket, group=group_of(self._calls[0][1].path))

    def granted(self, ticket: int) -> tuple[Any, RestGet] | None:
        """The call to make now for permit ``ticket``; None for a stale or repeated permit."""
        if ticket != self._ticket or not self._calls:
            return None
        self._ticket += 1
        self._asked_at = None
        self.made += 1
        return self._calls.popleft()

    def reask(self) -> None:
        """The limiter changed: the permit request goes again at the next ``ask``."""
        self._asked_at = None

    def next_deadline(self) -> float | None:
        """When ``ask`` would send the request again; None when nothing waits for a permit."""
        return None if not self._calls or self._asked_at is None else self._asked_at + PERMIT_RETRY

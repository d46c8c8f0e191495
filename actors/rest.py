"""The REST actor: makes the tree's calls to Upbit's REST API, one at a time, each when permitted.

| Accepts         | Emits                                                                      |
|-----------------|----------------------------------------------------------------------------|
| ``Configure``   | (the client for ``HubConfig.rest_url``; none when REST is off)             |
| ``RestGet``     | ``RestPermitRequest`` to ``limiter`` for the first call waiting; a          |
|                 | ``RestResult`` at once when REST is off or too many calls wait             |
| ``RestPermit``  | the call, then ``RestResult`` to its asker; the next permit request        |
| ``Directory``   | a new limiter: the permit request again                                    |
| ``Tick`` (permit) | the permit request again when unanswered for ``PERMIT_RETRY``            |

REST calls block (``system.rest.client``: at most ``HubConfig.rest_timeout`` per connect and
read), so they run here, in a process of their own, never in the connection's or router's
receive path. Decisions live in ``system.rest.calls.CallQueue``; the budget is the limiter's
(``system.limiter.rest_budget``: Upbit's 10/s per group, SPEC §5). Nothing is durable: a
restarted REST actor has no calls, and each asker's own timer asks again.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages.rest import RestGet, RestPermit, RestResult
from upbit_actors.system.errors import RestError
from upbit_actors.system.rest.calls import CallQueue
from upbit_actors.system.rest.client import RestClient
from upbit_actors.system.rest.parse import rest_base

__all__ = ["RestActor"]


class RestActor(BaseActor):
    """Shell around ``CallQueue`` and ``RestClient`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = CallQueue()
        self.client: RestClient | None = None
        self._limiter: Any = None
        self.failures = 0
        self.last_error = ""

    def on_configure(self, msg) -> None:
        base = rest_base(self.config.public_url, self.config.rest_url)
        self.client = RestClient(base, timeout=self.config.rest_timeout) if base else None
        self._limiter = self.directory.get("limiter")
        self._pump()

    def on_directory(self) -> None:
        limiter = self.directory.get("limiter")
        if limiter != self._limiter:
            self._limiter = limiter
            self.calls.reask()
        self._pump()

    def receiveMsg_RestGet(self, msg: RestGet, sender) -> None:
        if self.client is None:
            self.send(sender, RestResult(ticket=msg.ticket, path=msg.path, error="rest_off",
                                         detail="no REST URL (HubConfig.rest_url)"))
        elif not self.calls.push(sender, msg):
            self.send(sender, RestResult(ticket=msg.ticket, path=msg.path, error="queue_full",
                                         detail=f"{len(self.calls)} REST calls wait already"))
        self._pump()

    def receiveMsg_RestPermit(self, msg: RestPermit, sender) -> None:
        item = self.calls.granted(msg.ticket)
        if item is not None and self.client is not None:
            asker, call = item
            self.send(asker, self._call(call))
        self._pump()

    def _call(self, call: RestGet) -> RestResult:
        assert self.client is not None
        try:
            reply = self.client.get(call.path, call.params)
        except RestError as exc:
            self.failures += 1
            self.last_error = str(exc)[:200]
            return RestResult(ticket=call.ticket, path=call.path, status=exc.status, error=exc.name,
                              detail=str(exc)[:500])
        return RestResult(ticket=call.ticket, path=call.path, status=reply.status, body=reply.body)

    def on_tick(self, purpose: str) -> None:
        if purpose == "permit":
            self._pump()

    def _pump(self) -> None:
        now = time.monotonic()
        request = self.calls.ask(now) if self._limiter is not None else None
        if request is not None:
            self.send(self._limiter, request)
        self.schedule_by(self.calls.next_deadline(), "permit", now)

    def status_details(self) -> dict[str, Any]:
        return {"rest_url": self.client.base_url if self.client else None, "waiting": len(self.calls),
                "calls": self.calls.made, "call_failures": self.failures, "refused": self.calls.refused,
                "last_error": self.last_error}

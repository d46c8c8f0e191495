"""The backfill actor: fetches the trades missed during a gap from Upbit's REST API.

| Accepts               | Emits                                                            |
|-----------------------|------------------------------------------------------------------|
| ``Configure``         | (from the router, which creates this actor when first needed)    |
| ``BackfillRequest``   | ``RestPermitRequest(trade)`` to the limiter                      |
| ``RestPermit``        | one call ``GET /v1/trades/ticks``; ``BackfillDone`` to the       |
|                       | router when a code's job ends; the next permit request           |
| ``Tick`` (permit)     | the permit request again (the limiter may have been restarted)   |
| ``Tick`` (pause)      | after a 429: the next permit request                             |

A REST call blocks (bounded by ``REST_TIMEOUT``), so it runs here, in a process of its own, never
in the router's or the connection's receive path; one call per message handled. Every call is
granted by the rate limiter (``RestPermitRequest``, group ``trade``: the REST budget shared with
the ``rest`` actor, SPEC §5). Decisions (paging, window) live in ``system.backfill``. The base
URL is ``HubConfig.rest_url`` (Upbit's, or the simulator's); the router asks for no backfill
while REST is off (``system.rest.parse.rest_base``).
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import BackfillRequest
from upbit_actors.messages.rest import RestPermit, RestPermitRequest
from upbit_actors.system.backfill import REST_GROUP, TRADES_TICKS, Backfills
from upbit_actors.system.errors import RestError, RestRateLimited
from upbit_actors.system.rest import RestClient
from upbit_actors.system.rest.parse import rest_base

__all__ = ["PERMIT_RETRY", "REST_TIMEOUT", "BackfillActor"]

REST_TIMEOUT = 5.0
"""Seconds one REST call may block this actor at most."""
PERMIT_RETRY = 2.0
"""Seconds without a permit after which the request is sent again (to a restarted limiter)."""


class BackfillActor(BaseActor):
    """Shell around ``system.backfill.Backfills`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: Backfills | None = None
        self._client: RestClient | None = None
        self._router: Any = None
        self._ticket = 0
        self._asking = False
        """A permit request is out (ticket ``_ticket``)."""

    def on_configure(self, msg) -> None:
        if self.jobs is None:
            self.jobs = Backfills(window=self.config.backfill_window, limit=self.config.backfill_limit)
            url = rest_base(self.config.public_url, self.config.rest_url)  # None: REST is off
            self._client = RestClient(url, timeout=min(self.config.rest_timeout, REST_TIMEOUT)) if url else None

    def receiveMsg_BackfillRequest(self, msg: BackfillRequest, sender) -> None:
        if self.jobs is None:
            return  # not configured: the router's deadline reports the gap unfilled
        self._router = sender
        self.jobs.add(msg, time.time())
        self._next()

    def _next(self) -> None:
        """Ask for the next call's permit, unless asked already or nothing is queued."""
        wait = self.jobs.wait(time.monotonic())
        if wait is None or self._asking:
            return
        if wait > 0:
            self.schedule(wait, "pause")
            return
        self._asking = True
        self._ticket += 1
        self._ask()

    def _ask(self) -> None:
        self.send(self.directory.get("limiter"), RestPermitRequest(ticket=self._ticket, group=REST_GROUP))
        self.schedule(PERMIT_RETRY, "permit")

    def on_tick(self, purpose: str) -> None:
        if purpose == "permit" and self._asking:
            self._ask()  # same ticket: one request, however often asked
        elif purpose == "pause":
            self._next()

    def receiveMsg_RestPermit(self, msg: RestPermit, sender) -> None:
        if not self._asking or msg.ticket != self._ticket:
            return  # stale (asked again, then granted twice): unused, it only spent budget
        self._asking = False
        self.cancel("permit")
        jobs = self.jobs
        if jobs.wait(time.monotonic()) is not None:
            job, params = jobs.next_call(time.monotonic())
            try:
                if self._client is None:  # never a default URL: a hub on a simulator must not reach Upbit
                    raise RestError(0, "rest_off", "no REST URL (HubConfig.rest_url)")
                job.feed(self._client.get(TRADES_TICKS, params).json())
            except RestRateLimited:
                jobs.on_rate_limited(job, time.monotonic())
            except RestError as exc:
                jobs.on_failed(job, str(exc))
            for done in jobs.finished():
                self.send(self._router, done)
        self._next()

    def status_details(self) -> dict[str, Any]:
        return self.jobs.status() if self.jobs is not None else {}

"""Paging Upbit's REST trades back to the last trade delivered before a gap, within a window.

One ``BackfillJob`` per code (the router asks once per code, whoever holds it; a newer request
for the same code replaces the job). Each call asks ``GET /v1/trades/ticks`` for ``PAGE``
trades, newest first, the next page continuing from the oldest one seen (``cursor`` =
``sequential_id``, SPEC §8.1). A job ends:

- **complete** when a page reaches the request's trade (its ``sequential_id``, or anything
  older than its ``trade_timestamp``): everything after it is fetched;
- **window exceeded** past ``limit`` trades or when the pages reach further back than
  ``window`` seconds before the request: the newest ``limit`` are delivered, the gap is
  reported unfilled and the holders are alerted;
- **failed** on a REST error (or ``MAX_RATE_LIMITED`` 429 answers in a row).

``Backfills`` queues the jobs; the pace of the calls is the rate limiter's (each call waits for
its ``RestPermit`` of the ``trade`` group, SPEC §5: 10/s per IP), plus a pause of
``RETRY_AFTER`` after a 429. Pure: times are arguments.

Exception tree: ``RestError`` from ``feed`` for a body of the wrong shape.
"""

from __future__ import annotations

from typing import Any

from attrs import define, field

from upbit_actors.messages.gaps import BackfillDone, BackfillRequest
from upbit_actors.system.backfill.rows import TRADES_TICKS, row_key, trade_frame
from upbit_actors.system.errors import RestError

__all__ = ["MAX_RATE_LIMITED", "PAGE", "REST_GROUP", "RETRY_AFTER", "BackfillJob", "Backfills"]

PAGE: int = 500
"""Trades per call: the most clients ask for (SPEC §8.1: the docs give no maximum)."""
REST_GROUP: str = "trade"
"""The rate group of ``/v1/trades/ticks`` (SPEC §5, §8.1), whose permits the limiter grants."""
RETRY_AFTER: float = 1.0
"""Seconds without calls after a 429 (Upbit's per-second window has passed by then)."""
MAX_RATE_LIMITED: int = 5
"""429 answers in a row after which a job fails (more would risk Upbit's 418 block, SPEC §5)."""


@define
class BackfillJob:
    """The trades of one code after ``request``'s trade, as far as fetched."""

    request: BackfillRequest
    since_ms: int
    """Pages reaching further back than this are past the window."""
    limit: int
    rows: dict[int, dict[str, Any]] = field(factory=dict)
    """sequential_id -> REST row, newer than the request's trade."""
    cursor: int | None = None
    done: bool = False
    complete: bool = False
    detail: str = ""
    rate_limited: int = 0

    def params(self) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = [("market", self.request.code), ("count", PAGE)]
        return out + ([("cursor", self.cursor)] if self.cursor is not None else [])

    def feed(self, rows: Any) -> None:
        """One page, newest first."""
        if not isinstance(rows, list):
            raise RestError(200, "bad_body", f"{TRADES_TICKS}: expected a JSON array")
        self.rate_limited = 0
        after_ms, after_id = self.request.after_ms, self.request.after_id
        oldest = None
        for row in rows:
            stamp, sid = row_key(row)
            if sid == after_id or stamp < after_ms:
                self.done = self.complete = True
            else:
                self.rows[sid] = row
            oldest = (stamp, sid) if oldest is None or (stamp, sid) < oldest else oldest
        if len(self.rows) > self.limit:
            self._end(f"window exceeded: more than {self.limit} trades missed")
        elif self.done:
            return
        elif len(rows) < PAGE or oldest is None:
            self._end("REST history ends before the gap")
        elif oldest[0] < self.since_ms:
            self._end("window exceeded: the gap is older than the backfill window")
        else:
            self.cursor = oldest[1]

    def _end(self, detail: str) -> None:
        self.done, self.complete, self.detail = True, False, detail

    def answer(self) -> BackfillDone:
        """The job's result: the newest ``limit`` trades, oldest first."""
        rows = sorted(self.rows.values(), key=row_key)[-self.limit:] if self.limit else []
        return BackfillDone(code=self.request.code, epoch=self.request.epoch, complete=self.complete,
                            detail=self.detail, frames=tuple(trade_frame(r, self.request.code) for r in rows))


@define
class Backfills:
    """Queued jobs (oldest first) and the call budget."""

    window: float
    """``HubConfig.backfill_window``: seconds back from the request a backfill reaches."""
    limit: int
    """``HubConfig.backfill_limit``: trades per code at most."""
    _jobs: dict[str, BackfillJob] = field(factory=dict, init=False)
    _pause_until: float = field(default=float("-inf"), init=False)
    calls: int = field(default=0, init=False)
    rate_limited: int = field(default=0, init=False)
    failed: int = field(default=0, init=False)

    def add(self, request: BackfillRequest, wall: float) -> None:
        self._jobs.pop(request.code, None)
        self._jobs[request.code] = BackfillJob(request=request, since_ms=int((wall - self.window) * 1000),
                                               limit=self.limit)

    def wait(self, now: float) -> float | None:
        """Seconds until the next call may go (0: now); None when nothing is queued."""
        if not any(not j.done for j in self._jobs.values()):
            return None
        return max(0.0, self._pause_until - now)

    def next_call(self, now: float) -> tuple[BackfillJob, list[tuple[str, object]]]:
        """The job to call for now and its query (the call is counted)."""
        job = next(j for j in self._jobs.values() if not j.done)
        self.calls += 1
        return job, job.params()

    def on_rate_limited(self, job: BackfillJob, now: float) -> None:
        self.rate_limited += 1
        self._pause_until = now + RETRY_AFTER
        job.rate_limited += 1
        if job.rate_limited >= MAX_RATE_LIMITED:
            self.on_failed(job, "rate limited (HTTP 429) again and again")

    def on_failed(self, job: BackfillJob, detail: str) -> None:
        self.failed += 1
        job._end(f"REST failed: {detail}"[:300])

    def finished(self) -> list[BackfillDone]:
        """Answers of the jobs that ended (removed from the queue)."""
        done = [code for code, job in self._jobs.items() if job.done]
        return [self._jobs.pop(code).answer() for code in done]

    def status(self) -> dict[str, Any]:
        return {"queued": len(self._jobs), "calls": self.calls, "rate_limited": self.rate_limited,
                "failed": self.failed}

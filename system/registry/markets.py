"""The registry's market list and its snapshot checks: which codes exist, and which went silent.

Upbit answers a code it does not list (``KRW-NOPE``) or a lower-case one with silence: no error,
no data (SPEC §2.2, §6 "Silent non-errors"). So the registry keeps the market list
(``GET /v1/market/all``, SPEC §8, asked through the ``rest`` actor) and refuses an unknown code
before it reaches the wire (``checks.market_reason``).

- ``MarketWatch``: when to fetch (at start, then every ``HubConfig.market_refresh``; after a
  failure a tenth of that, at least ``MIN_RETRY``), and what is known. Until the first fetch
  ends (either way) the list is *unsettled*: the registry holds requests rather than guess. A
  failed refresh keeps the last list. REST off or ``market_refresh`` None: settled at once, no list.
- ``SnapshotWatch``: while no list is known, every public key that expects a snapshot is
  accepted unchecked and must produce an event within ``HubConfig.snapshot_timeout`` (SPEC §10
  item 10 suggests 10 s); the router says which did, the rest raise ``no_snapshot`` alerts.

Pure: ``now`` is an argument; nothing here sends.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import define, field

from upbit_actors.messages.common import Endpoint
from upbit_actors.messages.rest import RestGet, RestResult
from upbit_actors.messages.subscription import StreamKey
from upbit_actors.system.errors import RestError
from upbit_actors.system.rest.parse import MARKET_ALL, parse_markets

__all__ = ["FETCH_DEADLINE", "MIN_RETRY", "MarketWatch", "SnapshotWatch"]

MIN_RETRY: float = 10.0
"""Seconds at least between a failed fetch of the market list and the next."""

FETCH_DEADLINE: float = 20.0
"""Seconds after which a fetch without an answer counts as failed (the call itself is bounded by
``rest_timeout`` per connect and read; the permit waits at most a REST window)."""


@define
class MarketWatch:
    """The market list: fetch schedule, codes known, and why none is (``reason``)."""

    enabled: bool
    """REST is on and ``market_refresh`` is set."""
    refresh: float = 3600.0
    deadline: float = FETCH_DEADLINE
    codes: frozenset[str] | None = field(default=None, init=False)
    reason: str = field(default="", init=False)
    settled: bool = field(default=False, init=False)
    """The first fetch ended (or none will be made): requests need not wait any more."""
    fetches: int = field(default=0, init=False)
    failures: int = field(default=0, init=False)
    _ticket: str | None = field(default=None, init=False)
    _sent_at: float = field(default=0.0, init=False)
    _next: float | None = field(default=None, init=False)

    def start(self, now: float) -> None:
        """First fetch due now; settled at once when disabled."""
        if not self.enabled:
            self.settled, self.reason = True, "the market list is off (no REST URL or market_refresh)"
        elif self._next is None and self._ticket is None:
            self._next = now

    def due(self, now: float) -> RestGet | None:
        """The fetch to ask for now, if any (an unanswered one past its deadline has failed)."""
        if self._ticket is not None and now >= self._sent_at + self.deadline:
            self._fail(f"no answer within {self.deadline:g} s", now)
        if self._ticket is not None or self._next is None or now < self._next:
            return None
        self.fetches += 1
        self._ticket, self._sent_at, self._next = f"markets-{self.fetches}", now, None
        return RestGet(ticket=self._ticket, path=MARKET_ALL)

    def on_result(self, result: RestResult, now: float) -> bool:
        """Take the answer of the current fetch; True when the list changed (stale answers: False)."""
        if result.ticket != self._ticket:
            return False
        if not result.ok:
            self._fail(result.detail or result.error, now)
            return False
        try:
            codes = frozenset(parse_markets(result.body))
        except RestError as exc:
            self._fail(str(exc), now)
            return False
        self._ticket, self._next = None, now + self.refresh
        self.settled, self.reason = True, ""
        changed, self.codes = codes != self.codes, codes
        return changed

    def _fail(self, why: str, now: float) -> None:
        self.failures += 1
        self._ticket, self._next = None, now + max(MIN_RETRY, self.refresh / 10)
        self.settled = True
        self.reason = f"the market list could not be fetched ({why[:200]})"

    def next_deadline(self) -> float | None:
        if self._ticket is not None:
            return self._sent_at + self.deadline
        return self._next

    def status(self) -> dict[str, object]:
        return {"markets": None if self.codes is None else len(self.codes), "markets_reason": self.reason,
                "markets_fetches": self.fetches, "markets_failures": self.failures}


def _expects_snapshot(key: StreamKey) -> bool:
    # Private streams are REALTIME only (SPEC §3.5-3.6); only_realtime asks for no snapshot.
    return key.data_type.endpoint is Endpoint.PUBLIC and not key.options.only_realtime and key.code is not None


@define
class SnapshotWatch:
    """Keys accepted unchecked, each with the time by which it must have produced an event."""

    timeout: float | None = 10.0
    _deadlines: dict[StreamKey, float] = field(factory=dict, init=False)
    _asked: dict[int, tuple[StreamKey, ...]] = field(factory=dict, init=False)
    _check: int = field(default=0, init=False)
    alerted: int = field(default=0, init=False)

    def sync(self, held: Iterable[StreamKey], now: float, unchecked: bool) -> None:
        """The keys held now: new ones start their clock (only while ``unchecked``: no list),
        released ones are forgotten."""
        held = set(held)
        for key in [k for k in self._deadlines if k not in held]:
            del self._deadlines[key]
        if unchecked and self.timeout is not None:
            for key in held:
                if key not in self._deadlines and _expects_snapshot(key):
                    self._deadlines[key] = now + self.timeout

    def checked(self, keys: Iterable[StreamKey]) -> None:
        """The list now covers these keys: no snapshot check for them."""
        for key in keys:
            self._deadlines.pop(key, None)

    def due(self, now: float) -> tuple[int, tuple[StreamKey, ...]] | None:
        """(check number, keys past their deadline) to ask the router about; each key once."""
        late = tuple(k for k, t in self._deadlines.items() if t <= now and t != float("inf"))
        if not late:
            return None
        for key in late:
            self._deadlines[key] = float("inf")  # asked: never again for this hold
        self._check += 1
        self._asked[self._check] = late
        while len(self._asked) > 64:  # answers lost with a restarted router: forget the oldest
            del self._asked[next(iter(self._asked))]
        return self._check, late

    def silent(self, check: int, seen: Iterable[StreamKey]) -> tuple[StreamKey, ...]:
        """The router's answer to ``check``: the asked keys that produced nothing and are still held."""
        asked = self._asked.pop(check, ())
        seen = set(seen)
        out = tuple(k for k in asked if k not in seen and k in self._deadlines)
        self.alerted += len(out)
        return out

    def next_deadline(self) -> float | None:
        pending = [t for t in self._deadlines.values() if t != float("inf")]
        return min(pending) if pending else None

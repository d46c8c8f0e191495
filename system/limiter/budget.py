"""The rate limiter's decisions: when a merged set may go on the wire, and when a socket may open.

Upbit counts request messages per connection (5/s and 100/min) and handshakes per IP or
account (5/s) (SPEC §5, §10.3, §10.4); going over gets 429s, then 418 blocks that grow with
every repeat. Every request REPLACES the connection's whole set (SPEC §2.1), so only the newest
set matters: the limiter holds at most ONE pending set per endpoint, newest generation wins, and
an older one is dropped. A new connection starts empty, so the current set is replayed as its
first message, under a fresh per-connection budget.

Sends are admitted when ``poll`` returns them; the actor sends them at once, so the budget is
charged at admission time. The gap between admission and the wire (actor hops, ~1 ms each,
THESPIAN.md) is what the one-message headroom below absorbs.

LIST_SUBSCRIPTIONS checks (issue 13) spend the same budget, after the sets: one owed after each
set sent and every ``check_interval``; a live set found different is owed again (``resend``).

Exception tree: none raised; stale input is ignored and counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import define, field

from upbit_actors.messages.common import Endpoint
from upbit_actors.messages.subscription import MergedSubscription, WireStream
from upbit_actors.system.limiter.window import SlidingWindow

__all__ = [
    "HANDSHAKES_PER_MINUTE",
    "HANDSHAKES_PER_SECOND",
    "MESSAGES_PER_MINUTE",
    "MESSAGES_PER_SECOND",
    "RateLimiter",
    "SlidingWindow",
]

MESSAGES_PER_SECOND: int = 4
"""Request messages per rolling 1 s per connection. Upbit: 5/s per connection, every request
counts, LIST_SUBSCRIPTIONS too (SPEC §5). One of headroom for timing jitter between admission
here and the send in the connection actor (JKorf's client also uses 4/s)."""

MESSAGES_PER_MINUTE: int = 90
"""Request messages per rolling 60 s per connection. Upbit: 100/min per connection (SPEC §5);
10 % headroom, as above."""

HANDSHAKES_PER_SECOND: int = 4
"""WebSocket handshakes per rolling 1 s, all endpoints together. Upbit ``websocket-connect``:
5/s per IP, or per account when a JWT is sent (SPEC §5); one shared budget covers both buckets
with one of headroom (JKorf also caps itself at 4 connections/s)."""

HANDSHAKES_PER_MINUTE: int = 90
"""Handshakes per rolling 60 s. Older Upbit docs also stated 100/min for ``websocket-connect``
(SPEC §5); cheap to honour with 10 % headroom, and it stops a reconnect storm early."""


@define
class _Link:
    """One endpoint: its open connection (if any), the newest set, and what the socket carries."""

    epoch: int | None = None
    """The open connection's epoch; None while closed."""
    latest: MergedSubscription | None = None
    """Newest set offered; older ones are gone."""
    live: tuple[WireStream, ...] | None = None
    """Streams sent on the open connection; None before its first request."""
    live_generation: int | None = None
    windows: tuple[SlidingWindow, ...] = ()
    """The open connection's message budget (replaced on every new connection)."""
    sent: int = 0
    stale: int = 0
    """Offers dropped because a newer generation was already offered."""
    superseded: int = 0
    """Offers replaced by a newer one before they could be sent."""
    check_due: float | None = None
    """When a LIST_SUBSCRIPTIONS check is owed to the open socket; None: none owed."""
    checks: int = 0
    resends: int = 0
    """Sets sent again because Upbit's live set differed (``resend``)."""

    def pending(self) -> bool:
        return (
            self.epoch is not None
            and self.latest is not None
            and (self.live_generation is None or self.latest.generation > self.live_generation)
        )

    def free(self) -> bool:
        """The pending set needs no wire message: empty (nothing to send, Upbit has no
        unsubscribe, SPEC §2.1) or the same streams the socket already carries."""
        assert self.latest is not None
        return not self.latest.streams or self.latest.streams == self.live


@define
class RateLimiter:
    """Paces merged sets per connection and handshakes across connections (SPEC §5)."""

    messages_per_second: int = MESSAGES_PER_SECOND
    messages_per_minute: int = MESSAGES_PER_MINUTE
    handshakes_per_second: int = HANDSHAKES_PER_SECOND
    handshakes_per_minute: int = HANDSHAKES_PER_MINUTE
    check_interval: float | None = None
    """Seconds between periodic LIST_SUBSCRIPTIONS checks (``HubConfig.live_check_interval``)."""
    _handshakes: tuple[SlidingWindow, ...] = field(init=False)
    _links: dict[Endpoint, _Link] = field(factory=lambda: {e: _Link() for e in Endpoint}, init=False)
    _waiting: dict[Endpoint, int] = field(factory=dict, init=False)
    """Handshake requests waiting for a permit: endpoint -> newest attempt, in arrival order."""
    _clock: float = field(default=float("-inf"), init=False)
    """Latest ``now`` seen; the deadline of work that is due at once."""

    def __attrs_post_init__(self) -> None:
        self._handshakes = (
            SlidingWindow(self.handshakes_per_second, 1.0),
            SlidingWindow(self.handshakes_per_minute, 60.0),
        )

    def _message_windows(self) -> tuple[SlidingWindow, ...]:
        return SlidingWindow(self.messages_per_second, 1.0), SlidingWindow(self.messages_per_minute, 60.0)

    # -- merged sets ----------------------------------------------------------------------

    def offer(self, merged: MergedSubscription, now: float) -> bool:
        """Take ``merged`` as the endpoint's newest set; False (and counted) when it is stale."""
        self._clock = max(self._clock, now)
        link = self._links[merged.endpoint]
        if link.latest is not None and merged.generation <= link.latest.generation:
            link.stale += merged.generation < link.latest.generation
            return False
        if link.latest is not None and (link.live_generation or 0) < link.latest.generation:
            link.superseded += 1  # never sent (to this connection)
        link.latest = merged
        return True

    def on_connection_opened(self, endpoint: Endpoint, epoch: int, now: float,
                             sent: Sequence[float] = ()) -> None:
        """A new socket: fresh message budget, and the current set is owed as its first message.
        ``sent`` (to a restarted limiter): what the connection already put on the socket; it
        replaces the checkpoint's record, which may miss the last admissions (``connection.wire``).
        The same epoch again without ``sent`` (a retried handler) changes nothing."""
        self._clock = max(self._clock, now)
        link = self._links[endpoint]
        if link.epoch == epoch and not sent:
            return
        if link.epoch != epoch:  # the first set sent owes a check
            link.epoch, link.live, link.live_generation, link.check_due = epoch, None, None, None
        link.windows = self._message_windows()
        for t in sorted(sent):
            for window in link.windows:
                window.record(t)

    def on_connection_lost(self, endpoint: Endpoint, epoch: int) -> None:
        """The socket of ``epoch`` is gone: nothing is sent until the next one opens."""
        link = self._links[endpoint]
        if link.epoch == epoch:
            link.epoch = None
            link.live = None
            link.live_generation = None

    def poll(self, now: float) -> list[tuple[Endpoint, MergedSubscription]]:
        """Sets to send now, at most one per endpoint; the budget is charged for each.

        An empty set is returned without a charge: the connection sends nothing for it (it may
        close the socket). A set whose streams the socket already carries is marked sent and
        not returned.
        """
        self._clock = max(self._clock, now)
        out: list[tuple[Endpoint, MergedSubscription]] = []
        for endpoint, link in self._links.items():
            if not link.pending():
                continue
            latest = link.latest
            assert latest is not None
            if link.free():
                if latest.streams:  # identical to what the socket carries: nothing to do
                    link.live_generation = latest.generation
                    continue
            elif all(w.allows(now) for w in link.windows):
                for window in link.windows:
                    window.record(now)
            else:
                continue
            link.live = latest.streams
            link.live_generation = latest.generation
            link.sent += 1
            out.append((endpoint, latest))
        return out

    # -- LIST_SUBSCRIPTIONS checks (issue 13) ---------------------------------------------

    def request_check(self, endpoint: Endpoint, epoch: int, now: float) -> None:
        """A set went on socket ``epoch`` (``RequestSent``): a check of it is owed, at once."""
        self._clock = max(self._clock, now)
        link = self._links[endpoint]
        if link.epoch == epoch:
            link.check_due = now

    def resend(self, endpoint: Endpoint, epoch: int, now: float) -> None:
        """Upbit's live set on socket ``epoch`` differs: the newest set is owed again (charged)."""
        self._clock = max(self._clock, now)
        link = self._links[endpoint]
        if link.epoch == epoch and link.live is not None:
            link.live = link.live_generation = None
            link.resends += 1

    def poll_checks(self, now: float) -> list[tuple[Endpoint, int]]:
        """Checks to send now: (endpoint, epoch). A check is one request message (SPEC §2.1
        rule 4, §5) from the budget of the sets, which go first: none while a set is pending.
        Call after ``poll``. The next is due ``check_interval`` later (never, when None)."""
        self._clock = max(self._clock, now)
        out: list[tuple[Endpoint, int]] = []
        for endpoint, link in self._links.items():
            if (link.epoch is None or link.check_due is None or now < link.check_due or link.pending()
                    or not all(w.allows(now) for w in link.windows)):
                continue
            for window in link.windows:
                window.record(now)
            link.check_due = None if self.check_interval is None else now + self.check_interval
            link.checks += 1
            out.append((endpoint, link.epoch))
        return out

    # -- handshakes -----------------------------------------------------------------------

    def request_handshake(self, endpoint: Endpoint, now: float) -> bool:
        """Take a handshake permit now if one is free (shared by all endpoints)."""
        self._clock = max(self._clock, now)
        if not all(w.allows(now) for w in self._handshakes):
            return False
        for window in self._handshakes:
            window.record(now)
        self._waiting.pop(endpoint, None)
        return True

    def handshake_wait(self, now: float) -> float:
        """Seconds until a handshake permit is free (0 when one is free now)."""
        return max(0.0, max(w.available_at() for w in self._handshakes) - now)

    def wait_handshake(self, endpoint: Endpoint, attempt: int) -> None:
        """Queue a refused request; a newer attempt of the same endpoint replaces the older."""
        self._waiting[endpoint] = max(attempt, self._waiting.get(endpoint, attempt))

    def poll_handshakes(self, now: float) -> list[tuple[Endpoint, int]]:
        """Waiting requests that get a permit now, oldest first: (endpoint, attempt)."""
        granted: list[tuple[Endpoint, int]] = []
        for endpoint, attempt in list(self._waiting.items()):
            if not self.request_handshake(endpoint, now):
                break
            granted.append((endpoint, attempt))
        return granted

    # -- durable state --------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """What a restarted limiter needs to keep honouring the budgets already spent: the
        handshake times and, per open socket, its epoch and request times. Monotonic clock
        times, valid in every process of the machine."""
        return {
            "handshakes": [list(w.times()) for w in self._handshakes],
            "links": {
                e.value: {"epoch": link.epoch, "sends": [list(w.times()) for w in link.windows]}
                for e, link in self._links.items() if link.epoch is not None
            },
        }

    def restore(self, state: dict[str, object], now: float) -> None:
        """Take over a predecessor's ``snapshot``: its spent budgets count against this one.
        The sets on the sockets are unknown, so the next set is sent (and charged) once."""
        self._clock = max(self._clock, now)
        for window, times in zip(self._handshakes, state.get("handshakes", ())):
            for t in times:
                window.record(t)
        for name, saved in state.get("links", {}).items():
            link = self._links[Endpoint(name)]
            link.epoch = saved["epoch"]
            link.live = link.live_generation = None
            link.windows = self._message_windows()
            for window, times in zip(link.windows, saved["sends"]):
                for t in times:
                    window.record(t)

    # -- timers and status ----------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When ``poll`` or ``poll_handshakes`` next has something to grant; None when idle."""
        deadlines: list[float] = []
        for link in self._links.values():
            if link.pending():
                if link.free():
                    deadlines.append(self._clock)
                else:
                    deadlines.append(max(w.available_at() for w in link.windows))
            elif link.epoch is not None and link.check_due is not None:
                deadlines.append(max(link.check_due, *(w.available_at() for w in link.windows)))
        if self._waiting:
            deadlines.append(max(w.available_at() for w in self._handshakes))
        return max(min(deadlines), self._clock) if deadlines else None

    def status(self, now: float) -> dict[str, object]:
        """JSON-able figures per endpoint."""
        out: dict[str, object] = {}
        for endpoint, link in self._links.items():
            out[endpoint.value] = {
                "epoch": link.epoch,
                "latest_generation": link.latest.generation if link.latest else None,
                "live_generation": link.live_generation,
                "pending": link.pending(),
                "sent": link.sent,
                "stale": link.stale,
                "superseded": link.superseded,
                "checks": link.checks,
                "resends": link.resends,
                "used_1s": link.windows[0].used(now) if link.windows else 0,
                "used_60s": link.windows[1].used(now) if link.windows else 0,
            }
        out["handshakes_waiting"] = [e.value for e in self._waiting]
        out["handshakes_used_1s"] = self._handshakes[0].used(now)
        out["handshakes_used_60s"] = self._handshakes[1].used(now)
        return out

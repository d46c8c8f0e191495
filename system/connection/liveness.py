"""Link liveness for one connection: when to ping, and when to call the socket dead.

Upbit never pings; it drops a socket with no traffic after ~60 s live (docs say 120 s), with an
abrupt 1006 close, and answers protocol pings in ~165 ms (SPEC §4). Quiet streams (myOrder and
myAsset send nothing until the account changes, SPEC §3.5-3.6, §10.14) must therefore ping, and
a half-open TCP socket shows itself only by a missing pong. So:

- a ping every ``ping_interval`` while open;
- dead when no frame at all (pong, data, ``{"status":"UP"}``) arrived within ``pong_timeout``
  after a ping: a quiet stream that answers pings is alive;
- dead when a subscribed stream delivers no DATA frame for ``stall_timeout`` (Upbit sends
  nothing for a broken subscription, SPEC §2.2, §10.10). The connection sets it for public sets
  with streaming types only (``HubConfig.stall_timeout``, 12 s by default since issue 12: a 40 s
  stall went unnoticed at 120 s); an only_snapshot-only set or a private stream is silent by
  nature and never judged by it. A quiet market can be silent longer than that too: each stall
  in a row doubles the timeout (up to ``STALL_MAX_FACTOR`` times), and a link that has streamed
  ``STALL_CLEAR_AFTER`` seconds brings it back, so a quiet set is re-dialled now and then, not
  every 12 s.

Pure: every method takes ``now``. Exception tree: ``ValueError`` for bad parameters only.
"""

from __future__ import annotations

import enum

from attrs import define, field

from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.errors import ConfigError

__all__ = ["STALL_CLEAR_AFTER", "STALL_MAX_FACTOR", "LinkAction", "Liveness"]

STALL_MAX_FACTOR: int = 8
"""Longest stall timeout, in multiples of ``stall_timeout`` (8 x 12 s: ~1.5 min), reached after
three stalls in a row: a set quiet for minutes costs a reconnect every ~1.5 min at most."""

STALL_CLEAR_AFTER: float = 60.0
"""Seconds a link must stream (a data frame this long after it opened) before a stall counts as
the first again; a real stall is fixed by the new socket, which then streams on."""


class LinkAction(enum.StrEnum):
    """What the connection should do now; compares equal to ``"ping"`` / ``"dead"``."""

    PING = "ping"
    """Send a protocol ping, then call ``on_ping_sent``."""
    DEAD = "dead"
    """Close the socket and reconnect."""


@define
class Liveness:
    """Ping schedule and dead-link judgement for one socket."""

    ping_interval: float
    """Seconds between pings (HubConfig.ping_interval; under Upbit's ~60 s idle close)."""
    pong_timeout: float
    """Seconds after a ping by which some frame must have arrived (HubConfig.pong_timeout)."""
    stall_timeout: float | None = None
    """Seconds without a data frame while data is expected before the link is dead; None: off."""
    _open: bool = field(default=False, init=False)
    _last_ping: float = field(default=0.0, init=False)
    """When the last ping went out (or the socket opened)."""
    _unanswered_ping: float | None = field(default=None, init=False)
    """Time of the oldest ping not yet followed by any frame."""
    _last_frame: float = field(default=0.0, init=False)
    _data_clock: float | None = field(default=None, init=False)
    """Latest of the last data frame and the moment data became expected; None: not expected."""
    _opened_at: float = field(default=0.0, init=False)
    _stalls: int = field(default=0, init=False)
    """Stall verdicts in a row (kept across sockets): the timeout doubles with each."""

    def __attrs_post_init__(self) -> None:
        if self.ping_interval <= 0 or self.pong_timeout <= 0:
            raise ConfigError("ping_interval and pong_timeout must be > 0")
        if self.stall_timeout is not None and self.stall_timeout <= 0:
            raise ConfigError("stall_timeout must be > 0 or None")

    @classmethod
    def from_config(cls, config: HubConfig, stall_timeout: float | None = None) -> Liveness:
        return cls(
            ping_interval=config.ping_interval, pong_timeout=config.pong_timeout, stall_timeout=stall_timeout
        )

    # -- inputs ---------------------------------------------------------------------------

    def reset(self, now: float) -> None:
        """A new socket opened at ``now``: first ping one interval later, no data expected yet."""
        self._open = True
        self._last_ping = self._last_frame = self._opened_at = now
        self._unanswered_ping = None
        self._data_clock = None

    on_open = reset

    def on_closed(self) -> None:
        """No socket: no pings, no judgements."""
        self._open = False

    def on_frame(self, now: float, *, data: bool = False) -> None:
        """Any frame or pong arrived; ``data=True`` for a market/private data frame."""
        self._last_frame = max(self._last_frame, now)
        self._unanswered_ping = None
        if data and self._data_clock is not None:
            self._data_clock = max(self._data_clock, now)
        if data and self._stalls and now - self._opened_at >= STALL_CLEAR_AFTER:
            self._stalls = 0

    on_pong = on_frame

    def on_data(self, now: float) -> None:
        """A data frame arrived (it is also a frame)."""
        self.on_frame(now, data=True)

    def on_ping_sent(self, now: float) -> None:
        self._last_ping = now
        if self._unanswered_ping is None:
            self._unanswered_ping = now

    def expect_data(self, now: float, expected: bool) -> None:
        """Data should (or need not) flow from ``now``: call with True after sending a set with
        streaming public types, False for an empty, private-only or only_snapshot-only set."""
        if not expected:
            self._data_clock = None
        elif self._data_clock is None:
            self._data_clock = now

    def on_judged_dead(self, now: float) -> bool:
        """The connection acts on a ``DEAD`` verdict at ``now``; True when it was a data stall
        (then the next stall timeout is doubled, see the module docstring)."""
        stalled = self._stall_at() is not None and now >= self._stall_at()
        if stalled:
            self._stalls += 1
        return stalled

    # -- decisions ------------------------------------------------------------------------

    @property
    def current_stall_timeout(self) -> float | None:
        """``stall_timeout`` doubled per stall in a row, at most ``STALL_MAX_FACTOR`` times."""
        if self.stall_timeout is None:
            return None
        return self.stall_timeout * min(2 ** min(self._stalls, 16), STALL_MAX_FACTOR)

    def _stall_at(self) -> float | None:
        if self.stall_timeout is None or self._data_clock is None:
            return None
        return self._data_clock + self.current_stall_timeout

    def _dead_at(self) -> float | None:
        times = []
        if self._unanswered_ping is not None:
            times.append(self._unanswered_ping + self.pong_timeout)
        if (stall_at := self._stall_at()) is not None:
            times.append(stall_at)
        return min(times) if times else None

    def next_action(self, now: float) -> LinkAction | None:
        """``DEAD`` takes precedence over ``PING``; None when nothing is due."""
        if not self._open:
            return None
        dead_at = self._dead_at()
        if dead_at is not None and now >= dead_at:
            return LinkAction.DEAD
        if now >= self._last_ping + self.ping_interval:
            return LinkAction.PING
        return None

    def next_deadline(self) -> float | None:
        """When ``next_action`` may next return something; None when closed."""
        if not self._open:
            return None
        dead_at = self._dead_at()
        ping_at = self._last_ping + self.ping_interval
        return ping_at if dead_at is None else min(ping_at, dead_at)

    def status(self, now: float) -> dict[str, float | bool | None]:
        return {
            "open": self._open,
            "since_frame": now - self._last_frame if self._open else None,
            "ping_unanswered": self._unanswered_ping is not None,
        }

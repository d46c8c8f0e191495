"""Reconnect pacing for a connection: capped exponential backoff with jitter, and the auth-failure stop.

A dropped socket is retried at once (most drops are one-off: an idle close, a server restart),
then with growing, jittered delays so that many clients, or our two connections, do not
reconnect in lock step: Upbit answers more than 5 handshakes/s with 429, then with 418 blocks
that lengthen on every repeat (SPEC §5, §10.3). The limiter keeps every attempt within Upbit's
handshake budget whatever this decides (``system.limiter.budget``: 4/s and 90/min).

Rules (issue 12: with a drop every 2 s only 10 % of events arrived; a 20 s refusal window
became a 27.5 s outage):

- the sequence resets once a link has proved itself: it delivered data ``productive_after``
  seconds after it opened, or stayed open ``stable_after`` (a quiet private link). A link
  that keeps delivering and keeps being dropped is retried at once every time;
- while handshakes keep failing (refused, or no server), no delay exceeds ``refused_cap``
  (drawn from its upper third, so attempts stay about a second apart): the first attempt after
  the refusals end comes at most ``refused_cap`` later. After ``refused_fast_attempts`` such
  attempts the outage is no short one, and the ordinary growth to ``maximum`` takes over.

Wrong keys are different: retrying cannot fix them and each retry is a signed handshake. After
``max_auth_failures`` consecutive failures ``AuthFailurePolicy`` stops retrying until the keys
change or the user asks (SPEC §7).

Both classes are pure: randomness comes in as ``rng`` (anything with ``uniform(a, b)``, such as
``random.Random``), time as ``now``.

Exception tree: ``ValueError`` for bad parameters at construction; nothing else.
"""

from __future__ import annotations

from typing import Any, Protocol

from attrs import define, field

from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.errors import ConfigError

__all__ = [
    "DEFAULT_PRODUCTIVE_AFTER",
    "DEFAULT_STABLE_AFTER",
    "REFUSED_CAP",
    "REFUSED_FAST_ATTEMPTS",
    "AuthFailurePolicy",
    "Backoff",
    "Jitter",
    "Uniform",
]

DEFAULT_STABLE_AFTER: float = 10.0
"""Seconds a connection must stay open to count as stable and reset the backoff. Upbit closes a
bad request's socket ~150-180 ms after the error frame (SPEC §6) and a refused token at once
(SPEC §7); 10 s is far past both, and well under the ~60 s idle close (SPEC §4)."""

DEFAULT_PRODUCTIVE_AFTER: float = 1.0
"""Seconds after the open by which a data frame proves a link and resets the backoff. Snapshots
arrive 0.17-0.35 s after the request (SPEC §2.1) and an error closes the socket ~150-180 ms after
it (SPEC §6): data still flowing 1 s in means the server serves us. A server that serves and
then drops every link at once is retried at most about once a second, within the limiter's
handshake budget."""

REFUSED_CAP: float = 1.25
"""Longest delay while handshakes keep failing (HTTP 429/503 on the upgrade, refused or timed
out connects). Upbit publishes no retry-after; the next attempt after a refusal window ends
comes within this plus the handshake, actor hops and timer lateness (up to ~0.7 s left for those
on a loaded machine), so within ~2 s. Delays are drawn from [2/3, 1] of it: at most 72
handshakes/min, under the limiter's 90/min (``HANDSHAKES_PER_MINUTE``; Upbit 100/min) and far
under 5/s."""

REFUSED_FAST_ATTEMPTS: int = 50
"""Attempts (since the last reset) for which ``REFUSED_CAP`` holds: 40-60 s of refusals. Past it
the outage is a long one and the delays grow to ``backoff_max`` as usual, so a bot does not
knock once a second all day on a server that is down."""

Jitter = str
"""``"full"``: uniform(0, cap) (AWS "full jitter"); ``"decorrelated"``: uniform(initial,
3 x previous), capped."""

_JITTERS = ("full", "decorrelated")


class Uniform(Protocol):
    """The part of ``random.Random`` the backoff uses."""

    def uniform(self, a: float, b: float) -> float: ...


@define
class Backoff:
    """Delays before reconnect attempts: 0 first, then capped exponential with jitter."""

    initial: float
    """Cap of the second attempt's delay (HubConfig.backoff_initial)."""
    maximum: float
    """Upper bound of any delay (HubConfig.backoff_max)."""
    rng: Uniform
    jitter: Jitter = "full"
    multiplier: float = 2.0
    stable_after: float = DEFAULT_STABLE_AFTER
    productive_after: float = DEFAULT_PRODUCTIVE_AFTER
    refused_cap: float = REFUSED_CAP
    """Cap of a delay after a failed handshake (``next_delay(refused=True)``)."""
    refused_fast_attempts: int = REFUSED_FAST_ATTEMPTS
    attempts: int = field(default=0, init=False)
    """Delays handed out since the last reset."""
    _previous: float = field(default=0.0, init=False)
    _opened_at: float | None = field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum:
            raise ConfigError("backoff needs 0 < initial <= maximum")
        if self.jitter not in _JITTERS:
            raise ConfigError(f"jitter must be one of {_JITTERS}")
        if self.multiplier < 1:
            raise ConfigError("multiplier must be >= 1")
        if self.refused_cap <= 0 or self.productive_after < 0 or self.stable_after <= 0:
            raise ConfigError("refused_cap and stable_after must be > 0, productive_after >= 0")

    @classmethod
    def from_config(cls, config: HubConfig, rng: Uniform, **kwargs: Any) -> Backoff:
        return cls(initial=config.backoff_initial, maximum=config.backoff_max, rng=rng, **kwargs)

    def ceiling(self, attempt: int) -> float:
        """The cap of attempt ``attempt`` (1-based) before jitter: 0, initial, initial*m, ..."""
        if attempt <= 1:
            return 0.0
        # Cap the exponent so a long outage cannot overflow the float.
        return min(self.maximum, self.initial * self.multiplier ** min(attempt - 2, 64))

    def next_delay(self, *, refused: bool = False) -> float:
        """Seconds to wait before the next attempt; the first is 0. ``refused``: the last
        handshake failed, so the delay stays under ``refused_cap`` (see the module docstring)."""
        self.attempts += 1
        cap = min(self.refused_cap, self.maximum)
        if self.attempts == 1:
            delay = 0.0
        elif refused and self.attempts <= self.refused_fast_attempts and self.ceiling(self.attempts) > cap:
            delay = self.rng.uniform(cap * 2.0 / 3.0, cap)
        elif self.jitter == "full":
            delay = self.rng.uniform(0.0, self.ceiling(self.attempts))
        else:
            high = max(self.initial, self._previous * 3.0)
            delay = min(self.maximum, self.rng.uniform(self.initial, high))
        delay = min(max(delay, 0.0), self.maximum)
        if refused and self.attempts <= self.refused_fast_attempts:
            delay = min(delay, cap)
        self._previous = delay
        return delay

    def reset(self) -> None:
        """The connection is healthy again: the next delay is 0."""
        self.attempts = 0
        self._previous = 0.0

    def on_opened(self, now: float) -> None:
        """A connection opened at ``now`` (the reset waits until it proves itself)."""
        self._opened_at = now

    def on_data(self, now: float) -> bool:
        """A data frame arrived at ``now``: reset (and say so) once the link has delivered
        ``productive_after`` seconds after it opened."""
        if self.attempts and self._opened_at is not None and now - self._opened_at >= self.productive_after:
            self.reset()
            return True
        return False

    def on_closed(self, now: float | None = None, *, refused: bool = False) -> float:
        """The connection closed (or failed to open: ``refused``): reset if it had been stable
        at ``now``, then the next delay."""
        if now is not None and self._opened_at is not None and now - self._opened_at >= self.stable_after:
            self.reset()
        self._opened_at = None
        return self.next_delay(refused=refused)

    def check_stable(self, now: float) -> bool:
        """Reset (and say so) once the open connection has lasted ``stable_after``; for a timer."""
        if self._opened_at is not None and now - self._opened_at >= self.stable_after and self.attempts:
            self.reset()
            return True
        return False


@define
class AuthFailurePolicy:
    """Counts consecutive auth failures; retries stop at ``max_failures`` (SPEC §7)."""

    max_failures: int = 3
    """HubConfig.max_auth_failures."""
    initial: float = 0.5
    """Floor of the delay after the first failure (HubConfig.backoff_initial); doubles after each."""
    maximum: float = 30.0
    """Cap of that floor (HubConfig.backoff_max)."""
    failures: int = field(default=0, init=False)
    """Consecutive failures since the last success or reset."""

    def __attrs_post_init__(self) -> None:
        if self.max_failures < 1:
            raise ConfigError("max_failures must be >= 1")
        if not 0 <= self.initial <= self.maximum:
            raise ConfigError("auth retry floor needs 0 <= initial <= maximum")

    @classmethod
    def from_config(cls, config: HubConfig) -> AuthFailurePolicy:
        return cls(max_failures=config.max_auth_failures, initial=config.backoff_initial,
                   maximum=config.backoff_max)

    def retry_floor(self) -> float:
        """The least delay before the next attempt: 0 before any failure, then ``initial``,
        ``2 x initial``... capped. ``Backoff`` starts with an immediate retry and full jitter may
        draw near 0, which is right for a dropped socket and wrong for a refused token: the
        connection waits for the larger of the two."""
        if self.failures == 0:
            return 0.0
        return min(self.maximum, self.initial * 2.0 ** min(self.failures - 1, 64))

    @property
    def blocked(self) -> bool:
        """True once retrying has stopped."""
        return self.failures >= self.max_failures

    def record_failure(self) -> bool:
        """One more refused token (INVALID_AUTH or HTTP 401); True while retrying goes on."""
        self.failures += 1
        return not self.blocked

    def record_success(self) -> None:
        """The server accepted the token: a data frame, or the socket stayed open without
        INVALID_AUTH after the private request (an accepted upgrade alone proves nothing when the
        server answers a bad token with an error frame, SPEC §7)."""
        self.failures = 0

    def reset(self) -> None:
        """New keys, or the user asked to try again."""
        self.failures = 0

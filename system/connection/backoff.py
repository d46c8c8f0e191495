"""Reconnect pacing for a connection: capped exponential backoff with jitter, and the auth-failure stop.

A dropped socket is retried at once (most drops are one-off: an idle close, a server restart),
then with growing, jittered delays so that many clients, or our two connections, do not
reconnect in lock step: Upbit answers more than 5 handshakes/s with 429, then with 418 blocks
that lengthen on every repeat (SPEC §5, §10.3). A connection that stayed up for a while resets
the sequence.

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

__all__ = ["DEFAULT_STABLE_AFTER", "AuthFailurePolicy", "Backoff", "Jitter", "Uniform"]

DEFAULT_STABLE_AFTER: float = 10.0
"""Seconds a connection must stay open to count as stable and reset the backoff. Upbit closes a
bad request's socket ~150-180 ms after the error frame (SPEC §6) and a refused token at once
(SPEC §7); 10 s is far past both, and well under the ~60 s idle close (SPEC §4)."""

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

    @classmethod
    def from_config(cls, config: HubConfig, rng: Uniform, **kwargs: Any) -> Backoff:
        return cls(initial=config.backoff_initial, maximum=config.backoff_max, rng=rng, **kwargs)

    def ceiling(self, attempt: int) -> float:
        """The cap of attempt ``attempt`` (1-based) before jitter: 0, initial, initial*m, ..."""
        if attempt <= 1:
            return 0.0
        # Cap the exponent so a long outage cannot overflow the float.
        return min(self.maximum, self.initial * self.multiplier ** min(attempt - 2, 64))

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; the first is 0."""
        self.attempts += 1
        if self.attempts == 1:
            delay = 0.0
        elif self.jitter == "full":
            delay = self.rng.uniform(0.0, self.ceiling(self.attempts))
        else:
            high = max(self.initial, self._previous * 3.0)
            delay = min(self.maximum, self.rng.uniform(self.initial, high))
        delay = min(max(delay, 0.0), self.maximum)
        self._previous = delay
        return delay

    def reset(self) -> None:
        """The connection is healthy again: the next delay is 0."""
        self.attempts = 0
        self._previous = 0.0

    def on_opened(self, now: float) -> None:
        """A connection opened at ``now`` (the reset waits until it proves stable)."""
        self._opened_at = now

    def on_closed(self, now: float) -> float:
        """The connection closed at ``now``: reset if it had been stable, then the next delay."""
        if self._opened_at is not None and now - self._opened_at >= self.stable_after:
            self.reset()
        self._opened_at = None
        return self.next_delay()

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

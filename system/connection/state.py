"""Decisions of one connection (public or private): the state machine behind ``actors.connection``.

Feed it what happened (a set, a permit, a token, a socket opened or closed, frames, a timer, new
keys) and it says what to do; the actor does the I/O. It keeps the phase, socket epoch, handshake
attempt and status counters, and decides with ``Backoff`` (reconnect delays), ``Liveness`` (pings,
dead links) and ``PrivateAuth`` (refused tokens and their bound, confirmation, keys versions).

Phases::

    idle --want--> waiting_permit --permit--> (private: waiting_token --token-->) connecting
    connecting --opened--> open --closed / dead--> backoff --retry--> waiting_permit
    any refused token --> backoff (retry floor) or, after max_auth_failures, auth_failed
    waiting_token --no token--> no_keys;  auth_failed / no_keys --new keys, ResetAuth--> idle

The private link is never judged by silence (no stall check): pings alone keep it (SPEC §3.5-3.6).

Reconnect pacing (issue 12, rules in ``backoff``): data resets the backoff; a failed handshake
(``retry`` while ``connecting``) is retried within ``REFUSED_CAP``, except Upbit's 418 block.

Pure: no thespian, socket, time or random; ``now`` and ``rng`` come in. Exception tree: none of
its own (``ValueError`` from the policies for bad configuration).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from attrs import define, field, frozen

from upbit_actors.messages import AuthFailed, Endpoint, MergedSubscription
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.connection.auth import PrivateAuth, check_frames
from upbit_actors.system.connection.backoff import Backoff, Uniform
from upbit_actors.system.connection.liveness import LinkAction, Liveness
from upbit_actors.system.connection.wire import WireRecord

__all__ = ["BLOCKED_STATUS", "ConnectionState", "Lost", "Phase", "Want"]

BLOCKED_STATUS = "HTTP 418"
"""How the connection actor's reason names Upbit's block (``handshake refused: HTTP 418``):
retrying fast would lengthen it (SPEC §5), so no ``REFUSED_CAP`` then."""


class Phase(enum.StrEnum):
    """Where the connection is (the actor's status ``state``)."""

    IDLE = "idle"
    """No socket and none asked for (nothing wanted, or waiting for one)."""
    WAITING_PERMIT = "waiting_permit"
    """``HandshakeRequest`` sent to the limiter."""
    WAITING_TOKEN = "waiting_token"
    """(private) ``TokenRequest`` sent to jwt."""
    NO_KEYS = "no_keys"
    """(private) jwt had no token to give; waits for keys."""
    CONNECTING = "connecting"
    """Opening the socket (the one blocking step)."""
    OPEN = "open"
    """The socket is up."""
    BACKOFF = "backoff"
    """Lost or refused; a retry is scheduled."""
    AUTH_FAILED = "auth_failed"
    """(private) ``max_auth_failures`` in a row: nothing is tried until new keys or ResetAuth."""


class Want(enum.Enum):
    """What to do with a ``MergedSubscription`` just received."""

    IGNORE = "ignore"
    """Stale, or not configured yet (it is kept for ``configure``)."""
    CLOSE = "close"
    """Empty: close the socket without a retry (Upbit has no unsubscribe)."""
    CONNECT = "connect"
    """Non-empty and nothing open or under way: ask the limiter for a handshake."""
    KEEP = "keep"
    """Current: the socket open (or coming) may carry it when the limiter admits it."""


@frozen
class Lost:
    """Tell limiter, router and supervisor ``ConnectionLost``; retry in ``retry_in`` unless None."""

    reason: str
    retry_in: float | None


@define
class ConnectionState:
    """The decisions of one connection actor (see the module docstring)."""

    epoch: int
    """One more per opened socket; the actor starts it from the clock, so a restarted connection's
    epochs are newer than its predecessor's (the limiter and router tell sockets apart by epoch)."""
    endpoint: Endpoint = Endpoint.PUBLIC
    phase: Phase = Phase.IDLE
    wanted: MergedSubscription | None = None
    """The newest set received (by generation)."""
    sent: MergedSubscription | None = None  # the set last sent on the open socket: what Upbit holds
    attempt: int = 0
    """Handshake attempt number, carried by permits and tokens."""
    linked: bool = False
    """A socket is open (set by ``on_opened``, cleared by ``on_link_closed``)."""
    backoff: Backoff | None = None
    liveness: Liveness | None = None
    auth: PrivateAuth = field(factory=PrivateAuth)
    """Refused tokens, confirmation and keys (private; a public INVALID_AUTH counts too)."""
    opened_at: float = 0.0
    last_frame_at: float = 0.0
    frames: int = 0
    requests_sent: int = 0
    reconnects: int = 0
    last_error: str = ""
    wire: WireRecord = field(factory=WireRecord)

    @property
    def private(self) -> bool:
        return self.endpoint is Endpoint.PRIVATE

    @property
    def configured(self) -> bool:
        return self.backoff is not None

    @property
    def wants_streams(self) -> bool:
        return self.wanted is not None and not self.wanted.empty

    # -- configuration and the wanted set ------------------------------------------------------
    def configure(self, config: HubConfig, rng: Uniform) -> bool:
        """Build the policies (once); True when a set that arrived earlier should connect now."""
        self.backoff = Backoff.from_config(config, rng)
        self.auth.configure(config)
        stall = config.stall_timeout if self.endpoint is Endpoint.PUBLIC else None
        self.liveness = Liveness.from_config(config, stall_timeout=stall)
        return self.wants_streams and self.phase is Phase.IDLE

    def want(self, msg: MergedSubscription) -> Want:
        """Record the wanted set (newest generation wins) and say what it asks for."""
        if self.wanted is not None and msg.generation < self.wanted.generation:
            return Want.IGNORE  # stale
        self.wanted = msg
        if not self.configured:
            return Want.IGNORE  # the limiter may know our address first: configure() connects
        if msg.empty:
            # The private socket must not exist at all without a private subscription (issue 5).
            if self.phase is not Phase.AUTH_FAILED:  # stays stopped until new keys or ResetAuth
                self.phase = Phase.IDLE
            return Want.CLOSE
        if not self.linked and self.phase is Phase.IDLE:
            return Want.CONNECT
        return Want.KEEP

    # -- connecting ----------------------------------------------------------------------------
    def begin_handshake(self) -> int | None:
        """A new attempt to ask the limiter for; None while stopped on auth failures."""
        if self.phase is Phase.AUTH_FAILED:
            return None
        self.attempt += 1
        self.phase = Phase.WAITING_PERMIT
        return self.attempt

    def on_permit(self, attempt: int) -> bool:
        """The limiter granted ``attempt``; True when current (private: now waiting for a token)."""
        if attempt != self.attempt or self.phase is not Phase.WAITING_PERMIT:
            return False
        if self.private:
            self.phase = Phase.WAITING_TOKEN
        return True

    def token_current(self, attempt: int) -> bool:
        return attempt == self.attempt and self.phase is Phase.WAITING_TOKEN

    def on_no_token(self, attempt: int, reason: str) -> bool:
        """jwt had no token for ``attempt``; True when current (alert the components)."""
        if attempt != self.attempt:
            return False
        self.phase = Phase.NO_KEYS
        self.last_error = reason
        return True

    def start_connect(self) -> bool:
        """About to open the socket; False (and idle) when nothing is wanted any more."""
        if not self.wants_streams:
            self.phase = Phase.IDLE
            return False
        self.phase = Phase.CONNECTING
        return True

    def on_opened(self, now: float) -> int:
        """The socket is up; returns its epoch."""
        self.linked = True
        self.epoch += 1
        self.sent = None
        self.wire = WireRecord()
        self.opened_at = self.last_frame_at = now
        self.liveness.reset(now)
        self.backoff.on_opened(now)
        self.phase = Phase.OPEN
        return self.epoch

    def on_request_sent(self, now: float, msg: MergedSubscription) -> bool:
        """``msg`` went on the wire; True when the token awaits confirmation (``auth_confirm``)."""
        self.requests_sent += 1
        self.sent = msg
        self.wire.on_send(now)
        # Data should flow continuously unless every stream is only_snapshot.
        self.liveness.expect_data(now, any(not s.only_snapshot for s in msg.streams))
        return self.private and self.auth.await_confirmation(self.epoch)

    # -- reading and keep-alive ------------------------------------------------------------------
    def on_read(self, now: float, frames: Sequence[bytes], pongs: int) -> bool:
        """Frames and pongs read at ``now``; True: INVALID_AUTH refused the token (``on_auth_failure``)."""
        if frames or pongs:
            self.liveness.on_frame(now, data=bool(frames))
        if not frames:
            return False
        self.last_frame_at = now
        self.frames += len(frames)
        check = check_frames(frames)
        if check.error is not None:
            self.last_error = check.error
        if check.refused:
            return True
        if check.served:
            self.backoff.on_data(now)  # a link that serves data resets the backoff
            if self.private:
                self.auth.served()
        return False

    def keepalive(self, now: float, reading: bool = True) -> LinkAction | None:
        """The periodic check while a socket is open: ping, dead, or nothing. While we do not
        read the socket (``reading`` False: the router is behind), silence is ours, not the
        server's: the link is not judged dead (pongs wait in the socket)."""
        self.backoff.check_stable(now)  # a quiet link (private) proves itself by staying up
        action = self.liveness.next_action(now)
        if action is LinkAction.DEAD:
            if not reading:
                return None
            self.liveness.on_judged_dead(now)
        return action

    def retry_due(self) -> bool:
        """The ``retry`` timer fired: True when a handshake should be asked for now."""
        return self.phase is Phase.BACKOFF

    # -- losing the socket -----------------------------------------------------------------------
    def on_link_closed(self) -> None:
        """The actor closed the socket (before ``on_closed`` or ``on_auth_failure``, or at stop)."""
        self.linked = False

    def on_closed(self, reason: str, *, retry: bool, had_link: bool) -> Lost | None:
        """The socket is gone (or never opened): whom to tell and when to retry."""
        if not had_link and not retry:
            return None
        if retry and self.phase is not Phase.AUTH_FAILED:
            return self.retry(reason)
        return Lost(reason, None) if had_link else None

    def retry(self, reason: str, floor: float = 0.0) -> Lost | None:
        """Schedule a reconnect (none, and idle, when nothing is wanted). Called while
        ``connecting``, the handshake failed: the delay stays short unless Upbit blocks us."""
        refused = self.phase is Phase.CONNECTING and BLOCKED_STATUS not in reason
        self.last_error = reason
        if not self.wants_streams:
            self.phase = Phase.IDLE
            return None
        delay = max(self.backoff.on_closed(refused=refused), floor)
        self.reconnects += 1
        self.phase = Phase.BACKOFF
        return Lost(reason, delay)

    # -- auth (private) --------------------------------------------------------------------------
    def on_auth_failure(self, reason: str) -> tuple[AuthFailed, Lost | None]:
        """A refused token (INVALID_AUTH, HTTP 401): the ``AuthFailed`` to report, then the
        retry, no sooner than the policy's floor, or the stop after ``max_auth_failures``."""
        floor = self.auth.refused()
        self.last_error = reason
        event = AuthFailed(endpoint=self.endpoint, reason=reason, failures=self.auth.failures,
                           retrying=floor is not None)
        if floor is not None:
            return event, self.retry(reason, floor=floor)
        self.phase = Phase.AUTH_FAILED
        return event, Lost(reason, None)

    def confirm_auth(self) -> None:
        """``AUTH_CONFIRM_AFTER`` passed: open well past the request with no INVALID_AUTH."""
        if self.linked:
            self.auth.confirm(self.epoch)

    def on_keys(self, version: int, loaded: bool) -> bool:
        """``KeysState`` heard; True when a handshake should be asked for now."""
        changed = self.auth.on_keys(version, loaded)
        if loaded and (changed or self.phase is Phase.NO_KEYS):
            return self.reset_auth()
        return False

    def reset_auth(self) -> bool:
        """Forget the auth failures; True when a connection stopped on them (or on missing keys)
        should try again at once (a set is wanted). Idempotent."""
        if not self.private or not self.auth.reset():
            return False
        if self.phase in (Phase.AUTH_FAILED, Phase.NO_KEYS):
            self.backoff.reset()
            self.phase = Phase.IDLE
            return self.wants_streams
        return False

    # -- status ----------------------------------------------------------------------------------
    def status(self, now: float) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "reconnects": self.reconnects,
            "frames": self.frames,
            "requests_sent": self.requests_sent,
            "generation": self.wanted.generation if self.wanted else None,
            "last_frame_age": round(now - self.last_frame_at, 3) if self.linked else None,
            "auth_failures": self.auth.failures,
            "keys_version": self.auth.keys_version,
            "last_error": self.last_error,
        }

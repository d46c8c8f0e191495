"""The connection actor: one per endpoint (public, private); owns the socket to Upbit.

| Accepts                  | Emits                                                          |
|--------------------------|----------------------------------------------------------------|
| ``Configure``            | (role ``connection.public`` / ``connection.private``)          |
| ``MergedSubscription``   | what is wanted: opens a connection when the set becomes         |
|                          | non-empty, closes it when empty; never sends by itself          |
| ``SendSubscription``     | the request on the wire of that socket epoch; ``RequestSent``   |
| ``Directory``            | ``ConnectionOpened`` again to a restarted limiter               |
| ``HandshakeGranted``     | (private) ``TokenRequest`` to jwt; then connects               |
| ``TokenIssued``          | connects with ``Authorization: Bearer``                        |
| ``TokenUnavailable``     | ``StreamAlert(auth_failed)``; stays closed                     |
| ``KeysState``            | (private) a new version: auth failures forgotten, retry now    |
| ``ResetAuth``            | (private) auth failures forgotten, retry now                   |
| ``WatchMessage``         | ``FrameBatch`` to the router (one per wake-up)                 |
| ``Tick``                 | keep-alive pings, dead-link checks, reconnect after backoff    |
| ``ActorExitRequest``     | closes the socket                                              |

It sends ``ConnectionOpened`` (to limiter, router, supervisor) and the rate limiter answers with
the current merged set: that is how every reconnect replays the subscriptions. The connection
sends a request only when the limiter admits it (``SendSubscription`` for its current epoch), so
every request passes the limiter, a restarted one included.

Auth failures (private only): an INVALID_AUTH frame or HTTP 401 at the upgrade sends
``AuthFailed`` to the router (components get ``StreamAlert(auth_failed)``) and the supervisor,
and the retry waits at least ``AuthFailurePolicy.retry_floor``; after ``max_auth_failures`` in a
row the state is ``auth_failed`` and nothing is tried until ``KeysState`` brings a new version
or ``ResetAuth`` arrives. The count resets once the server has shown it took the token: a data
frame, or ``AUTH_CONFIRM_AFTER`` seconds open after the request without INVALID_AUTH. The
private link is never judged by silence (no stall check): pings alone keep it (SPEC §3.5-3.6).

Decisions live in pure classes: ``system.liveness`` (ping and dead-link), ``system.backoff``
(reconnect delays, the auth-failure bound); socket I/O in ``system.wslink``. Opening is the one
blocking step, bounded by ``HubConfig.connect_timeout``.
"""

from __future__ import annotations

import random
import time

from actors.base import HubActor
from messages import (
    AuthFailed,
    ConnectionLost,
    ConnectionOpened,
    Endpoint,
    FrameBatch,
    HandshakeGranted,
    HandshakeRequest,
    KeysState,
    MergedSubscription,
    RequestSent,
    ResetAuth,
    SendSubscription,
    StreamAlert,
    TokenIssued,
    TokenRequest,
    TokenUnavailable,
    UpbitError,
)
from system.backoff import AuthFailurePolicy, Backoff
from system.codec import decode
from system.liveness import Liveness
from system.requests import encode_request
from system.wslink import HandshakeRejected, LinkError, WsLink

__all__ = ["ConnectionActor"]

KEEPALIVE_TICK = 1.0
"""Seconds between liveness checks (at most; half the ping interval when that is shorter, so a
short interval is kept); the tick also re-arms the socket watch (THESPIAN.md)."""

STABLE_AFTER = 30.0
"""A connection open this long resets the backoff to an immediate first retry."""

AUTH_CONFIRM_AFTER = 2.0
"""Seconds the private socket must stay open after its request, with no INVALID_AUTH, for the
token to count as accepted. Upbit answers a bad request at once and closes ~150-180 ms later
(SPEC §6); 2 s leaves room for a loaded machine."""

_ERROR_PREFIXES = (b'{"error"', b'[{"error"')


def _streams_data(msg: MergedSubscription) -> bool:
    """Whether the set should make data flow continuously (not only snapshots)."""
    return any(not s.only_snapshot for s in msg.streams)


class ConnectionActor(HubActor):
    """One Upbit WebSocket (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.endpoint = Endpoint.PUBLIC
        self._link: WsLink | None = None
        self._wanted: MergedSubscription | None = None
        self._state = "idle"
        self._epoch = int(time.time() * 1000)
        """Starts from the clock so a restarted connection's epochs are newer than its
        predecessor's (the limiter and router tell sockets apart by epoch)."""
        self._attempt = 0
        self._confirm_epoch = -1
        self._tick = KEEPALIVE_TICK
        self._opened_at = 0.0
        self._last_frame_at = 0.0
        self._frames = 0
        self._requests_sent = 0
        self._reconnects = 0
        self._last_error = ""
        self._backoff: Backoff | None = None
        self._auth: AuthFailurePolicy | None = None
        self._liveness: Liveness | None = None
        self._limiter = None
        """The limiter address last told about the open socket."""
        self._keys_version: int | None = None
        """The last ``KeysState.version`` heard (private); a different one means new keys."""
        self._keys_loaded: bool | None = None

    # -- configuration ------------------------------------------------------------------------
    def on_configure(self, msg) -> None:
        self.endpoint = Endpoint(msg.role.partition(".")[2] or "public")
        if self._backoff is not None:
            return  # a repeated Configure: keep the socket and the policies
        cfg = self.config
        self._backoff = Backoff.from_config(cfg, random.Random())
        self._auth = AuthFailurePolicy.from_config(cfg)
        stall = cfg.stall_timeout if self.endpoint is Endpoint.PUBLIC else None
        self._liveness = Liveness.from_config(cfg, stall_timeout=stall)
        self._tick = min(KEEPALIVE_TICK, cfg.ping_interval / 2)
        self.schedule(self._tick, "keepalive")
        if self._wanted is not None and not self._wanted.empty and self._state == "idle":
            self._request_handshake()  # a set that arrived before this Configure

    def on_directory(self) -> None:
        limiter = self.directory.get("limiter")
        if self._link is not None and limiter != self._limiter:
            # A restarted limiter knows the spent budget (its checkpoint) but not that this
            # socket is open: until it does, it would admit nothing for it.
            self.send(limiter, ConnectionOpened(endpoint=self.endpoint, epoch=self._epoch, url=self.url))
        self._limiter = limiter

    @property
    def url(self) -> str:
        return self.config.private_url if self.endpoint is Endpoint.PRIVATE else self.config.public_url

    # -- the wanted set -----------------------------------------------------------------------
    def receiveMsg_MergedSubscription(self, msg: MergedSubscription, sender) -> None:
        self._want(msg)

    def receiveMsg_SendSubscription(self, msg: SendSubscription, sender) -> None:
        if self._want(msg.merged) and self._link is not None and msg.epoch == self._epoch:
            self._send_request(msg.merged)

    def _want(self, msg: MergedSubscription) -> bool:
        """Record the wanted set; open or close the socket for it. False when nothing more is
        to be done with it (stale, not configured yet, or empty)."""
        if self._wanted is not None and msg.generation < self._wanted.generation:
            return False  # stale
        self._wanted = msg
        if self._backoff is None:
            return False  # not configured yet (the limiter may know our address first): on_configure
        if msg.empty:
            # Upbit has no unsubscribe: with nothing wanted the socket goes (and the private one
            # must not exist at all without a private subscription, issue 5).
            self._close("no streams wanted", retry=False)
            if self._state != "auth_failed":  # stays stopped until new keys or ResetAuth
                self._state = "idle"
            self.cancel("retry")
            return False
        if self._link is None and self._state == "idle":
            self._request_handshake()
        return True

    def _send_request(self, msg: MergedSubscription) -> None:
        try:
            self._link.send_text(encode_request(msg, ticket=f"upbit-actors-{self._epoch}"))
        except LinkError as exc:
            self._lost(str(exc))
            return
        self._requests_sent += 1
        if self.endpoint is Endpoint.PRIVATE and self._auth.failures:
            self._confirm_epoch = self._epoch
            self.schedule(AUTH_CONFIRM_AFTER, "auth_confirm")
        self._liveness.expect_data(time.monotonic(), _streams_data(msg))
        self.send(self.directory.get("limiter"), RequestSent(
            endpoint=self.endpoint, epoch=self._epoch, generation=msg.generation, sent_at=time.time()))

    # -- connecting ---------------------------------------------------------------------------
    def _request_handshake(self) -> None:
        if self._state == "auth_failed":
            return
        self._attempt += 1
        self._state = "waiting_permit"
        self.send(self.directory.get("limiter"),
                  HandshakeRequest(endpoint=self.endpoint, attempt=self._attempt))

    def receiveMsg_HandshakeGranted(self, msg: HandshakeGranted, sender) -> None:
        if msg.attempt != self._attempt or self._state != "waiting_permit":
            return
        if self.endpoint is Endpoint.PRIVATE:
            self._state = "waiting_token"
            self.send(self.directory.get("jwt"), TokenRequest(endpoint=self.endpoint, attempt=msg.attempt))
        else:
            self._open(headers=())

    def receiveMsg_TokenIssued(self, msg: TokenIssued, sender) -> None:
        if msg.attempt == self._attempt and self._state == "waiting_token":
            self._open(headers=(f"Authorization: Bearer {msg.token}",))

    def receiveMsg_TokenUnavailable(self, msg: TokenUnavailable, sender) -> None:
        if msg.attempt == self._attempt:
            self._state = "no_keys"
            self._last_error = msg.reason
            self._alert("auth_failed", msg.reason)

    def _open(self, headers) -> None:
        if self._wanted is None or self._wanted.empty:
            self._state = "idle"
            return
        self._state = "connecting"
        link = WsLink(self.url, headers=headers, timeout=self.config.connect_timeout)
        try:
            link.open()
        except HandshakeRejected as exc:
            if exc.status == 401:
                self._auth_failed("HTTP 401 at the upgrade")
            else:
                self._schedule_retry(f"handshake refused: HTTP {exc.status}")
            return
        except LinkError as exc:
            self._schedule_retry(str(exc))
            return
        self._link = link
        self._epoch += 1
        now = time.monotonic()
        self._opened_at = self._last_frame_at = now
        self._liveness.reset(now)
        self._backoff.on_opened(now)
        self._state = "open"
        self.watched_fds = [link.fileno()]
        opened = ConnectionOpened(endpoint=self.endpoint, epoch=self._epoch, url=self.url)
        for role in ("limiter", "router", "supervisor"):
            self.send(self.directory.get(role), opened)
        self._limiter = self.directory.get("limiter")

    # -- reading ------------------------------------------------------------------------------
    def on_readable(self, fds) -> None:
        if self._link is None:
            return
        try:
            result = self._link.read_available()
        except LinkError as exc:
            self._lost(str(exc))
            return
        now = time.monotonic()
        if result.frames or result.pongs:
            self._liveness.on_frame(now, data=bool(result.frames))
        if result.frames:
            self._last_frame_at = now
            self._frames += len(result.frames)
            self.send(self.directory.get("router"), FrameBatch(
                endpoint=self.endpoint, epoch=self._epoch, frames=result.frames, received_at=time.time()))
            accepted = self._check_errors(result.frames)
            if self._link is None:
                return  # an auth failure closed it and decided what comes next
            if accepted and self.endpoint is Endpoint.PRIVATE:
                self._auth.record_success()
        if result.closed:
            code = result.close_code if result.close_code is not None else 1006
            self._lost(f"closed by server ({code}{': ' + result.close_reason if result.close_reason else ''})")

    def _check_errors(self, frames) -> bool:
        """Notice INVALID_AUTH here: the retry policy for auth failures is the connection's.
        True when some frame was not an error (the server is serving us)."""
        served = False
        for frame in frames:
            if not frame.startswith(_ERROR_PREFIXES):
                served = True
                continue
            for item in decode(frame):
                if isinstance(item, UpbitError):
                    self._last_error = f"{item.name}: {item.message}"
                    if item.name == "INVALID_AUTH":
                        self._auth_failed("INVALID_AUTH frame")
                        return False
        return served

    # -- keep-alive and reconnect ---------------------------------------------------------------
    def on_tick(self, purpose: str) -> None:
        if purpose == "keepalive":
            self.schedule(self._tick, "keepalive")
            if self._link is None:
                return
            now = time.monotonic()
            if now - self._opened_at > STABLE_AFTER:
                self._backoff.reset()
            action = self._liveness.next_action(now)
            if action == "ping":
                try:
                    self._link.ping()
                    self._liveness.on_ping_sent(now)
                except LinkError as exc:
                    self._lost(str(exc))
            elif action == "dead":
                self._lost("link judged dead: no pong after a ping, or no data while streaming")
        elif purpose == "retry" and self._state == "backoff":
            self._request_handshake()
        elif purpose == "auth_confirm" and self._link is not None and self._confirm_epoch == self._epoch:
            self._auth.record_success()  # open well past the request with no INVALID_AUTH

    # -- keys and auth resets (private) ---------------------------------------------------------
    def receiveMsg_KeysState(self, msg: KeysState, sender) -> None:
        changed = self._keys_version is not None and msg.version != self._keys_version
        self._keys_version, self._keys_loaded = msg.version, msg.loaded
        if msg.loaded and (changed or self._state == "no_keys"):
            self._retry_auth()

    def receiveMsg_ResetAuth(self, msg: ResetAuth, sender) -> None:
        self._retry_auth()

    def _retry_auth(self) -> None:
        """Forget the auth failures; a connection that stopped on them (or on missing keys)
        tries again at once if a set is wanted. Idempotent."""
        if self._auth is None or self.endpoint is not Endpoint.PRIVATE:
            return
        self._auth.reset()
        if self._state in ("auth_failed", "no_keys"):
            self._backoff.reset()
            self._state = "idle"
            if self._wanted is not None and not self._wanted.empty:
                self._request_handshake()

    def _lost(self, reason: str) -> None:
        self._close(reason, retry=True)

    def _close(self, reason: str, *, retry: bool) -> None:
        had_link = self._link is not None
        if had_link:
            self._link.close()
            self._link = None
            self.watched_fds = []
        if not had_link and not retry:
            return
        if retry and self._state != "auth_failed":
            self._schedule_retry(reason, lost=had_link)
        elif had_link:
            self._broadcast_lost(reason, None)

    def _schedule_retry(self, reason: str, lost: bool = False, floor: float = 0.0) -> None:
        self._last_error = reason
        if self._wanted is None or self._wanted.empty:
            self._state = "idle"
            return
        delay = max(self._backoff.next_delay(), floor)
        self._reconnects += 1
        self._state = "backoff"
        self._broadcast_lost(reason, delay)
        self.schedule(delay, "retry")

    def _broadcast_lost(self, reason: str, retry_in) -> None:
        lost = ConnectionLost(endpoint=self.endpoint, epoch=self._epoch, reason=reason, retry_in=retry_in)
        for role in ("limiter", "router", "supervisor"):
            self.send(self.directory.get(role), lost)

    def _auth_failed(self, reason: str) -> None:
        retrying = self._auth.record_failure()
        self._last_error = reason
        if self._link is not None:
            self._link.close()
            self._link = None
            self.watched_fds = []
        event = AuthFailed(endpoint=self.endpoint, reason=reason, failures=self._auth.failures,
                           retrying=retrying)
        self.send(self.directory.get("router"), event)
        self.send(self.directory.get("supervisor"), event)
        if retrying:
            self._schedule_retry(reason, floor=self._auth.retry_floor())
        else:
            self._state = "auth_failed"
            self._broadcast_lost(reason, None)

    def _alert(self, kind: str, detail: str) -> None:
        self.send(self.directory.get("router"), StreamAlert(endpoint=self.endpoint, kind=kind, detail=detail))

    def on_stop(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    # -- status -------------------------------------------------------------------------------
    def status_state(self) -> str:
        return self._state

    def status_details(self) -> dict:
        now = time.monotonic()
        return {
            "endpoint": self.endpoint.value,
            "url": self.url,
            "epoch": self._epoch,
            "reconnects": self._reconnects,
            "frames": self._frames,
            "requests_sent": self._requests_sent,
            "generation": self._wanted.generation if self._wanted else None,
            "last_frame_age": round(now - self._last_frame_at, 3) if self._link else None,
            "auth_failures": self._auth.failures if self._auth else 0,
            "keys_version": self._keys_version,
            "last_error": self._last_error,
        }

"""The connection actor: one per endpoint (public, private); owns the socket to Upbit.

| Accepts                  | Emits                                                          |
|--------------------------|----------------------------------------------------------------|
| ``Configure``            | (role ``connection.public`` / ``connection.private``)          |
| ``MergedSubscription``   | what is wanted: opens a connection when the set becomes         |
|                          | non-empty, closes it when empty; never sends by itself          |
| ``SendSubscription``     | the request on the wire of that socket epoch; ``RequestSent``   |
| ``Directory``            | ``ConnectionOpened`` again to a restarted limiter; the last     |
|                          | ``AuthFailed`` again to a restarted router if retries stopped   |
| ``HandshakeGranted``     | (private) ``TokenRequest`` to jwt; then connects               |
| ``TokenIssued``          | connects with ``Authorization: Bearer``                        |
| ``TokenUnavailable``     | ``StreamAlert(auth_failed)``; stays closed                     |
| ``KeysState``            | (private) a new version: auth failures forgotten, retry now    |
| ``ResetAuth``            | (private) auth failures forgotten, retry now                   |
| ``WatchMessage``         | ``FrameBatch`` to the router while credit is left, else they   |
|                          | wait: Thespian's ACK of a batch returns its credit (no reply)  |
| ``Tick``                 | keep-alive pings, dead-link checks, reconnect after backoff    |
| ``ActorExitRequest``     | closes the socket                                              |

``ConnectionOpened`` (to limiter, router, supervisor) makes the limiter send the current merged
set: every reconnect replays the subscriptions, and every request passes the limiter.

Auth failures (private only): INVALID_AUTH or HTTP 401 -> ``AuthFailed`` to the router and the
supervisor; retries wait, and stop after ``max_auth_failures`` until new keys or ``ResetAuth``
(the rules are in ``system.connection.auth``). The private link is judged by pongs alone.
Decisions live in ``system/connection/`` (``state``: phases, epochs, lost sockets; ``liveness``,
``backoff``, ``auth``; ``outflow``: the credit to the router; ``livecheck``, with the base class
``LiveChecked``); socket I/O in ``system.wire.wslink``. This actor only sends, schedules and
touches the socket; opening is the one blocking step (``connect_timeout``).
"""

from __future__ import annotations

import functools
import random
import time
from typing import Any

from upbit_actors.actors.connection_live import LiveChecked
from upbit_actors.actors.connection_wire import WireGuarded
from upbit_actors.messages import (
    AuthFailed,
    Configure,
    ConnectionLost,
    ConnectionOpened,
    Endpoint,
    FrameBatch,
    HandshakeGranted,
    HandshakeRequest,
    KeysState,
    MergedSubscription,
    ResetAuth,
    SendSubscription,
    StreamAlert,
    TokenIssued,
    TokenRequest,
    TokenUnavailable,
)
from upbit_actors.system.connection.liveness import LinkAction
from upbit_actors.system.connection.outflow import Outflow
from upbit_actors.system.connection.state import ConnectionState, Lost, Phase, Want
from upbit_actors.system.wire.wslink import HandshakeRejected, LinkError, WsLink

__all__ = ["ConnectionActor"]

KEEPALIVE_TICK = 1.0
"""Seconds between liveness checks (at most half the ping interval); also re-arms the watch."""

_PEERS = ("limiter", "router", "supervisor")
"""Who hears of every socket opened and lost."""


class ConnectionActor(WireGuarded, LiveChecked):
    """One Upbit WebSocket: a shell around ``ConnectionState`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._conn = ConnectionState(epoch=int(time.time() * 1000))
        """The decisions; epochs start from the clock (see ``ConnectionState.epoch``)."""
        self._link: WsLink | None = None
        self._tick = KEEPALIVE_TICK
        self._limiter: Any = None  # the limiter last told about the open socket
        self._router: Any = None
        self._auth_stop: AuthFailed | None = None
        """The failure that stopped the retries (a new router is told, for later subscribers)."""
        self._out = Outflow()  # frames on their way to the router

    @property
    def endpoint(self) -> Endpoint:
        return self._conn.endpoint

    @property
    def url(self) -> str:
        return self.config.private_url if self.endpoint is Endpoint.PRIVATE else self.config.public_url

    # -- configuration ------------------------------------------------------------------------
    def on_configure(self, msg: Configure) -> None:
        self._conn.endpoint = Endpoint(msg.role.partition(".")[2] or "public")
        self._router = self._router or self.directory.get("router")
        if self._conn.configured:
            return  # a repeated Configure: keep the socket and the policies
        ready = self._conn.configure(self.config, random.Random())
        self._tick = min(KEEPALIVE_TICK, self.config.ping_interval / 2)
        self.schedule(self._tick, "keepalive")
        if ready:
            self._request_handshake()  # a set that arrived before this Configure

    def on_directory(self) -> None:
        limiter = self.directory.get("limiter")
        if self._link is not None and limiter != self._limiter:
            # A restarted limiter learns that the socket is open, and what went on it (sent).
            self.send(limiter, ConnectionOpened(endpoint=self.endpoint, epoch=self._conn.epoch, url=self.url,
                                                sent=self._conn.wire.times()))
        self._limiter = limiter
        router = self.directory.get("router")
        if router != self._router:
            if self._router is not None and self._out.router_changed():
                self.log.warning("%s: frames in flight to the old router are lost", self.role)
            if self._auth_stop is not None and self._conn.phase is Phase.AUTH_FAILED:
                self.send(router, self._auth_stop)
            self._flow()
        self._router = router

    # -- the wanted set -----------------------------------------------------------------------
    def receiveMsg_MergedSubscription(self, msg: MergedSubscription, sender: Any) -> None:
        self._want(msg)

    def receiveMsg_SendSubscription(self, msg: SendSubscription, sender: Any) -> None:
        if self._want(msg.merged) and self._link is not None and msg.epoch == self._conn.epoch:
            self._send_request(msg.merged)

    def _want(self, msg: MergedSubscription) -> bool:
        """Record the wanted set; open or close the socket for it. False when nothing more is
        to be done with it (stale, not configured yet, or empty)."""
        step = self._conn.want(msg)
        if step is Want.CLOSE:
            self._close("no streams wanted", retry=False)  # Upbit has no unsubscribe
            self.cancel("retry")
        elif step is Want.CONNECT:
            self._request_handshake()
        return step in (Want.CONNECT, Want.KEEP)

    # -- connecting ---------------------------------------------------------------------------
    def _request_handshake(self) -> None:
        attempt = self._conn.begin_handshake()
        if attempt is not None:
            self.send(self.directory.get("limiter"), HandshakeRequest(endpoint=self.endpoint, attempt=attempt))

    def receiveMsg_HandshakeGranted(self, msg: HandshakeGranted, sender: Any) -> None:
        if not self._conn.on_permit(msg.attempt):
            return
        if self._conn.phase is Phase.WAITING_TOKEN:
            self.send(self.directory.get("jwt"), TokenRequest(endpoint=self.endpoint, attempt=msg.attempt))
        else:
            self._open(headers=())

    def receiveMsg_TokenIssued(self, msg: TokenIssued, sender: Any) -> None:
        if self._conn.token_current(msg.attempt):
            self._open(headers=(f"Authorization: Bearer {msg.token}",))

    def receiveMsg_TokenUnavailable(self, msg: TokenUnavailable, sender: Any) -> None:
        if self._conn.on_no_token(msg.attempt, msg.reason):
            self.send(self.directory.get("router"),
                      StreamAlert(endpoint=self.endpoint, kind="auth_failed", detail=msg.reason))

    def _open(self, headers: tuple[str, ...]) -> None:
        if not self._conn.start_connect():
            return
        link = WsLink(self.url, headers=headers, timeout=self.config.connect_timeout)
        try:
            link.open()
        except HandshakeRejected as exc:
            if exc.status == 401:
                self._auth_failed("HTTP 401 at the upgrade")
            else:
                self._report_lost(self._conn.retry(f"handshake refused: HTTP {exc.status}"))
            return
        except LinkError as exc:
            self._report_lost(self._conn.retry(str(exc)))
            return
        self._link = link
        epoch = self._conn.on_opened(time.monotonic())
        self._flow()
        self._tell_peers(ConnectionOpened(endpoint=self.endpoint, epoch=epoch, url=self.url))
        self._limiter = self.directory.get("limiter")

    # -- reading ------------------------------------------------------------------------------
    def on_readable(self, fds: tuple[int, ...]) -> None:
        if self._link is None:
            return
        try:
            result = self._link.read_available()
        except LinkError as exc:
            self._lost(str(exc))
            return
        refused = self._conn.on_read(time.monotonic(), frames := self._listed(result.frames), result.pongs)
        if frames:  # LIST_SUBSCRIPTIONS answers were taken off (actors.connection_live)
            self._out.add(self._conn.epoch, frames)
            self._flow()
        if refused:
            self._auth_failed("INVALID_AUTH frame")  # closes the socket, decides what comes next
        elif result.closed:
            code = result.close_code if result.close_code is not None else 1006
            self._lost(f"closed by server ({code}{': ' + result.close_reason if result.close_reason else ''})")

    def _batch_done(self, seq: int, delivered: bool) -> None:
        """The router's process took batch ``seq``, or it could not be (lost, counted)."""
        if delivered:
            self._out.acked(seq)
        elif self._out.failed(seq):
            self.log.warning("%s: a batch could not be delivered to the router", self.role)
        self._flow()

    def _flow(self) -> None:
        """Send what the credit allows; watch the socket unless paused."""
        router = self.directory.get("router") if self.directory else None
        for batch in self._out.take(time.monotonic()) if router is not None else ():
            self.send_acked(router, FrameBatch(endpoint=self.endpoint, epoch=batch.epoch, frames=batch.frames,
                                               received_at=time.time(), seq=batch.seq),
                            functools.partial(self._batch_done, batch.seq))
        link = self._link  # the server may have closed it during the read that called us
        self.watched_fds = [link.fileno()] if link is not None and link.is_open and not self._out.paused else []

    # -- keep-alive and reconnect ---------------------------------------------------------------
    def on_tick(self, purpose: str) -> None:
        if purpose == "keepalive":
            self.schedule(self._tick, "keepalive")
            now = time.monotonic()
            if self._out.expire(now):
                self.log.warning("%s: a batch to the router was never acknowledged", self.role)
            self._flow()
            if self._link is None:
                return
            action = self._conn.keepalive(now, reading=not self._out.paused)
            if action is LinkAction.PING:
                try:
                    self._link.ping()
                    self._conn.liveness.on_ping_sent(now)
                except LinkError as exc:
                    self._lost(str(exc))
            elif action is LinkAction.DEAD:
                self._lost("link judged dead: no pong after a ping, or no data while streaming")
        elif purpose == "retry" and self._conn.retry_due():
            self._request_handshake()
        elif purpose == "auth_confirm":
            self._conn.confirm_auth()
        else:
            super().on_tick(purpose)  # a held set (actors.connection_wire)

    # -- keys and auth resets (private) ---------------------------------------------------------
    def receiveMsg_KeysState(self, msg: KeysState, sender: Any) -> None:
        if self._conn.on_keys(msg.version, msg.loaded):
            self._request_handshake()

    def receiveMsg_ResetAuth(self, msg: ResetAuth, sender: Any) -> None:
        if self._conn.reset_auth():
            self._request_handshake()

    def _auth_failed(self, reason: str) -> None:
        self._drop_link()
        event, lost = self._conn.on_auth_failure(reason)
        self._auth_stop = None if event.retrying else event
        self._router = self.directory.get("router")
        self.send(self._router, event)
        self.send(self.directory.get("supervisor"), event)
        self._report_lost(lost)

    # -- losing the socket ----------------------------------------------------------------------
    def _lost(self, reason: str) -> None:
        self._close(reason, retry=True)

    def _close(self, reason: str, *, retry: bool) -> None:
        had_link = self._drop_link()
        self._report_lost(self._conn.on_closed(reason, retry=retry, had_link=had_link))

    def _drop_link(self) -> bool:  # True if there was a socket to close
        link, self._link = self._link, None
        if link is None:
            return False
        link.close()
        self.watched_fds = []
        self._conn.on_link_closed()
        return True

    def _report_lost(self, lost: Lost | None) -> None:
        if lost is None:
            return
        self._tell_peers(ConnectionLost(endpoint=self.endpoint, epoch=self._conn.epoch, reason=lost.reason,
                                        retry_in=lost.retry_in))
        if lost.retry_in is not None:
            self.schedule(lost.retry_in, "retry")

    def _tell_peers(self, msg: ConnectionOpened | ConnectionLost) -> None:
        for role in _PEERS:
            self.send(self.directory.get(role), msg)

    def on_stop(self) -> None:
        self._drop_link()

    def status_state(self) -> str:
        return self._conn.phase.value

    def status_details(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint.value, "url": self.url, **self._conn.status(time.monotonic()),
                **self._out.status(), "held_sets": self.held_sets}

    def status_queue_depth(self) -> int:
        return self._out.waiting

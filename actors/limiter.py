"""The rate limiter: paces request frames per connection and handshakes across connections.

| Accepts                | Emits                                                              |
|------------------------|--------------------------------------------------------------------|
| ``MergedSubscription`` | ``SendSubscription`` to ``connection.<endpoint>`` when budget      |
|                        | allows; while no socket is open, the set itself (what is wanted)   |
| ``ConnectionOpened``   | the current set again (replay) to the new socket                   |
| ``ConnectionLost``     | nothing; sets wait for the next socket                             |
| ``HandshakeRequest``   | ``HandshakeGranted`` now, or later when a permit frees             |
| ``RequestSent``        | ``ListSubscriptionsGranted`` when the budget allows (a check owed) |
| ``ResendSubscription`` | the current set again, charged like any set                        |
| ``RestPermitRequest`` | ``RestPermit`` now, or when the group's REST window frees          |
| ``Tick`` (poll)        | whatever became allowed                                            |
| (after any admission)  | ``Checkpoint`` of the spent budgets to the supervisor              |

Decisions live in ``system.limiter.budget.RateLimiter`` (SPEC §5 budgets) and, for REST calls,
``system.limiter.rest_budget.RestBudget`` (a budget of its own: Upbit counts REST apart). A restarted limiter gets
its predecessor's spent budgets back from the supervisor (``Configure.state``), and each
connection with an open socket announces it again (``ConnectionOpened``) to the new address,
so a restart never resets the count of what Upbit has already seen.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import (
    ConnectionLost,
    ConnectionOpened,
    Endpoint,
    HandshakeGranted,
    HandshakeRequest,
    ListSubscriptionsGranted,
    MergedSubscription,
    RequestSent,
    ResendSubscription,
    SendSubscription,
)
from upbit_actors.messages.lifecycle import Checkpoint
from upbit_actors.messages.rest import RestPermit, RestPermitRequest
from upbit_actors.system.limiter.budget import RateLimiter
from upbit_actors.system.limiter.rest_budget import REST_WAITING, RestBudget

__all__ = ["LimiterActor"]


class LimiterActor(BaseActor):
    """Shell around ``RateLimiter`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.limiter = RateLimiter()
        self._asked: dict[Endpoint, Any] = {}
        """Endpoint -> address of the connection that asked for a handshake."""
        self._registry = None
        self._open: dict[Endpoint, int] = {}
        """Endpoint -> epoch of its open socket."""
        self._latest: dict[Endpoint, MergedSubscription] = {}
        self._connections: dict[Endpoint, Any] = {}
        """Endpoint -> the connection address in use (a change means it was restarted)."""
        self.requests_sent = 0
        self.rest = RestBudget()
        self._rest_askers: dict[tuple[str, int], Any] = {}
        """(asker, ticket) waiting -> the asker's address (tickets are numbered per asker)."""

    def on_configure(self, msg) -> None:
        if msg.state and not self._open:
            now = time.monotonic()
            self.limiter.restore(msg.state, now)
            self.rest.restore(msg.state.get("rest", {}), now)
            self._open = {Endpoint(name): link["epoch"] for name, link in msg.state.get("links", {}).items()}
        self._registry = self.directory.get("registry")
        self.limiter.check_interval = self.config.live_check_interval
        self._connections = {e: self._connection(e) for e in Endpoint}
        self._pump()

    def on_directory(self) -> None:
        self._registry = self.directory.get("registry")
        for endpoint in Endpoint:
            address = self._connection(endpoint)
            if address == self._connections.get(endpoint):
                continue
            self._connections[endpoint] = address
            # A restarted connection: its socket died with the old process (no ConnectionLost
            # came) and the new one knows no set. Forget the socket, hand it the newest set.
            epoch = self._open.pop(endpoint, None)
            if epoch is not None:
                self.limiter.on_connection_lost(endpoint, epoch)
            latest = self._latest.get(endpoint)
            if latest is not None and address is not None:
                self.send(address, latest)
        self._pump()

    def receiveMsg_MergedSubscription(self, msg: MergedSubscription, sender) -> None:
        fresh = self.limiter.offer(msg, time.monotonic())
        if fresh:
            self._latest[msg.endpoint] = msg
        if fresh and msg.endpoint not in self._open:
            # No socket yet: the connection only records the set and asks for a handshake; the
            # set goes on the wire when ConnectionOpened reaches us (nothing is sent closed).
            address = self._connection(msg.endpoint)
            if address is not None:
                self.send(address, msg)
        self._pump()

    def receiveMsg_ConnectionOpened(self, msg: ConnectionOpened, sender) -> None:
        self._open[msg.endpoint] = msg.epoch
        self.limiter.on_connection_opened(msg.endpoint, msg.epoch, time.monotonic(), msg.sent)
        self._pump()

    def receiveMsg_ConnectionLost(self, msg: ConnectionLost, sender) -> None:
        if self._open.get(msg.endpoint) == msg.epoch:
            del self._open[msg.endpoint]
        self.limiter.on_connection_lost(msg.endpoint, msg.epoch)
        self._pump()

    def receiveMsg_HandshakeRequest(self, msg: HandshakeRequest, sender) -> None:
        self._asked[msg.endpoint] = sender
        if self.limiter.request_handshake(msg.endpoint, time.monotonic()):
            self.send(sender, HandshakeGranted(endpoint=msg.endpoint, attempt=msg.attempt))
            self._checkpoint()
        else:
            self.limiter.wait_handshake(msg.endpoint, msg.attempt)
        self._pump()

    def receiveMsg_RequestSent(self, msg: RequestSent, sender) -> None:
        self.requests_sent += 1
        self.limiter.request_check(msg.endpoint, msg.epoch, time.monotonic())
        self._pump()

    def receiveMsg_ResendSubscription(self, msg: ResendSubscription, sender) -> None:
        self.limiter.resend(msg.endpoint, msg.epoch, time.monotonic())
        self._pump()

    def receiveMsg_RestPermitRequest(self, msg: RestPermitRequest, sender) -> None:
        key = (str(sender), msg.ticket)
        if self.rest.request(msg.group, key, time.monotonic()):
            self.send(sender, RestPermit(ticket=msg.ticket, group=msg.group))
            self._checkpoint()
        else:
            self._rest_askers[key] = sender
            while len(self._rest_askers) > 8 * REST_WAITING:  # tickets the budget dropped long ago
                del self._rest_askers[next(iter(self._rest_askers))]
        self._pump()

    def on_tick(self, purpose: str) -> None:
        if purpose == "poll":
            self._pump()

    def _connection(self, endpoint: Endpoint) -> Any:
        if self.directory is None:
            return None
        return self.directory.get(f"connection.{endpoint.value}")

    def _pump(self) -> None:
        now = time.monotonic()
        admitted = False
        for endpoint, merged in self.limiter.poll(now):
            admitted = True
            address = self._connection(endpoint)
            if address is not None and endpoint in self._open:
                self.send(address, SendSubscription(merged=merged, epoch=self._open[endpoint]))
        for endpoint, epoch in self.limiter.poll_checks(now):
            admitted = True
            address = self._connection(endpoint)
            if address is not None:
                self.send(address, ListSubscriptionsGranted(endpoint=endpoint, epoch=epoch))
        for endpoint, attempt in self.limiter.poll_handshakes(now):
            admitted = True
            address = self._asked.get(endpoint) or self._connection(endpoint)
            if address is not None:
                self.send(address, HandshakeGranted(endpoint=endpoint, attempt=attempt))
        for group, key in self.rest.poll(now):
            admitted = True
            asker = self._rest_askers.pop(key, None)
            if asker is not None:
                self.send(asker, RestPermit(ticket=key[1], group=group))
        if admitted:
            self._checkpoint()
        deadlines = [d for d in (self.limiter.next_deadline(), self.rest.next_deadline()) if d is not None]
        self.schedule_by(min(deadlines, default=None), "poll", now)

    def _checkpoint(self) -> None:
        supervisor = self.directory.get("supervisor") if self.directory else None
        if supervisor is not None:
            state = {**self.limiter.snapshot(), "rest": self.rest.snapshot()}
            self.send(supervisor, Checkpoint(role=self.role or "limiter", state=state))

    def status_details(self) -> dict[str, Any]:
        return {"requests_sent": self.requests_sent, "rest": self.rest.status(time.monotonic()),
                **{k: v for k, v in self.limiter.status(time.monotonic()).items()}}

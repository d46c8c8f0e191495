"""The registry: every component's subscriptions, merged into one set per endpoint.

| Accepts                 | Emits                                                             |
|-------------------------|-------------------------------------------------------------------|
| ``Configure``           | restores the book from ``state`` (a restart); resends every set    |
| ``SetSubscriptions``    | ``Subscribed`` / ``Unsubscribed`` / ``SubscriptionRejected`` (none  |
|                         | for a request overtaken by a newer one, or from an exited instance) |
| ``ComponentExited``     | drops the component's keys                                         |
| ``Directory``           | resends the table to a new router, every set to a new limiter      |
| ``Tick`` (merge)        | ``MergedSubscription`` to ``limiter`` when the merge window ends   |
| market list messages    | see ``actors.registry_markets`` (unknown codes, ``no_snapshot``)   |
| (after any change)      | ``RoutingTable`` to ``router``; ``Checkpoint`` to ``supervisor``   |

Decisions live in ``system.registry.book.SubscriptionBook``; this shell only moves messages.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.actors.registry_markets import MarketsMixin
from upbit_actors.messages import (
    Checkpoint,
    ComponentExited,
    Configure,
    KeysState,
    SetSubscriptions,
)
from upbit_actors.system.registry.book import GENERATIONS_PER_SECOND, SubscriptionBook

__all__ = ["RegistryActor"]


class RegistryActor(MarketsMixin, BaseActor):
    """Shell around ``SubscriptionBook`` (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.book: SubscriptionBook | None = None
        self._sent_routing: int | None = None
        self._peers: dict[str, Any] = {}
        self._early: list[tuple[object, object]] = []
        """Requests that arrived before ``Configure`` (a component may learn our address from a
        new Directory first); handled, in order, once the book exists."""

    def on_configure(self, msg: Configure) -> None:
        if self.book is None:
            # Generations count from our start time in microseconds, so they stay above the
            # last instance's even when no checkpoint survived (GENERATIONS_PER_SECOND).
            self.book = SubscriptionBook.from_config(
                self.config, generation_base=int(time.time() * GENERATIONS_PER_SECOND))
            if msg.state:
                try:
                    self.book.restore(msg.state, time.monotonic())
                except ValueError:
                    self.log.warning("registry: checkpoint unusable, starting empty")
        self._markets_start()
        self._peers = {r: self.directory.get(r) for r in ("limiter", "router", "supervisor")}
        early, self._early = self._early, []
        for message, sender in early:
            getattr(self, f"receiveMsg_{type(message).__name__}")(message, sender)
        self._after_change()

    def on_directory(self) -> None:
        if self.book is None:
            return
        peers = {r: self.directory.get(r) for r in ("limiter", "router", "supervisor")}
        if peers["router"] != self._peers.get("router"):
            self._sent_routing = None  # the new router has no table
        if peers["limiter"] != self._peers.get("limiter"):
            self.book.resend_all(time.monotonic())
        self._peers = peers
        self._after_change()

    def receiveMsg_SetSubscriptions(self, msg: SetSubscriptions, sender) -> None:
        if self.book is None:
            self._hold(msg, sender)
            return
        if self._markets_hold(msg, sender):
            return
        replies = self.book.replace(sender, msg.component, msg.specs, time.monotonic(), seq=msg.seq,
                                    instance=msg.instance, request_id=msg.request_id)
        for reply in replies or ():
            self.send(sender, reply)
        self._after_change()

    def receiveMsg_ComponentExited(self, msg: ComponentExited, sender) -> None:
        if self.book is None:
            self._hold(msg, sender)
            return
        self.book.remove_component(msg.address, time.monotonic(), msg.instance)
        self._after_change()

    def receiveMsg_KeysState(self, msg: KeysState, sender) -> None:
        if self.book is None:
            self._hold(msg, sender)
            return
        for component, rejection in self.book.set_keys(msg.loaded, time.monotonic()):
            self.send(component, rejection)
        self._after_change()

    def _hold(self, msg, sender) -> None:
        if len(self._early) < 1000:
            self._early.append((msg, sender))
        else:
            self.drops += 1

    def on_tick(self, purpose: str) -> None:
        if purpose == "merge":
            self._after_change()
        elif purpose == "markets" and self.book is not None:
            self._markets_pump()

    def _after_change(self) -> None:
        book = self.book
        if book is None:
            return
        now = time.monotonic()
        limiter = self.directory.get("limiter") if self.directory else None
        for merged in book.due(now):
            if limiter is not None:
                self.send(limiter, merged)
        router = self.directory.get("router") if self.directory else None
        if router is not None and book.routing_generation != self._sent_routing:
            self.send(router, book.routing_table())
            self._sent_routing = book.routing_generation
        supervisor = self.directory.get("supervisor") if self.directory else None
        if supervisor is not None:
            self.send(supervisor, Checkpoint(role=self.role or "registry", state=book.snapshot()))
        self.schedule_by(book.next_deadline(), "merge", now)
        self._markets_after_change(now)

    def status_details(self) -> dict[str, Any]:
        if self.book is None:
            return {}
        return {**self.book.status(), **(self.markets.status() if self.markets else {}),
                "no_snapshot_alerts": self.snapshots.alerted if self.snapshots else 0}

"""The registry's market list and snapshot checks: the I/O half (``RegistryActor`` mixes it in).

| Accepts           | Emits                                                                       |
|-------------------|-----------------------------------------------------------------------------|
| ``RestResult``    | (the market list) ``SubscriptionRejected`` to holders of codes it lacks;    |
|                   | held ``SetSubscriptions`` handled; ``MarketsKnown`` to waiting askers       |
| ``MarketsQuery``  | ``MarketsKnown`` once the first fetch ended either way                      |
| ``SnapshotsSeen`` | ``StreamAlert(no_snapshot)`` to each holder of a silent stream              |
| ``Tick`` (markets)| ``RestGet(/v1/market/all)`` to ``rest`` when due; ``SnapshotQuery`` to      |
|                   | ``router`` for keys past ``snapshot_timeout``                               |

Until the first fetch of the list ends, ``SetSubscriptions`` wait here (bounded), so a code is
judged against the list and not let through by a startup race. Decisions live in
``system.registry.markets`` (``MarketWatch``, ``SnapshotWatch``) and ``checks.market_reason``.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.messages import Endpoint, StreamAlert
from upbit_actors.messages.rest import MarketsKnown, MarketsQuery, RestResult, SnapshotQuery, SnapshotsSeen
from upbit_actors.system.registry.markets import FETCH_DEADLINE, MarketWatch, SnapshotWatch
from upbit_actors.system.rest.parse import rest_base

__all__ = ["HELD_LIMIT", "MarketsMixin"]

HELD_LIMIT = 1_000
"""Requests held while the first fetch runs; beyond it they are handled unchecked (counted)."""


class MarketsMixin:
    """Handlers and helpers for ``RegistryActor`` (uses its ``book``, ``directory``, ``send``)."""

    markets: MarketWatch | None = None
    snapshots: SnapshotWatch | None = None

    def _markets_start(self) -> None:
        if self.markets is None:
            config = self.config
            enabled = rest_base(config.public_url, config.rest_url) is not None and config.market_refresh is not None
            self.markets = MarketWatch(enabled=enabled, refresh=config.market_refresh or 3600.0,
                                       deadline=max(FETCH_DEADLINE, 3 * config.rest_timeout))
            self.snapshots = SnapshotWatch(timeout=config.snapshot_timeout)
            self._held: list[tuple[Any, Any]] = []
            self._askers: list[tuple[Any, str]] = []
            self.markets.start(time.monotonic())
        self.book.markets = self.markets.codes
        self._markets_pump()

    def _markets_hold(self, msg: Any, sender: Any) -> bool:
        """Hold ``msg`` while the first fetch runs; False when it may be handled now."""
        if self.markets is None or self.markets.settled or len(self._held) >= HELD_LIMIT:
            return False
        self._held.append((msg, sender))
        return True

    def receiveMsg_MarketsQuery(self, msg: MarketsQuery, sender) -> None:
        if self.markets is not None and self.markets.settled:
            self.send(sender, self._known(msg.request_id))
        elif self.markets is not None:
            self._askers.append((sender, msg.request_id))
            del self._askers[:-HELD_LIMIT]
        else:
            self._hold(msg, sender)  # before Configure: answered once configured

    def _known(self, request_id: str) -> MarketsKnown:
        codes = self.markets.codes
        return MarketsKnown(request_id=request_id, codes=None if codes is None else tuple(sorted(codes)),
                            reason=self.markets.reason)

    def receiveMsg_RestResult(self, msg: RestResult, sender) -> None:
        if self.markets is None:
            return
        now = time.monotonic()
        was_settled = self.markets.settled
        if self.markets.on_result(msg, now) and self.markets.codes is not None:
            for component, rejection in self.book.set_markets(self.markets.codes, now):
                self.send(component, rejection)
            self.snapshots.checked(k for r in self.book.routing_table().routes for k in r.keys)
        if self.markets.settled and not was_settled:
            self._settled()
        self._after_change()

    def _settled(self) -> None:
        held, self._held = self._held, []
        for message, sender in held:
            self.receiveMsg_SetSubscriptions(message, sender)
        askers, self._askers = self._askers, []
        for asker, request_id in askers:
            self.send(asker, self._known(request_id))

    def receiveMsg_SnapshotsSeen(self, msg: SnapshotsSeen, sender) -> None:
        if self.snapshots is None:
            return
        silent = set(self.snapshots.silent(msg.check, msg.keys))
        if not silent:
            return
        why = self.markets.reason if self.markets is not None else ""
        for route in self.book.routing_table().routes:
            by_type: dict[Any, list[str]] = {}
            for key in route.keys:
                if key in silent:
                    by_type.setdefault(key.data_type, []).append(key.code)
            for data_type, codes in by_type.items():
                detail = (f"{data_type.value} {', '.join(codes)}: no event within "
                          f"{self.snapshots.timeout:g} s; unchecked ({why or 'no market list'}): "
                          "Upbit answers a code it does not list with silence")
                self.send(route.component, StreamAlert(endpoint=Endpoint.PUBLIC, kind="no_snapshot",
                                                       detail=detail, codes=tuple(codes)))

    def _markets_after_change(self, now: float) -> None:
        """After any change: new keys start their snapshot clock while no list is known."""
        if self.markets is None or self.snapshots is None:
            return
        held = [k for r in self.book.routing_table().routes for k in r.keys]
        self.snapshots.sync(held, now, unchecked=self.markets.codes is None)
        self._markets_pump()

    def _markets_pump(self) -> None:
        now = time.monotonic()
        fetch = self.markets.due(now)
        rest = self.directory.get("rest") if self.directory else None
        if fetch is not None and rest is not None:
            self.send(rest, fetch)
        elif fetch is not None:  # no rest actor (yet): counts as a failed fetch
            self.markets.on_result(RestResult(ticket=fetch.ticket, path=fetch.path, error="rest_off"), now)
            self._settled()
        query = self.snapshots.due(now)
        router = self.directory.get("router") if self.directory else None
        if query is not None and router is not None:
            self.send(router, SnapshotQuery(check=query[0], keys=query[1]))
        deadlines = [d for d in (self.markets.next_deadline(), self.snapshots.next_deadline()) if d is not None]
        self.schedule_by(min(deadlines, default=None), "markets", now)

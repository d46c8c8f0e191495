"""The router's gap and backfill handling (a mixin of ``RouterActor``; decisions in
``system.router.gaps.GapKeeper``).

| Accepts               | Emits                                                                  |
|-----------------------|------------------------------------------------------------------------|
| ``FrameBatch`` of a   | a ``Gap`` marker per stream that had one, in its holders' streams;     |
| new epoch             | ``BackfillRequest`` per trade code to the backfill actor (created here |
|                       | on first need, a child of the router)                                  |
| ``BackfillDone``      | the trade ``Gap``, then the fetched and held trades, in time order;    |
|                       | ``StreamAlert(backfill_exceeded / backfill_failed)`` when not filled   |
| ``Tick`` (gaps)       | holds past their deadline released, unfilled                           |
| ``ChildActorExited``  | the backfill actor died: made again for the next request               |
"""

from __future__ import annotations

import time
from typing import Any

from thespian.actors import ChildActorExited

from upbit_actors.actors.backfill import BackfillActor
from upbit_actors.messages import BackfillDone, Configure, Endpoint, FrameBatch, StreamAlert
from upbit_actors.system.rest.parse import rest_base
from upbit_actors.system.router.gaps import GapKeeper

__all__ = ["RouterGaps"]


class RouterGaps:
    """Gap markers, holds and the backfill child, for ``RouterActor`` (see the module docstring)."""

    gaps: GapKeeper | None = None
    _backfill: Any = None
    _gaps_epoch: int | None = None

    def gaps_configure(self) -> None:
        if self.gaps is None:
            rest = rest_base(self.config.public_url, self.config.rest_url)
            self.gaps = GapKeeper(backfill=self.config.backfill_limit > 0 and rest is not None)

    def gaps_in(self, msg: FrameBatch, items: list[Any]) -> list[Any]:
        """The items of ``msg`` to route now (a new epoch marks its gaps first)."""
        if self.gaps is None:
            return items
        now = time.monotonic()
        items, requests = self.gaps.on_batch(self.state, msg.endpoint, msg.epoch, items, now, time.time())
        if requests:
            backfill = self._backfill_actor()
            for request in requests:
                self.send(backfill, request)
        if requests or self.gaps.epoch(msg.endpoint) != self._gaps_epoch:
            self._gaps_epoch = self.gaps.epoch(msg.endpoint)
            self._gaps_arm(now)
        return items

    def _backfill_actor(self) -> Any:
        if self._backfill is None:
            self._backfill = self.createActor(BackfillActor)
            self.send(self._backfill, Configure(role="backfill", config=self.config, directory=self.directory))
        return self._backfill

    def gaps_directory(self) -> None:
        if self._backfill is not None:
            self.send(self._backfill, self.directory)  # a restarted limiter's address

    def receiveMsg_ChildActorExited(self, msg: ChildActorExited, sender) -> None:
        if msg.childAddress == self._backfill:
            self._backfill = None  # pending holds end at their deadline

    def receiveMsg_Started(self, msg: Any, sender) -> None:
        """The backfill actor's answer to ``Configure`` (the supervisor watches only its own)."""

    def receiveMsg_BackfillDone(self, msg: BackfillDone, sender) -> None:
        if self.gaps is None or self.state is None:
            return
        items = self.gaps.on_done(self.state, msg, time.time())
        if items is None:
            return
        if not msg.complete:
            kind = "backfill_exceeded" if msg.detail.startswith("window") else "backfill_failed"
            self._alert(StreamAlert(endpoint=Endpoint.PUBLIC, kind=kind, detail=f"{msg.code}: {msg.detail}"))
        self._gaps_route(items)

    def gaps_tick(self) -> None:
        if self.gaps is not None and self.state is not None:
            self._gaps_route(self.gaps.expire(self.state, time.monotonic(), time.time()))

    def _gaps_route(self, items: list[Any]) -> None:
        now = time.monotonic()
        epoch = self.gaps.epoch(Endpoint.PUBLIC)
        if items and epoch is not None:
            self.events_in.update(item.data_type for item in items)
            self.state.on_events(Endpoint.PUBLIC, epoch, items, now, time.time())
        self._gaps_arm(now)
        self._flush()

    def _gaps_arm(self, now: float) -> None:
        self.schedule_by(self.gaps.next_deadline(), "gaps", now)

    def gaps_status(self) -> dict[str, Any]:
        return self.gaps.status() if self.gaps is not None else {}

"""Components: the actors a bot writes. Subclass ``Component`` and override the handlers.

A component asks for streams with ``self.subscribe(...)`` (usually in ``on_start``), receives
typed events through ``on_ticker`` / ``on_trade`` / ``on_orderbook`` / ``on_candle`` /
``on_my_order`` / ``on_my_asset``, and never sees Upbit's wire format. Example::

    class Board(Component):
        def on_start(self):
            self.subscribe(DataType.TICKER, ["KRW-BTC", "KRW-ETH"])

        def on_ticker(self, ticker):
            print(ticker.code, ticker.trade_price)

| Accepts                    | Emits                                           |
|----------------------------|-------------------------------------------------|
| ``Configure``              | ``SetSubscriptions`` (from on_start)            |
| ``Directory``              | ``SetSubscriptions`` again to a new registry    |
| ``EventFrames``            | decodes them; ``on_batch`` (no reply: the       |
|                            | router's credit is Thespian's transport ACK)    |
| ``SubscriptionRejected``   | calls ``on_rejected``                           |
| ``Subscribed``/``Unsubscribed`` | calls ``on_subscribed``                    |
| ``StreamAlert``            | calls ``on_alert``                              |
| (a ``Gap`` in the frames)  | calls ``on_gap``, in order with the events      |
| ``ActorExitRequest``       | ``ComponentExited`` to the supervisor: a clean  |
|                            | exit, not a crash (no restart, no crash report) |

The component keeps its own copy of what it asked for and every request carries that whole set
(``SetSubscriptions``, numbered): Thespian may deliver one sender's messages out of order under
load, and a whole numbered set cannot be misapplied the way a late delta can. It sends the set
again whenever the registry's address changes (a restart), so a component never has to notice a
restart to keep its data flowing. A spec of the wrong shape is rejected here, before any message.
``subscribe`` adds to that set; ``replace_subscriptions`` swaps it whole, in one request.

Output: with ``HubConfig.component_output`` (default), what the component prints or logs reaches
the bot's ``logging`` under ``upbit_actors.component.NAME`` (``system.runtime.output``).
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

import attrs

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import (
    ComponentExited,
    DataType,
    EventBatch,
    EventFrames,
    Gap,
    Loss,
    Policy,
    SetSubscriptions,
    StreamAlert,
    StreamSpec,
    Subscribed,
    SubscriptionRejected,
    Unsubscribed,
)
from upbit_actors.system.metrics.histogram import LatencyHistogram
from upbit_actors.system.runtime.output import capture_component_output
from upbit_actors.system.wire.codec.batch import Decoder, wanted_pairs
from upbit_actors.system.wire.requests import make_spec, validate_spec

__all__ = ["Component"]

_HANDLERS = {
    "Ticker": "on_ticker",
    "Trade": "on_trade",
    "Orderbook": "on_orderbook",
    "Candle": "on_candle",
    "MyOrder": "on_my_order",
    "MyAsset": "on_my_asset",
    "Gap": "on_gap",
}


class Component(BaseActor):
    """Base class of user components (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.name = ""
        """The component's name, as given to ``Hub.spawn``."""
        self.params: dict[str, Any] = {}
        """Keyword parameters given to ``Hub.spawn``."""
        self._wanted: dict[StreamSpec, None] = {}
        self._rejected_id = ""
        self._registry = None
        self._ids = itertools.count(1)
        self._instance = uuid.uuid4().hex
        self._seq = 0
        self._started = False
        self.events_received = 0
        self.events_dropped = 0
        self.undecodable = 0
        self._decoder = Decoder()
        """Decodes this component's frames; drops trades it already got (after a reconnect)."""
        """Frames routed here that the codec could not read (each a ``DecodeError``)."""
        self.batch_seconds = LatencyHistogram()
        """Seconds per batch: decoding it and running the handlers (``on_batch``)."""

    # -- user API ---------------------------------------------------------------------------
    def on_start(self) -> None:
        """Called once the component is configured; subscribe here."""

    def subscribe(self, data_type: DataType | str, codes=(), *, depth: int | None = None,
                  level: float | None = None, only_snapshot: bool = False,
                  only_realtime: bool = False, policy: Policy | str | None = None,
                  limit: int | None = None, rate: float | None = None) -> str:
        """Add ``data_type`` on ``codes`` to this component's set; returns the request id echoed
        in the reply.

        It adds: what was subscribed before stays (``subscribe(TICKER, ["KRW-BTC"])`` then
        ``subscribe(TICKER, ["KRW-ETH"])`` holds both). To switch to another set in one request,
        use ``replace_subscriptions``; to drop one, ``unsubscribe``.

        ``policy`` chooses what happens to these events while this component falls behind:
        ``latest`` (default for ticker, orderbook, candles), ``drop_oldest`` / ``drop_newest``
        with ``limit`` (default for trades: drop_oldest at ``HubConfig.buffer_limit``),
        ``throttle`` with ``rate`` (events per second per code, the newest wins), ``block``
        (never drop; default for myOrder and myAsset). Losses arrive in ``on_losses``."""
        spec = make_spec(data_type, codes, depth=depth, level=level, only_snapshot=only_snapshot,
                         only_realtime=only_realtime, policy=policy, limit=limit, rate=rate)
        if not self._accept(spec):
            return self._rejected_id
        self._wanted[spec] = None
        return self._sync()

    def replace_subscriptions(self, *specs: StreamSpec | tuple) -> str:
        """Make this component's set exactly ``specs``, in one request (no gap, no overlap).

        Each is a ``StreamSpec`` or a tuple ``(data_type, codes)`` or ``(data_type, codes,
        {"depth": 5, ...})`` with ``subscribe``'s options. An invalid one is rejected
        (``on_rejected``) and the others are kept. No ``specs``: unsubscribe from everything."""
        wanted: dict[StreamSpec, None] = {}
        for item in specs:
            spec = item if isinstance(item, StreamSpec) else make_spec(
                item[0], item[1], **(item[2] if len(item) > 2 else {}))
            if self._accept(spec):
                wanted[spec] = None
        self._wanted = wanted
        return self._sync()

    def _accept(self, spec: StreamSpec) -> bool:
        """True for a valid spec; else a ``SubscriptionRejected`` to self (``_rejected_id``)."""
        if reason := validate_spec(spec):
            self._rejected_id = self._request_id()
            self.send(self.myAddress, SubscriptionRejected(request_id=self._rejected_id,
                                                           reason=reason, spec=spec))
            return False
        return True

    def unsubscribe(self, data_type: DataType | str | None = None, codes=(), **options) -> str:
        """Drop a stream (same arguments as ``subscribe``), or every stream with no arguments."""
        if data_type is None:
            self._wanted.clear()
        else:
            gone = make_spec(data_type, codes, **options)
            same = attrs.evolve(gone, delivery=None)  # whatever policy it was asked with
            for spec in [s for s in self._wanted if attrs.evolve(s, delivery=None) == same]:
                del self._wanted[spec]
        return self._sync()

    def on_event(self, event: Any) -> None:
        """Fallback for event types without a specific handler."""

    def on_ticker(self, event) -> None:
        self.on_event(event)

    def on_trade(self, event) -> None:
        self.on_event(event)

    def on_orderbook(self, event) -> None:
        self.on_event(event)

    def on_candle(self, event) -> None:
        self.on_event(event)

    def on_my_order(self, event) -> None:
        self.on_event(event)

    def on_my_asset(self, event) -> None:
        self.on_event(event)

    def on_batch(self, batch: EventBatch) -> None:
        """Handles a whole batch; the default reports its losses (``on_losses``) and calls the
        per-type handler of each event."""
        if batch.losses:
            self.on_losses(batch.losses)
        for event in batch.events:
            getattr(self, _HANDLERS.get(type(event).__name__, "on_event"))(event)

    def on_gap(self, gap: Gap) -> None:
        """A stream had a gap (a reconnect): what it missed follows (``Gap.filled``: trades
        fetched from REST, ``stream_type`` BACKFILL, come next, before the live ones). In
        ``on_batch`` it is one of ``batch.events``, in its place."""

    def on_losses(self, losses: tuple[Loss, ...]) -> None:
        """What this component's overflow policies took since its previous batch, by type and
        reason, with the codes and since when (at most once per batch)."""

    def on_rejected(self, msg: SubscriptionRejected) -> None:
        """A request was invalid; nothing of it reached Upbit."""

    def on_subscribed(self, msg: Subscribed | Unsubscribed) -> None:
        """A request was accepted."""

    def on_alert(self, msg: StreamAlert) -> None:
        """An Upbit error, an auth failure or a connection change."""

    # -- actor shell --------------------------------------------------------------------------
    def on_configure(self, msg) -> None:
        self.name = msg.role.partition(":")[2] or msg.role
        self.params = dict(msg.state or ())
        if self.config.component_output:  # print and logging reach the bot (runtime.output)
            capture_component_output(self.name, self.config.component_log_level)
        self._registry = self.directory.get("registry")
        if not self._started:
            self._started = True
            self.on_start()

    def on_directory(self) -> None:
        registry = self.directory.get("registry")
        if registry is not None and registry != self._registry:
            self._registry = registry
            if self._seq:  # a restarted registry may have missed the latest set
                self._sync()

    def receiveMsg_EventFrames(self, msg: EventFrames, sender) -> None:
        started = time.perf_counter()
        batch = self._decoder.decode(msg, wanted_pairs(self._wanted))
        self.events_received += len(batch.events)
        self.events_dropped += batch.dropped
        self.drops += batch.dropped  # the status table's DROPS column
        self.undecodable += batch.undecodable
        try:
            self.on_batch(batch)
        finally:
            self.batch_seconds.observe(time.perf_counter() - started)

    def receiveMsg_SubscriptionRejected(self, msg: SubscriptionRejected, sender) -> None:
        if msg.spec is not None:
            self._wanted.pop(msg.spec, None)
        self.on_rejected(msg)

    def receiveMsg_Subscribed(self, msg: Subscribed, sender) -> None:
        self.on_subscribed(msg)

    def receiveMsg_Unsubscribed(self, msg: Unsubscribed, sender) -> None:
        self.on_subscribed(msg)

    def receiveMsg_StreamAlert(self, msg: StreamAlert, sender) -> None:
        self.on_alert(msg)

    def on_stop(self) -> None:
        supervisor = self.directory.get("supervisor") if self.directory else None
        if supervisor is not None:
            self.send(supervisor, ComponentExited(address=self.myAddress, name=self.name,
                                                  instance=self._instance))

    def status_details(self) -> dict:
        return {"name": self.name, "subscriptions": [_describe(spec) for spec in self._wanted],
                "events_received": self.events_received, "events_dropped": self.events_dropped,
                "undecodable": self.undecodable, "duplicates": self._decoder.duplicates,
                "unwanted": self._decoder.unwanted,
                "batch_seconds": self.batch_seconds.as_dict()}

    def _request_id(self) -> str:
        return f"{self.name or 'component'}-{next(self._ids)}"

    def _sync(self) -> str:
        """Send the whole wanted set, numbered; returns the request id."""
        request_id = self._request_id()
        self._seq += 1
        if self._registry is not None:
            self.send(self._registry, SetSubscriptions(
                specs=tuple(self._wanted), seq=self._seq, instance=self._instance,
                request_id=request_id, component=self.name))
        return request_id


def _describe(spec: StreamSpec) -> str:
    """``ticker:KRW-BTC,KRW-ETH`` (options appended when set), for status output."""
    text = f"{spec.data_type.value}:{','.join(spec.codes) or '*'}"
    options = {k: v for k, v in attrs.asdict(spec.options).items() if v not in (None, False)}
    return text + "".join(f" {k}={v}" for k, v in options.items())

"""``QtFeed``: the hub's events as Qt signals, on the GUI thread, at most one batch per frame.

Needs PySide6 (the ``qt`` extra: ``pip install 'upbit-actors[qt]'``)::

    from upbit_actors import DataType, Hub, HubConfig
    from upbit_actors.system.embed.qt import QtFeed       # or: from upbit_actors import QtFeed

    app = QApplication([])
    with Hub(HubConfig.from_env()) as hub:
        feed = QtFeed(hub)                                   # create it on the GUI thread
        feed.tickers.connect(board.show_tickers)             # list[Ticker], one per code
        feed.trades.connect(tape.add_trades)                 # list[Trade], every trade
        feed.subscribe(DataType.TICKER, ["KRW-BTC", "KRW-ETH"])
        feed.subscribe(DataType.TRADE, ["KRW-BTC"])
        app.exec()
        feed.close()

Why batches: a stream can bring thousands of events a second, and a slot per event would keep
the GUI thread from painting. Each subscription is a ``BridgeStream`` (its own thread); its
callback puts events into a ``Coalescer`` (latest per code for tickers and orderbooks, every
trade). The first event after a frame wakes the GUI thread once, through a queued signal; that
starts a single-shot ``QTimer`` of ``frame_ms`` (default 16 ms, ~60 Hz) on the GUI thread, whose
timeout takes everything collected and emits one signal per kind that has events. So the GUI
thread runs at most one delivery per frame, and nothing at all while the market is quiet. Every
public signal is emitted on the GUI thread (the feed's thread), so a slot may touch widgets.

Blocking: ``subscribe`` waits until the stream's subscription is sent (milliseconds);
``unsubscribe`` and ``close`` join the stream's thread (at most ``streams.LISTEN``, 0.2 s each).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from upbit_actors.messages import Candle, DataType, MyAsset, MyOrder, Orderbook, StreamAlert, Ticker, Trade
from upbit_actors.system.embed.bridge import BridgeStream, Notice, open_stream
from upbit_actors.system.embed.coalesce import LIMIT, Coalescer

__all__ = ["FRAME_MS", "QtFeed"]

FRAME_MS = 16
"""Milliseconds from the first event of a frame to its delivery: ~60 Hz, a display's rate."""


class QtFeed(QObject):
    """Typed signals per event kind, emitted on the feed's (GUI) thread, one batch per frame."""

    tickers = Signal(list)
    """list[Ticker]: the latest ticker of each code that changed since the last frame."""
    orderbooks = Signal(list)
    """list[Orderbook]: the latest orderbook of each code that changed."""
    candles = Signal(list)
    """list[Candle]: the latest candle of each (code, interval) that changed."""
    trades = Signal(list)
    """list[Trade]: every trade since the last frame, in arrival order."""
    my_orders = Signal(list)
    """list[MyOrder]: every private order event."""
    my_assets = Signal(list)
    """list[MyAsset]: every private asset event."""
    alert = Signal(object)
    """A ``StreamAlert`` (connection lost/restored, Upbit error, auth failure), one per emit."""
    rejected = Signal(object)
    """A ``SubscriptionRejected``: the stream it names will bring nothing."""
    ended = Signal(str)
    """The name of a stream that ended without ``unsubscribe``/``close``: the tree gave up
    (``hub.failure``), or the hub was stopped first."""

    _wake = Signal()  # from a stream thread: the first item of a frame is there

    _SIGNALS: ClassVar[dict[type, str]] = {
        Ticker: "tickers", Orderbook: "orderbooks", Candle: "candles", Trade: "trades",
        MyOrder: "my_orders", MyAsset: "my_assets"}

    def __init__(self, hub: Any, parent: QObject | None = None, *, frame_ms: int = FRAME_MS,
                 limit: int = LIMIT) -> None:
        super().__init__(parent)
        self._hub = hub
        self._coalescer = Coalescer(limit)
        self._streams: dict[str, BridgeStream] = {}
        self._closing: set[str] = set()
        self.frames = 0
        """Deliveries made (timer timeouts that found something)."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(frame_ms)
        self._timer.timeout.connect(self._deliver)
        self._wake.connect(self._arm, Qt.ConnectionType.QueuedConnection)

    @property
    def received(self) -> int:
        """Events the stream threads handed to the feed."""
        return self._coalescer.received

    @property
    def replaced(self) -> int:
        """Tickers, orderbooks and candles replaced by a newer one of their code in a frame."""
        return self._coalescer.replaced

    @property
    def streams(self) -> dict[str, BridgeStream]:
        """Open streams by name (their ``received``, ``dropped``, ``alerts``, ``rejections``)."""
        return dict(self._streams)

    # -- subscriptions (GUI thread) -----------------------------------------------------------
    def subscribe(self, data_type: DataType | str, codes: Iterable[str] | str = (), *,
                  name: str | None = None, **options: Any) -> str:
        """Open a stream (``options``: those of ``Hub.stream``); returns its name."""
        stream: BridgeStream | None = None

        def on_end() -> None:  # the stream's thread is done; a close we asked for is no news
            if stream is not None and stream.name not in self._closing:
                self._wake_if(self._coalescer.end(stream.name))

        stream = open_stream(self._hub, data_type, codes, name=name, callback=self._put,
                             on_notice=self._note, on_end=on_end, **options)
        self._streams[stream.name] = stream
        return stream.name

    def unsubscribe(self, name: str) -> None:
        """Close the stream ``name`` (its subscription is released); unknown names are ignored."""
        stream = self._streams.pop(name, None)
        if stream is not None:
            self._closing.add(name)
            stream.close()
            self._closing.discard(name)

    def close(self) -> None:
        """Close every stream and stop delivering; safe to call twice."""
        for name in list(self._streams):
            self.unsubscribe(name)
        self._coalescer.close()
        self._timer.stop()

    # -- stream threads -----------------------------------------------------------------------
    def _put(self, event: Any) -> None:
        self._wake_if(self._coalescer.put(event))

    def _note(self, notice: Notice) -> None:
        self._wake_if(self._coalescer.note(notice))

    def _wake_if(self, needed: bool) -> None:
        if needed:
            self._wake.emit()  # queued: _arm runs on the feed's thread

    # -- the GUI thread -----------------------------------------------------------------------
    def _arm(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _deliver(self) -> None:
        frame = self._coalescer.take()
        if not (frame.events or frame.notices or frame.ended):
            return
        self.frames += 1
        for kind, events in frame.events.items():
            signal = self._SIGNALS.get(kind)
            if signal is not None:
                getattr(self, signal).emit(events)
        for notice in frame.notices:
            (self.alert if isinstance(notice, StreamAlert) else self.rejected).emit(notice)
        for name in frame.ended:
            self._streams.pop(name, None)
            self.ended.emit(name)

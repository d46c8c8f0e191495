"""The Qt bridge on real processes, headless: ``QtFeed`` over a ``Hub`` (multiprocTCPBase) against
the simulator on 127.0.0.1, with a real Qt event loop on the offscreen platform.

Skipped only when PySide6 cannot be imported (it is in the ``test`` extra, so CI runs these).
The hub starts before the ``QApplication`` (it forks the actor system's first process). Waits
run the Qt event loop until a condition holds or a deadline passes (``spin``); the one wait that
does not (``wait_for``) is on purpose: it keeps the GUI thread busy while the streams go on.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets", reason="PySide6 cannot be imported (the qt extra)")

from PySide6.QtCore import QEventLoop, QThread, QTimer
from PySide6.QtWidgets import QApplication

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig, Ticker
from upbit_actors.system.embed.qt import QtFeed
from upbit_actors.system.errors import RequestError
from upbit_actors.tools.qt_board import open_board
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import details, wait_for

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE"]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=400, markets=CODES, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    with Hub(HubConfig(public_url=sim.public_url, merge_window=0.1, backoff_initial=0.2)) as hub:
        yield hub


@pytest.fixture(scope="module")
def app(hub: Hub) -> Iterator[QApplication]:
    """An offscreen QApplication, made after the hub started and shut down after the tests."""
    before = os.environ.get("QT_QPA_PLATFORM")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    application = QApplication.instance() or QApplication(["test_qt"])
    try:
        yield application
    finally:
        application.shutdown()
        if before is None:
            os.environ.pop("QT_QPA_PLATFORM", None)
        else:
            os.environ["QT_QPA_PLATFORM"] = before


@pytest.fixture
def feed(app: QApplication, hub: Hub) -> Iterator[QtFeed]:
    feed = QtFeed(hub)
    try:
        yield feed
    finally:
        feed.close()
        feed.deleteLater()


def spin(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Run a Qt event loop until ``check()`` (polled every 20 ms on the GUI thread) is truthy."""
    loop, found = QEventLoop(), {}
    deadline = time.monotonic() + timeout

    def poll() -> None:
        if value := check():
            found["value"] = value
            loop.quit()
        elif time.monotonic() > deadline:
            loop.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    loop.exec()
    timer.stop()
    if "value" not in found:
        raise AssertionError(f"timed out waiting for {what} ({timeout} s)")
    return found["value"]


def lost_then_restored(kinds: list[str]) -> bool:
    """A ``connection_lost`` and a ``connection_restored`` after it (the socket also opens anew,
    heard as ``connection_restored``, when a merged set that had emptied gets a stream again)."""
    return "connection_lost" in kinds and "connection_restored" in kinds[kinds.index("connection_lost"):]


def on_gui_thread(app: QApplication) -> bool:
    return QThread.currentThread() == app.thread() and threading.current_thread() is threading.main_thread()


def test_signals_arrive_on_the_gui_thread_in_batches(app: QApplication, hub: Hub, feed: QtFeed) -> None:
    record: list[tuple[str, list, bool]] = []
    for kind in ("tickers", "trades", "orderbooks"):
        getattr(feed, kind).connect(lambda batch, kind=kind: record.append((kind, batch, on_gui_thread(app))))
    names = [feed.subscribe(DataType.TICKER, CODES), feed.subscribe(DataType.TRADE, CODES),
             feed.subscribe(DataType.ORDERBOOK, CODES[:2], depth=5)]
    spin(lambda: {"tickers", "trades", "orderbooks"} <= {k for k, _, _ in record}
         and any(k == "trades" and len(b) > 1 for k, b, _ in record), what="every kind, a batch of trades")
    assert all(on_gui for _, _, on_gui in record)
    for kind, batch, _ in record:
        codes = [e.code for e in batch]
        assert batch and set(codes) <= set(CODES)
        if kind != "trades":  # latest per code: one of each code at most per frame
            assert len(codes) == len(set(codes)), codes
    for kind in ("tickers", "trades", "orderbooks"):  # one delivery per kind per frame, at most
        assert sum(k == kind for k, _, _ in record) <= feed.frames
    assert set(names) <= {c["name"] for c in details(hub, "registry")["components"]}
    feed.close()
    wait_for(lambda: not set(names) & {c["name"] for c in details(hub, "registry")["components"]},
             what="the feed's streams released")


def test_a_busy_gui_thread_gets_the_latest_ticker_per_code(app: QApplication, feed: QtFeed) -> None:
    batches: list[list[Ticker]] = []
    feed.tickers.connect(batches.append)
    feed.subscribe(DataType.TICKER, CODES)
    spin(lambda: batches, what="tickers flowing")
    # The GUI thread is busy (it runs no event loop) while the stream keeps collecting.
    received, replaced, delivered = feed.received, feed.replaced, len(batches)
    wait_for(lambda: feed.received >= received + 4 * len(CODES), what="tickers collected meanwhile")
    batch = spin(lambda: batches[delivered] if len(batches) > delivered else None, what="the next frame")
    codes = [t.code for t in batch]
    assert len(codes) == len(set(codes)) <= len(CODES)
    assert feed.replaced - replaced >= 3 * len(CODES)  # what came for a code already held replaced it


def test_alerts_and_rejections_arrive_as_signals(app: QApplication, sim: Simulator, feed: QtFeed) -> None:
    alerts: list[tuple[str, bool]] = []
    rejected: list[tuple[str, bool]] = []
    feed.alert.connect(lambda a: alerts.append((a.kind, on_gui_thread(app))))
    feed.rejected.connect(lambda r: rejected.append((r.reason, on_gui_thread(app))))
    with pytest.raises(RequestError, match="krw-btc"):  # checked before anything is sent
        feed.subscribe(DataType.TICKER, ["krw-btc"])
    feed.subscribe(DataType.TICKER, ["KRW-BTC"])
    spin(lambda: feed.received, what="tickers flowing")
    sim.drop_all()
    spin(lambda: lost_then_restored([k for k, _ in alerts]), what="the reconnect's alerts")
    assert all(on_gui for _, on_gui in alerts), alerts


def test_the_example_window_fills_from_the_simulator(app: QApplication, hub: Hub, tmp_path) -> None:
    feed, window = open_board(hub, CODES, "KRW-BTC")
    try:
        window.show()
        spin(window.filled, what="the board and the book filled")
        assert all(window.board.item(row, 1) is not None for row in range(len(CODES)))
        assert window.book.item(0, 1) is not None or window.book.item(2 * 8 - 1, 1) is not None
        path = tmp_path / "board.png"
        assert window.grab().save(str(path)) and path.stat().st_size > 1000
    finally:
        feed.close()
        window.close()

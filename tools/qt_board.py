"""Example: a Qt window on the hub, a ticker board and an orderbook (needs the ``qt`` extra).

::

    python -m upbit_actors.tools.qt_board --sim                      # the bundled simulator
    python -m upbit_actors.tools.qt_board --codes KRW-BTC,KRW-ETH    # Upbit (or UPBIT_PUBLIC_URL)
    QT_QPA_PLATFORM=offscreen python -m upbit_actors.tools.qt_board --sim --screenshot shot.png

The window only connects slots to a ``QtFeed``: the feed's signals arrive on the GUI thread at
most once per frame (latest ticker and orderbook per code, every trade), so the slots may touch
widgets, and a busy market costs one table update per frame. The hub starts before the
``QApplication``: starting it forks the actor system's first process, best done before Qt runs.
``--screenshot`` waits until the board and the book are filled, saves the window as a PNG
(``docs/qt_example.png`` was made this way) and exits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from upbit_actors.actors.tree import Hub
from upbit_actors.messages import Change, DataType, HubConfig
from upbit_actors.system.embed.qt import QtFeed
from upbit_actors.tools.sim import SimConfig, Simulator

__all__ = ["BoardWindow", "main", "open_board"]

CODES = ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA")
DEPTH = 8
"""Levels shown on each side of the book."""
COLORS = {Change.RISE: QColor("#c62828"), Change.FALL: QColor("#1565c0"), Change.EVEN: QColor("#424242")}
"""Upbit's colours: a rise is red, a fall blue."""


def _cell(text: str, color: QColor | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if color is not None:
        item.setForeground(color)
    return item


class BoardWindow(QWidget):
    """Tickers of ``codes`` on the left, the orderbook of ``book_code`` on the right."""

    def __init__(self, feed: QtFeed, codes: Sequence[str], book_code: str) -> None:
        super().__init__()
        self.setWindowTitle("upbit-actors: Qt example")
        self.book_code = book_code
        self.rows = {code: i for i, code in enumerate(codes)}
        self.prices: dict[str, float] = {}
        self.trades = 0
        self.book_levels = 0
        self.board = QTableWidget(len(codes), 4)
        self.board.setHorizontalHeaderLabels(["Market", "Price", "Change", "Volume 24h"])
        self.book = QTableWidget(2 * DEPTH, 3)
        self.book.setHorizontalHeaderLabels(["Ask size", "Price", "Bid size"])
        for table in (self.board, self.book):
            table.verticalHeader().hide()
            table.verticalHeader().setDefaultSectionSize(22)
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
            table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for code, row in self.rows.items():
            self.board.setItem(row, 0, _cell(code))
        self.status = QLabel("waiting for data")
        book_box = QVBoxLayout()
        book_box.addWidget(QLabel(f"Orderbook {book_code}"))
        book_box.addWidget(self.book)
        board_box = QVBoxLayout()
        board_box.addWidget(QLabel("Tickers"))
        board_box.addWidget(self.board)
        tables = QHBoxLayout()
        tables.addLayout(board_box, 3)
        tables.addLayout(book_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(tables)
        layout.addWidget(self.status)
        self.resize(860, 470)
        feed.tickers.connect(self.show_tickers)
        feed.orderbooks.connect(self.show_orderbooks)
        feed.trades.connect(self.count_trades)
        feed.alert.connect(lambda alert: self.status.setText(f"alert: {alert.kind} {alert.detail}"))

    def filled(self) -> bool:
        """Every code has a price, the book its levels and a trade came: worth a screenshot."""
        return len(self.prices) == len(self.rows) and self.book_levels > 0 and self.trades > 0

    def show_tickers(self, tickers: list) -> None:
        for ticker in tickers:
            row = self.rows.get(ticker.code)
            if row is None:
                continue
            color = COLORS.get(ticker.change)
            self.prices[ticker.code] = ticker.trade_price
            self.board.setItem(row, 1, _cell(f"{ticker.trade_price:,.2f}", color))
            self.board.setItem(row, 2, _cell(f"{ticker.signed_change_rate:+.2%}", color))
            self.board.setItem(row, 3, _cell(f"{ticker.acc_trade_volume_24h:,.1f}"))

    def show_orderbooks(self, books: list) -> None:
        book = next((b for b in reversed(books) if b.code == self.book_code), None)
        if book is None:
            return
        units = book.orderbook_units[:DEPTH]
        self.book_levels = len(units)
        self.book.clearContents()
        for i, unit in enumerate(reversed(units)):  # asks: highest on top, best just above the bids
            row = DEPTH - len(units) + i
            self.book.setItem(row, 0, _cell(f"{unit.ask_size:,.4f}", COLORS[Change.FALL]))
            self.book.setItem(row, 1, _cell(f"{unit.ask_price:,.2f}", COLORS[Change.FALL]))
        for i, unit in enumerate(units):
            self.book.setItem(DEPTH + i, 1, _cell(f"{unit.bid_price:,.2f}", COLORS[Change.RISE]))
            self.book.setItem(DEPTH + i, 2, _cell(f"{unit.bid_size:,.4f}", COLORS[Change.RISE]))

    def count_trades(self, trades: list) -> None:
        self.trades += len(trades)
        last = trades[-1]
        self.status.setText(f"{self.trades:,} trades; last {last.code} {last.trade_price:,.2f} "
                            f"x {last.trade_volume:g} ({len(trades)} in this frame)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m upbit_actors.tools.qt_board",
                                     description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sim", action="store_true", help="run the bundled simulator and use it")
    parser.add_argument("--codes", default=",".join(CODES), help="comma-separated markets")
    parser.add_argument("--book", help="the orderbook's market (default: the first code)")
    parser.add_argument("--screenshot", metavar="PNG", help="save the filled window and exit")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds to wait for a filled window with --screenshot")
    args = parser.parse_args(argv)
    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    book_code = args.book or codes[0]
    sim = Simulator(SimConfig(rate=300, markets=codes)).start() if args.sim else None
    config = HubConfig(public_url=sim.public_url) if sim else HubConfig.from_env()
    try:
        with Hub(config) as hub:  # before the QApplication (see the module docstring)
            return _show(hub, codes, book_code, args)
    finally:
        if sim is not None:
            sim.stop()


def open_board(hub: Hub, codes: Sequence[str], book_code: str) -> tuple[QtFeed, BoardWindow]:
    """The feed and the window on it, subscribed (call on the GUI thread, a QApplication up)."""
    feed = QtFeed(hub)
    window = BoardWindow(feed, codes, book_code)
    feed.subscribe(DataType.TICKER, codes)
    feed.subscribe(DataType.ORDERBOOK, [book_code], depth=15)
    feed.subscribe(DataType.TRADE, codes)
    return feed, window


def _show(hub: Hub, codes: list[str], book_code: str, args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    feed, window = open_board(hub, codes, book_code)
    window.show()
    outcome = {"status": 0}
    if args.screenshot:
        outcome["status"] = 1  # until the window is filled and saved

        def shoot() -> None:
            if window.filled() and window.grab().save(args.screenshot):
                outcome["status"] = 0
                app.quit()

        poll = QTimer(window)
        poll.timeout.connect(shoot)
        poll.start(200)
        QTimer.singleShot(int(args.timeout * 1000), app.quit)  # not filled in time: status 1
    try:
        app.exec()
    finally:
        feed.close()
    return outcome["status"]


if __name__ == "__main__":
    sys.exit(main())

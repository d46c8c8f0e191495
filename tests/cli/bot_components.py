"""Components the command and embedding tests of issue 14 spawn (importable by path: every actor
process loads them)."""

from __future__ import annotations

import logging
import sys

from upbit_actors.actors.component import Component
from upbit_actors.messages import DataType


class Swapper(Component):
    """Subscribes to tickers, then replaces its whole set in one step (one invalid spec among
    the new ones); reports ``swapped`` and how many were rejected."""

    def on_start(self) -> None:
        self.rejected = 0
        self.swapped = False
        self.subscribe(DataType.TICKER, ["KRW-BTC"])
        self.subscribe(DataType.TICKER, ["KRW-ETH"])  # adds: both held now
        self.held_before = len(self._wanted)
        self.replace_subscriptions((DataType.TRADE, ["KRW-ETH"]),
                                   ("orderbook", ["KRW-XRP"], {"depth": 5}),
                                   (DataType.TICKER, ["krw-btc"]))  # lower case: rejected
        self.swapped = self.held_before == 2

    def on_rejected(self, msg) -> None:
        self.rejected += 1

    def status_details(self) -> dict:
        return {**super().status_details(), "swapped": self.swapped, "rejected": self.rejected}


class Talker(Component):
    """Prints and logs what a bot author would, on start and on every ticker batch until it has
    said ``params["lines"]`` lines of each kind (then reports ``done``)."""

    def on_start(self) -> None:
        self.said = 0
        self.log_ = logging.getLogger("talker_bot")  # a user module's logger
        self.subscribe(DataType.TICKER, self.params.get("codes", ["KRW-BTC"]))
        self._say()

    def _say(self) -> None:
        self.said += 1
        print(f"hello from print #{self.said}")
        self.log_.info("info from logging #%d", self.said)
        self.log_.debug("debug #%d: below the forwarded level", self.said)
        print(f"oops on stderr #{self.said}", file=sys.stderr)

    def on_batch(self, batch) -> None:
        if self.said < self.params.get("lines", 3):
            self._say()

    def status_details(self) -> dict:
        return {**super().status_details(), "said": self.said}

"""What the registry book's tests share: spec builders, a pool of valid specs, and a component.

``FakeComponent`` talks to a ``SubscriptionBook`` the way ``actors.component.Component`` talks
to the registry: it keeps the specs it wants (an ordered set), sends the whole set numbered with
a higher ``seq`` after every change (``SetSubscriptions``, applied by ``SubscriptionBook.replace``),
and forgets a spec once it hears it was rejected.
"""

from __future__ import annotations

from typing import Any

from attrs import define, field

from upbit_actors.messages.common import DataType
from upbit_actors.messages.subscription import (
    StreamOptions,
    StreamSpec,
    Subscribed,
    SubscriptionRejected,
    Unsubscribed,
    WireStream,
)
from upbit_actors.system.registry.book import SubscriptionBook

T = DataType
Reply = Subscribed | Unsubscribed | SubscriptionRejected


def spec(data_type: DataType, *codes: str, **options: object) -> StreamSpec:
    return StreamSpec(data_type=data_type, codes=codes, options=StreamOptions(**options))


def ws(data_type: DataType, *codes: str, **kw: object) -> WireStream:
    return WireStream(data_type=data_type, codes=codes, **kw)


CODE_SETS = [(), ("KRW-BTC",), ("KRW-ETH", "KRW-BTC"), ("BTC-XRP", "USDT-BTC", "KRW-ETH"),
             ("KRW-BTC", "KRW-ETH", "BTC-XRP", "USDT-BTC")]
FLAGS = [{}, {"only_snapshot": True}, {"only_realtime": True}]


def _spec_pool() -> list[StreamSpec]:
    """Every valid spec shape over a few codes (sampling a list is much faster than composing)."""
    pool = [spec(T.MY_ASSET)] + [spec(T.MY_ORDER, *codes) for codes in CODE_SETS]
    for data_type in (T.TICKER, T.TRADE, T.CANDLE_1M):
        pool += [spec(data_type, *codes, **flags) for codes in CODE_SETS[1:] for flags in FLAGS]
    for depth in (None, 1, 5, 30):
        for level in (None, 0, 1000.0):
            for flags in FLAGS[:2]:
                pool += [spec(T.ORDERBOOK, *codes, depth=depth, level=level, **flags) for codes in CODE_SETS[1:4]]
    return pool


SPEC_POOL: list[StreamSpec] = _spec_pool()
"""For hypothesis' ``sampled_from``."""


@define
class FakeComponent:
    """One component instance: its address, name, wanted specs and request numbering."""

    book: SubscriptionBook
    """Where the sets go; point it at a restored book to model a registry restart."""
    address: Any
    name: str = ""
    """Shown in routes; the address as a string when empty."""
    instance: str = ""
    """This incarnation; the address as a string when empty."""
    wanted: dict[StreamSpec, None] = field(factory=dict)
    seq: int = 0

    def add(self, *specs: StreamSpec, now: float, request_id: str = "") -> list[Reply]:
        """``Component.subscribe``: want ``specs`` too."""
        self.wanted.update(dict.fromkeys(specs))
        return self.send(now, request_id)

    def remove(self, *specs: StreamSpec, now: float, request_id: str = "") -> list[Reply]:
        """``Component.unsubscribe``: stop wanting ``specs``, or everything without any."""
        if specs:
            for spec in specs:
                self.wanted.pop(spec, None)
        else:
            self.wanted.clear()
        return self.send(now, request_id)

    def only(self, *specs: StreamSpec, now: float, request_id: str = "") -> list[Reply]:
        """Want exactly ``specs`` from now on."""
        self.wanted = dict.fromkeys(specs)
        return self.send(now, request_id)

    def send(self, now: float, request_id: str = "") -> list[Reply]:
        """Send the whole wanted set with the next ``seq``; the registry's replies come back."""
        self.seq += 1
        replies = self.book.replace(self.address, self.name or str(self.address), tuple(self.wanted),
                                    now, seq=self.seq, instance=self.instance or str(self.address),
                                    request_id=request_id)
        assert replies is not None, "the newest set of a live instance is always applied"
        for reply in replies:
            self.hear(reply)
        return replies

    def hear(self, reply: Reply) -> None:
        """A rejected spec is forgotten, as ``Component`` does."""
        if isinstance(reply, SubscriptionRejected) and reply.spec is not None:
            self.wanted.pop(reply.spec, None)


def rejections(replies: list[Reply]) -> list[SubscriptionRejected]:
    return [r for r in replies if isinstance(r, SubscriptionRejected)]


def subscribed(replies: list[Reply]) -> Subscribed:
    """The one ``Subscribed`` among ``replies``."""
    (reply,) = [r for r in replies if isinstance(r, Subscribed)]
    return reply

"""Which overflow policy a consumer's events of one type get, and whether a choice is valid.

A consumer chooses a ``Delivery`` per data type when it subscribes (``StreamSpec.delivery``);
without a choice each type has the default a trading bot expects (issue 16):

==================  ==============================  =============================================
type                default                         why
==================  ==============================  =============================================
ticker, orderbook   latest (per code and book)      each frame is a whole state (SPEC §3.1, §3.3)
candle.*            latest (per code and period)    a period repeats, newest wins (SPEC §3.4)
trade               drop_oldest, ``buffer_limit``   a tape keeps the newest trades it can hold
myOrder, myAsset    block                           an order tracker must never lose an event
==================  ==============================  =============================================

``block`` never drops below ``BLOCK_HARD_LIMIT`` waiting events (memory must stay bounded: past
it the oldest go, counted as ``overflow``); past the consumer's ``limit`` its owner is told.

Whether a choice is valid is a request rule: ``system.wire.requests.delivery_reason``.

Pure. Exception tree: none raised.
"""

from __future__ import annotations

from upbit_actors.messages.common import CANDLE_TYPES, PRIVATE_TYPES, DataType
from upbit_actors.messages.subscription import Delivery, Policy

__all__ = ["BLOCK_HARD_LIMIT", "default_delivery", "resolve"]

BLOCK_HARD_LIMIT: int = 1_000_000
"""Events a ``block`` consumer may have waiting before the oldest are dropped (``overflow``):
~1 GB of frames at worst, hours of myOrder traffic; a consumer that far behind is stuck."""
def default_delivery(data_type: DataType, buffer_limit: int) -> Delivery:
    """The policy of ``data_type`` when the consumer chose none."""
    if data_type in PRIVATE_TYPES:
        return Delivery(policy=Policy.BLOCK, limit=buffer_limit)
    if data_type is DataType.TRADE:
        return Delivery(policy=Policy.DROP_OLDEST, limit=buffer_limit)
    return Delivery(policy=Policy.LATEST, limit=buffer_limit if data_type in CANDLE_TYPES else None)


def resolve(delivery: Delivery | None, data_type: DataType, buffer_limit: int) -> Delivery:
    """The effective policy: the consumer's choice with its bound filled in, or the default."""
    if delivery is None:
        return default_delivery(data_type, buffer_limit)
    if delivery.limit is None and delivery.policy is not Policy.THROTTLE:
        return Delivery(policy=delivery.policy, limit=buffer_limit, rate=delivery.rate)
    return delivery

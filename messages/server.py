"""Frames the server sends that are not market data, and the codec's own decode error.

- ``UpbitError``: ``{"error":{"name":…,"message":…}}``; the server closes the socket with 1000
  about 150 ms later (SPEC §6).
- ``StatusUp``: the ``{"status":"UP"}`` keep-alive, every 10 s after a text ``PING`` (SPEC §4).
- ``SubscriptionListing``: the reply to ``LIST_SUBSCRIPTIONS`` (SPEC §2.1).
- ``DecodeError``: a frame the codec could not read; never raised, always returned.
"""

from __future__ import annotations

from attrs import field, frozen

__all__ = ["DecodeError", "ListedSubscription", "StatusUp", "SubscriptionListing", "UpbitError"]

UPBIT_ERROR_NAMES = frozenset(
    {"INVALID_AUTH", "WRONG_FORMAT", "NO_TICKET", "NO_TYPE", "NO_CODES", "INVALID_PARAM"}
)
"""Error names Upbit documents (SPEC §6); others are still decoded, not rejected."""


@frozen(kw_only=True)
class UpbitError:
    """An error frame; the connection is about to be closed by the server."""

    name: str
    """``INVALID_AUTH``, ``WRONG_FORMAT``, ``NO_TICKET``, ``NO_TYPE``, ``NO_CODES``, ``INVALID_PARAM``."""
    message: str
    """Server text (Korean on api.upbit.com, English on regional servers)."""


@frozen
class StatusUp:
    """The ``{"status":"UP"}`` keep-alive."""

    status: str = "UP"


@frozen(kw_only=True)
class ListedSubscription:
    """One entry of a LIST_SUBSCRIPTIONS result."""

    type: str
    codes: tuple[str, ...] = field(converter=tuple, default=())
    level: float | None = None


@frozen(kw_only=True)
class SubscriptionListing:
    """The live subscription set as the server sees it."""

    result: tuple[ListedSubscription, ...] = field(converter=tuple)
    ticket: str | None = None


@frozen(kw_only=True)
class DecodeError:
    """A frame that is not a valid Upbit frame; the stream goes on."""

    reason: str
    """What was wrong, e.g. ``not JSON: …`` or ``ticker.trade_price: expected number``."""
    excerpt: str = ""
    """The start of the frame (at most 200 characters), for the log."""

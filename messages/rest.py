"""The REST protocol: calls to Upbit's quotation REST API, their permits, the market list.

REST calls block, so none runs in the connection's or the router's receive path: the ``rest``
actor makes them, one at a time, each after the rate limiter granted a permit of its group
(SPEC §5: 10/s per group per IP; REST and WebSocket budgets are separate). Any actor that makes a
REST call of its own asks the limiter the same way.

=======================  ==========================================================
message                  from -> to
=======================  ==========================================================
``RestGet``              any role -> rest: GET a path when the limiter allows
``RestResult``           rest -> the asker: the body, or the error
``RestPermitRequest``    rest (or any REST caller) -> limiter: one call of a group
``RestPermit``           limiter -> that asker: make the call now
``MarketsQuery``         hub -> registry: the market list it checks codes against
``MarketsKnown``         registry -> hub: the list, or why there is none
``SnapshotQuery``        registry -> router: which of these streams produced an event?
``SnapshotsSeen``        router -> registry: those that did
=======================  ==========================================================
"""

from __future__ import annotations

from attrs import field, frozen

from upbit_actors.messages.subscription import StreamKey

__all__ = [
    "MarketsKnown",
    "MarketsQuery",
    "RestGet",
    "RestPermit",
    "RestPermitRequest",
    "RestResult",
    "SnapshotQuery",
    "SnapshotsSeen",
]


@frozen(kw_only=True)
class RestGet:
    """Command: GET ``path`` (e.g. ``/v1/market/all``) with ``params`` from ``HubConfig.rest_url``,
    paced by the limiter; answered with ``RestResult(ticket)`` to the sender."""

    ticket: str
    """The asker's own id, echoed in the answer."""
    path: str
    params: tuple[tuple[str, str], ...] = field(converter=tuple, default=())


@frozen(kw_only=True)
class RestResult:
    """Event: the answer to ``RestGet(ticket)``: a 2xx ``body``, or ``error`` (Upbit's error name,
    or ``unreachable``, ``bad_body``, ``queue_full``, ``rest_off``) and ``detail``."""

    ticket: str
    path: str
    status: int = 0
    """HTTP status; 0 when no HTTP answer came."""
    body: bytes = b""
    error: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def __str__(self) -> str:  # Thespian formats every message it moves (THESPIAN.md): keep it cheap
        return f"RestResult({self.ticket}, {self.path}, {self.status}, {len(self.body)} bytes, {self.error})"


@frozen(kw_only=True)
class RestPermitRequest:
    """Command: may ``ticket`` make one REST call of rate group ``group`` (``market``, ``trade``...)?
    Asked again with the same ticket, it is still one request (granted once while waiting)."""

    ticket: int
    group: str


@frozen(kw_only=True)
class RestPermit:
    """Event: make the call of ``ticket`` now (it is already counted against the group)."""

    ticket: int
    group: str


@frozen(kw_only=True)
class MarketsQuery:
    """Command: the registry's market list, answered once its first fetch ended either way."""

    request_id: str = ""


@frozen(kw_only=True)
class MarketsKnown:
    """Event: the codes listed on Upbit (``codes``), or None when the list is not known (REST off,
    or the fetch failed: ``reason``); then codes are accepted unchecked."""

    request_id: str = ""
    codes: tuple[str, ...] | None = None
    """Sorted; None when unknown."""
    reason: str = ""

    def __str__(self) -> str:
        count = "none" if self.codes is None else len(self.codes)
        return f"MarketsKnown({self.request_id}, {count} codes, {self.reason})"


@frozen(kw_only=True)
class SnapshotQuery:
    """Command: which of ``keys`` have produced any event since the router holds them?"""

    check: int
    keys: tuple[StreamKey, ...] = field(converter=tuple, default=())


@frozen(kw_only=True)
class SnapshotsSeen:
    """Event: the answer to ``SnapshotQuery(check)``: the keys that have produced an event."""

    check: int
    keys: tuple[StreamKey, ...] = field(converter=tuple, default=())

"""The live set checked (issue 13 item 5): what Upbit says a socket carries, against what was sent.

Upbit answers ``[{"ticket":…},{"method":"LIST_SUBSCRIPTIONS"},{"format":…}]`` with the set it holds
for the connection (SPEC §2.1 rule 4; ``samples/list_subscriptions_official.json``)::

    {"method":"LIST_SUBSCRIPTIONS","result":[{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},
     {"type":"orderbook","codes":["KRW-BTC","KRW-ETH"],"level":0}],"ticket":"unique uuid"}

The rate limiter says when (after each set sent and every ``HubConfig.live_check_interval``: each
request is a message of the 5/s, 100/min budget, SPEC §5). ``LiveCheck`` says what:

- ``begin``: the request, with the connection's OWN format (a format object switches the format of
  the whole connection, §2.1 rule 4), remembering the set on the wire when it went;
- ``take``: which frames are answers (they stay with the connection: the router never sees them,
  consumers never get them as events) and the ``Verdict`` of each. The socket keeps order, so an
  answer describes every set sent before its request; a set sent after it is checked by a later one;
- a mismatch of the set still on the wire asks for it again (``ResendSubscription`` to the limiter),
  at most ``MAX_RESENDS`` times in a row per set: a server that keeps differing is counted and
  logged, not flooded.

Comparison, one key per (type, code, depth, level), both sides normalised:

==========================  ===================================================================
what                        rule
==========================  ===================================================================
orderbook depth ``.N``      compared only when the answer shows suffixes (the docs never show
                            one); no suffix is 30, the default (SPEC §2)
level                       orderbook only; absent, None and 0 are equal
is_only_snapshot/realtime   not in the answer (SPEC §2.1): not compared; a key held only by
                            only_snapshot streams may be missing (the server may retire it
                            after its snapshot [UNVERIFIED])
myAsset, myOrder (all)      code None (``codes`` absent or ``[]``, SPEC §3.5-3.6)
==========================  ===================================================================

Pure: no thespian, socket or clock (``now`` comes in). Exception tree: none raised.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from attrs import define, field, frozen

from upbit_actors.messages import DataType, Endpoint, MergedSubscription, ResendSubscription, WireStream
from upbit_actors.messages.server import ListedSubscription, SubscriptionListing
from upbit_actors.system.wire.codec.decode import decode
from upbit_actors.system.wire.requests import encode_list_subscriptions

__all__ = ["ANSWER_TIMEOUT", "MAX_RESENDS", "MAX_WAITING", "LiveCheck", "Verdict", "listed_keys", "sent_keys"]

ANSWER_TIMEOUT: float = 10.0
"""Seconds after which a request without an answer counts as ``unanswered`` (the server answers
within a round trip; 10 s covers a stalled link, which the liveness rules judge anyway)."""
MAX_RESENDS: int = 3
"""Sets sent again in a row for one generation that keeps differing; then only counted."""
MAX_WAITING: int = 4
"""Requests awaiting an answer at most; past it the oldest counts as unanswered."""
MARKER = b"LIST_SUBSCRIPTIONS"
"""In every answer, in all four formats (``method`` / ``mthd`` value); in no data frame."""
DEFAULT_DEPTH = 30
SHOWN = 5
"""Keys named per side in a mismatch detail."""

Key = tuple[str, "str | None", "int | None", float]
"""(type, code without suffix, orderbook depth or None, level)."""


def _key(kind: str, raw: str | None, level: float | None) -> Key:
    if kind != DataType.ORDERBOOK.value:
        return (kind, raw, None, 0.0)
    code, dot, suffix = (raw or "").partition(".")
    depth = int(suffix) if dot and suffix.isdigit() else DEFAULT_DEPTH
    return (kind, code, depth, float(level or 0.0))


def sent_keys(streams: Iterable[WireStream]) -> tuple[frozenset[Key], frozenset[Key]]:
    """(required, optional) keys of a set sent: optional ones are held by only_snapshot streams only."""
    required: set[Key] = set()
    optional: set[Key] = set()
    for stream in streams:
        target = optional if stream.only_snapshot else required
        codes = stream.codes if stream.data_type is not DataType.MY_ASSET else ()
        target.update(_key(stream.data_type.value, code, stream.level) for code in codes or (None,))
    return frozenset(required), frozenset(optional - required)


def listed_keys(result: Sequence[ListedSubscription]) -> tuple[frozenset[Key], bool]:
    """The keys of an answer, and whether it shows orderbook depth suffixes."""
    keys = {_key(item.type, code, item.level) for item in result for code in item.codes or (None,)}
    shows_depth = any("." in code for item in result if item.type == DataType.ORDERBOOK.value
                      for code in item.codes)
    return frozenset(keys), shows_depth


def _name(key: Key) -> str:
    kind, code, depth, level = key
    depth_part = f".{depth}" if depth not in (None, DEFAULT_DEPTH) else ""
    return f"{kind}:{code or '*'}{depth_part}" + (f"@{level:g}" if level else "")


def _names(keys: Iterable[Key]) -> tuple[str, ...]:
    return tuple(sorted(map(_name, keys)))


@frozen
class Verdict:
    """One answer judged against the set it describes."""

    missing: tuple[str, ...]
    """Keys sent that Upbit does not hold."""
    extra: tuple[str, ...]
    """Keys Upbit holds that were not sent."""
    resend: ResendSubscription | None = None
    """What to tell the limiter (None: matched, superseded, or resent too often already)."""

    @property
    def matched(self) -> bool:
        return not self.missing and not self.extra

    @property
    def detail(self) -> str:
        parts = []
        for label, names in (("missing", self.missing), ("extra", self.extra)):
            if names:
                more = f" (+{len(names) - SHOWN} more)" if len(names) > SHOWN else ""
                parts.append(f"{label} {', '.join(names[:SHOWN])}{more}")
        return "; ".join(parts)


@frozen
class _Asked:
    ticket: str
    epoch: int
    generation: int
    required: frozenset[Key]
    optional: frozenset[Key]
    sent_at: float


@define
class LiveCheck:
    """The checks of one connection (see the module docstring)."""

    endpoint: Endpoint = Endpoint.PUBLIC
    waiting: deque[_Asked] = field(factory=deque)
    """Requests on the wire, oldest first, awaiting their answer."""
    epoch: int | None = None
    """The socket the requests went on; answers are looked for only there."""
    open_requests: int = 0
    """Requests on this socket not answered yet (also past the timeout: a late answer is still
    taken off the frames)."""
    seq: int = 0
    resent_generation: int | None = None
    resends_in_row: int = 0
    checks: int = 0
    matches: int = 0
    mismatches: int = 0
    resends: int = 0
    unanswered: int = 0
    last_mismatch: str = ""

    def begin(self, epoch: int, socket: int | None, sent: MergedSubscription | None, now: float) -> bytes | None:
        """The request frame for a grant on socket ``epoch``; None when stale (``socket``, the open
        socket, is another or none) or nothing was sent on it yet (``sent`` is its last set)."""
        self._expire(now)
        if epoch != socket or sent is None:
            return None
        if self.epoch != epoch:
            self.epoch, self.open_requests = epoch, 0
            self.waiting.clear()  # their socket is gone
        if len(self.waiting) >= MAX_WAITING:
            self.waiting.popleft()
            self.unanswered += 1
        self.seq += 1
        ticket = f"upbit-actors-{epoch}-list-{self.seq}"
        required, optional = sent_keys(sent.streams)
        self.waiting.append(_Asked(ticket, epoch, sent.generation, required, optional, now))
        self.open_requests += 1
        self.checks += 1
        return encode_list_subscriptions(ticket, sent.format)

    def take(self, frames: Sequence[bytes], epoch: int, sent: MergedSubscription | None,
             now: float) -> tuple[Sequence[bytes], list[Verdict]]:
        """Split the answers off ``frames`` read on socket ``epoch`` (whose last set is ``sent``):
        (the other frames, one ``Verdict`` per answer that matched a request). Cheap while no
        answer is due: the frames come back as they are."""
        if not self.open_requests or epoch != self.epoch:
            return frames, []
        rest: list[bytes] = []
        verdicts: list[Verdict] = []
        for frame in frames:
            listings = [item for item in decode(frame) if isinstance(item, SubscriptionListing)] \
                if MARKER in frame else []
            if not listings:
                rest.append(frame)
            for listing in listings:
                self.open_requests = max(0, self.open_requests - 1)
                asked = self._match(listing.ticket)
                if asked is not None:
                    verdicts.append(self._judge(asked, listing, sent))
        self._expire(now)
        return rest, verdicts

    def _match(self, ticket: str | None) -> _Asked | None:
        """The request an answer belongs to: by ticket, else the oldest (a server that does not
        echo our ticket); None for a late answer to a request already counted unanswered."""
        for asked in self.waiting:
            if asked.ticket == ticket:
                self.waiting.remove(asked)
                return asked
        if ticket is not None and ticket.startswith("upbit-actors-"):
            return None
        return self.waiting.popleft() if self.waiting else None

    def _judge(self, asked: _Asked, listing: SubscriptionListing, sent: MergedSubscription | None) -> Verdict:
        listed, shows_depth = listed_keys(listing.result)
        required, optional = asked.required, asked.optional
        if not shows_depth:
            required, optional = _no_depth(required), _no_depth(optional)
            listed = _no_depth(listed)
        verdict = Verdict(missing=_names(required - listed), extra=_names(listed - required - optional))
        if verdict.matched:
            self.matches += 1
            self.resends_in_row = 0
            return verdict
        self.mismatches += 1
        self.last_mismatch = verdict.detail
        if sent is None or sent.generation != asked.generation:
            return verdict  # a newer set went since: its own check judges it
        if self.resent_generation != sent.generation:
            self.resent_generation, self.resends_in_row = sent.generation, 0
        if self.resends_in_row >= MAX_RESENDS:
            return verdict
        self.resends_in_row += 1
        self.resends += 1
        return Verdict(verdict.missing, verdict.extra,
                       ResendSubscription(endpoint=self.endpoint, epoch=asked.epoch, detail=verdict.detail))

    def _expire(self, now: float) -> None:
        while self.waiting and now - self.waiting[0].sent_at > ANSWER_TIMEOUT:
            self.waiting.popleft()
            self.unanswered += 1

    def status(self) -> dict[str, object]:
        return {
            "live_checks": self.checks,
            "live_matches": self.matches,
            "live_mismatches": self.mismatches,
            "live_resends": self.resends,
            "live_unanswered": self.unanswered,
            "live_last_mismatch": self.last_mismatch,
        }


def _no_depth(keys: frozenset[Key]) -> frozenset[Key]:
    return frozenset((kind, code, None, level) for kind, code, _, level in keys)

"""``Hub.stream``'s check against Upbit's market list: a code Upbit does not list is a ``RequestError``.

Upbit answers an unknown code with silence (SPEC §2.2), so the stream would wait forever. The
registry holds the list (``GET /v1/market/all``, ``actors.registry_markets``); the hub asks it
(``MarketsQuery``, answered once the first fetch ended) and refuses the stream before anything
is sent. No list (REST off, the fetch failed, no answer in time): the stream goes ahead
unchecked, and a code that stays silent raises ``no_snapshot`` alerts (``stream.alerts``).

Exception tree: ``RequestError`` only.
"""

from __future__ import annotations

import uuid
from typing import Any

from upbit_actors.messages import StreamSpec
from upbit_actors.messages.rest import MarketsKnown, MarketsQuery
from upbit_actors.system.embed.attach import HubError
from upbit_actors.system.errors import RequestError
from upbit_actors.system.registry.checks import market_reason
from upbit_actors.system.registry.markets import FETCH_DEADLINE

__all__ = ["ASK_TIMEOUT", "check_listed"]

ASK_TIMEOUT = FETCH_DEADLINE + 5.0
"""Seconds to wait for the registry's answer (its first fetch may take up to ``FETCH_DEADLINE``)."""


def check_listed(hub: Any, spec: StreamSpec) -> None:
    """``RequestError`` when ``spec`` names a code the registry's market list lacks."""
    registry = hub.directory.get("registry") if hub.directory is not None else None
    if registry is None or not spec.codes:
        return
    request_id = uuid.uuid4().hex
    try:
        known = hub._ask(registry, MarketsQuery(request_id=request_id), MarketsKnown,
                         match=lambda r: r.request_id == request_id, timeout=ASK_TIMEOUT)
    except HubError:
        return  # no answer: unchecked, as when no list is known
    if known.codes is not None and (reason := market_reason(spec, frozenset(known.codes))):
        raise RequestError(f"{spec.data_type.value}: {reason}")

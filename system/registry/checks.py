"""Why the registry refuses a subscription: an invalid spec, a private stream without Upbit keys,
or an endpoint's merged set over its code limit.

Pure functions of a spec and of the keys the book already holds; ``system.registry.book.SubscriptionBook``
asks them before it changes anything. ``specs_of`` turns private keys dropped for lack of keys
back into the specs their rejections name.

Exception tree: nothing is raised; a reason is a string, '' when there is none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from upbit_actors.messages.common import Endpoint
from upbit_actors.messages.subscription import StreamKey, StreamOptions, StreamSpec
from upbit_actors.system.registry.merge import merge_keys
from upbit_actors.system.wire.requests import validate_spec

__all__ = ["NO_KEYS_REASON", "capacity_reason", "market_reason", "spec_reason", "specs_of"]

NO_KEYS_REASON: str = (
    "no Upbit API keys are configured: set UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, a key file, "
    "or pass Credentials"
)
"""Why a private subscription is rejected when the JWT actor has no keys (SPEC §7)."""


def spec_reason(spec: StreamSpec, max_codes: int, keys_loaded: bool | None) -> str:
    """Why ``spec`` cannot be held at all ('' when it can); ``keys_loaded`` as in ``set_keys``,
    only a known absence (False) refuses a private spec."""
    if reason := validate_spec(spec, max_codes=max_codes):
        return reason
    if keys_loaded is False and spec.data_type.endpoint is Endpoint.PRIVATE:
        return NO_KEYS_REASON
    return ""


def market_reason(spec: StreamSpec, markets: Collection[str] | None) -> str:
    """Why ``spec`` names a code Upbit does not list ('' when it names none, or no list is known):
    Upbit answers an unknown code with silence (SPEC §2.2), so it never reaches the wire."""
    if markets is None:
        return ""
    unknown = [code for code in spec.codes if code not in markets]
    if not unknown:
        return ""
    shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
    return f"not listed on Upbit (GET /v1/market/all): {shown}"


def capacity_reason(held: Collection[StreamKey], new_keys: Sequence[StreamKey], max_codes: int) -> str:
    """Why adding ``new_keys`` to the live keys ``held`` would overfill an endpoint's merged set
    ('' when it fits)."""
    touched = {k.data_type.endpoint for k in new_keys if k not in held}
    for endpoint in touched:
        future = set(held) | set(new_keys)
        streams = merge_keys(k for k in future if k.data_type.endpoint is endpoint)
        count = sum(len(s.codes) for s in streams)
        if count > max_codes:
            return f"the {endpoint.value} set would hold {count} codes, over the limit {max_codes}"
    return ""


def specs_of(keys: Iterable[StreamKey]) -> list[StreamSpec]:
    """Specs covering ``keys``: one per (type, options), all-markets myOrder apart. A component
    that asked with one spec per type gets that spec back (``Component`` forgets it then)."""
    groups: dict[tuple[Any, StreamOptions, bool], list[str]] = {}
    for key in keys:
        codes = groups.setdefault((key.data_type, key.options, key.code is None), [])
        if key.code is not None:
            codes.append(key.code)
    return [StreamSpec(data_type=t, codes=tuple(codes), options=o) for (t, o, _), codes in groups.items()]

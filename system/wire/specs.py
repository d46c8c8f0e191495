"""Building a ``StreamSpec`` from what a bot passes: ``make_spec``, and ``stream_spec`` that also judges.

``make_spec`` turns the arguments of ``Component.subscribe`` / ``Hub.stream`` into a spec and
never raises, whatever they hold: a single code string is one code (not its characters), an
unknown data type or interval is kept as given, an unknown policy or a value a frozen message
cannot hold (a list as a level, say) becomes an ``Unusable`` (``system.wire.rules``). Each entry
point then asks ``validate_spec`` and answers in its own way (issue 12):

==========================  ==================================================================
entry point                 a bad request gives
==========================  ==================================================================
``Component.subscribe``     ``SubscriptionRejected`` (``on_rejected``); the component goes on
``Hub.stream``              ``RequestError`` with the one-line reason (``stream_spec``)
``upbit-actors stream``     a usage error, exit status 2 (``tools.stream_args``)
==========================  ==================================================================

Exception tree: ``RequestError`` (a ``ValueError``) from ``stream_spec`` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from upbit_actors.messages.common import PRIVATE_TYPES, DataType
from upbit_actors.messages.subscription import Delivery, Policy, StreamOptions, StreamSpec
from upbit_actors.system.errors import RequestError
from upbit_actors.system.wire.rules import Unusable, shown, validate_spec

__all__ = ["make_spec", "stream_spec"]

_POLICIES = ", ".join(p.value for p in Policy)


def _held(value: Any, what: str) -> Any:
    """``value`` if a frozen message can hold it (hashable), else an ``Unusable`` naming it."""
    try:
        hash(value)
    except Exception:  # noqa: BLE001 - unhashable, or a __hash__ that fails
        return Unusable(f"{what} {type(value).__name__} cannot be used")
    return value


def _codes(codes: Any) -> tuple[Any, ...]:
    if codes is None:
        return ()
    if isinstance(codes, (str, bytes)):  # one code, not its characters
        return (codes,)
    try:
        return tuple(_held(code, "code") for code in codes)
    except TypeError:  # not iterable: one (bad) code
        return (_held(codes, "code"),)


def _data_type(data_type: Any) -> Any:
    if isinstance(data_type, DataType):
        return data_type
    try:
        return DataType(data_type)
    except Exception:  # noqa: BLE001 - kept as given: validate_spec names it
        return _held(data_type, "data type")


def _delivery(data_type: Any, policy: Any, limit: Any, rate: Any) -> Delivery | Unusable | None:
    if policy is None and limit is None and rate is None:
        return None
    if policy is None:  # a bound alone: the type's default policy with it
        policy = (Policy.THROTTLE if rate is not None else Policy.BLOCK if data_type in PRIVATE_TYPES
                  else Policy.DROP_OLDEST if data_type is DataType.TRADE else Policy.LATEST)
    try:
        policy = Policy(policy)
    except Exception:  # noqa: BLE001 - an unknown name, or not a string at all
        return Unusable(f"unknown policy {shown(policy)}: expected one of {_POLICIES}")
    return Delivery(policy=policy, limit=_held(limit, "limit"), rate=_held(rate, "rate"))


def make_spec(data_type: DataType | str, codes: Iterable[str] | str = (), *, depth: int | None = None,
              level: float | None = None, only_snapshot: bool = False, only_realtime: bool = False,
              policy: Policy | str | None = None, limit: int | None = None,
              rate: float | None = None) -> StreamSpec:
    """The ``StreamSpec`` of a ``subscribe`` / ``Hub.stream`` call; never raises and does not
    judge (``validate_spec`` does). A single code may be given as a string. ``policy`` (with
    ``limit`` or ``rate``) chooses what happens to this consumer's events of the type while it
    falls behind; ``limit`` or ``rate`` alone keep the type's default policy with that bound."""
    kind = _data_type(data_type)
    options = StreamOptions(depth=_held(depth, "depth"), level=_held(level, "level"),
                            only_snapshot=_held(only_snapshot, "only_snapshot"),
                            only_realtime=_held(only_realtime, "only_realtime"))
    return StreamSpec(data_type=kind, codes=_codes(codes), options=options,
                      delivery=_delivery(kind, policy, limit, rate))


def stream_spec(data_type: DataType | str, codes: Iterable[str] | str = (), **options: Any) -> StreamSpec:
    """``make_spec`` then ``validate_spec``, for an entry point that answers with an exception
    (``Hub.stream``): the spec, or ``RequestError`` with the one-line reason. Options are those
    of ``make_spec``; an unknown option name is a ``TypeError``, as for any Python call."""
    spec = make_spec(data_type, codes, **options)
    if reason := validate_spec(spec):
        raise RequestError(reason)
    return spec

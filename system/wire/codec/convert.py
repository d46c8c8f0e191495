"""The project's cattrs converter: message classes to plain data and back.

``converter.unstructure(msg)`` gives JSON-ready data for every class in
``messages.MESSAGE_CLASSES``, and ``converter.structure(data, cls)`` gives back an equal message
(a property test checks all 48). Rules:

- enums become their wire value (``DataType.TICKER`` -> ``"ticker"``) and are read back by value;
  ``StrEnum`` members are ``str`` already, and cattrs would otherwise pass them through as members;
- tuples become lists (JSON has no tuples) and lists become tuples again on the way in;
- fields typed ``Any`` hold actor addresses or caller-defined payloads, which have no schema, so
  their values pass through untouched in both directions, even attrs instances;
- ClassVars (``Ticker.data_type``) and properties (``Orderbook.depth``, ``Candle.data_type``,
  ``MergedSubscription.empty``) are not attrs fields and are never written.

Structuring belongs at the edges (STYLE.md, attrs/cattrs anchor): the classes know nothing of it.
"""

from __future__ import annotations

import enum
from typing import Any

import cattrs

__all__ = ["converter", "make_converter"]


def _is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _passthrough(value: Any) -> Any:
    return value


def make_converter() -> cattrs.Converter:
    """A fresh converter configured as described in the module docstring."""
    conv = cattrs.Converter(unstruct_collection_overrides={tuple: list})
    # By class, not by predicate: cattrs matches a StrEnum member as ``str`` (identity) before any
    # predicate hook runs, and ``StrEnum`` precedes ``str`` in the members' MRO.
    for base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        conv.register_unstructure_hook(base, _enum_value)
    conv.register_structure_hook_func(_is_enum, lambda value, tp: tp(value))
    conv.register_unstructure_hook_func(lambda tp: tp is Any, _passthrough)
    conv.register_structure_hook_func(lambda tp: tp is Any, lambda value, _tp: value)
    return conv


converter: cattrs.Converter = make_converter()
"""The shared converter; configure a copy with ``make_converter()`` rather than mutating it."""

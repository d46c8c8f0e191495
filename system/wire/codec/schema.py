"""How each field of an event class is read off the wire: key, kind, nullability, default.

A ``Schema`` is computed once per (class, flavor) from the class's own type annotations and the
SIMPLE table of ``system.wire.codec.wire``, so the classes in ``messages/`` stay the single source of
field types. Both the generated fast builders (``system.wire.codec.gen``) and the tolerant slow path
(``system.wire.codec.explain``) walk the same schemas, so they cannot disagree about a field.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs

from upbit_actors.messages.common import CandleInterval
from upbit_actors.messages.market import Candle
from upbit_actors.system.errors import CodecError
from upbit_actors.system.wire.codec.wire import DEFAULT_TYPE_KEY, LABELS, SIMPLE_KEYS, SIMPLE_TYPE_KEY

__all__ = ["REQUIRED", "SCHEMAS", "Kind", "Schema", "Slot", "schema_for"]

REQUIRED: Any = attrs.NOTHING
"""``Slot.default`` of a key that must be present."""


class Kind(enum.Enum):
    """What a wire value must be, before conversion."""

    FLOAT = "number"
    """JSON number; an int becomes a float (Upbit writes ``137002000`` and ``1.16539E8`` alike)."""
    INT = "integer"
    """JSON integer, kept exact (``sequential_id`` exceeds 2**53, SPEC §10.9)."""
    STR = "string"
    BOOL = "boolean"
    ENUM = "enum string"
    """A string among ``Slot.choices``."""
    INTERVAL = "candle type"
    """``candle.<interval>`` read from the type key (SPEC §3.4)."""
    STRS = "array of strings"
    NESTED = "array of objects"
    """Each item read with ``Slot.item``."""


@attrs.frozen
class Slot:
    """One attribute of the class and where it comes from."""

    attr: str
    """Attribute name (also the DEFAULT key)."""
    key: str
    """Key in this flavor (DEFAULT or SIMPLE)."""
    kind: Kind
    nullable: bool
    """JSON ``null`` is accepted (the class type includes None)."""
    default: Any
    """Value when the key is absent, or ``REQUIRED``. A nullable field defaults to None."""
    choices: Mapping[str, Any] | None = None
    """ENUM and INTERVAL: wire spelling -> member."""
    item: Schema | None = None
    """NESTED: the schema of each array item."""


@attrs.frozen
class Schema:
    """The fields of one class in one flavor."""

    cls: type
    label: str
    """Prefix of decode reasons, e.g. ``ticker`` or ``orderbook_units[]``."""
    simple: bool
    slots: tuple[Slot, ...]


def _enum_choices(enum_cls: type[enum.Enum]) -> Mapping[str, Any]:
    return types.MappingProxyType({member.value: member for member in enum_cls})


def _slot(cls: type, field: attrs.Attribute, hint: Any, simple: bool, label: str) -> Slot:
    key = field.name
    if simple and not (cls is Candle and field.name == "interval"):
        # Fail at import, not on the first frame, if the table and the class drift apart.
        key = SIMPLE_KEYS[cls][field.name]
    nullable = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(hint))
        (hint,) = args
    default = field.default
    if default is attrs.NOTHING and nullable:
        # e.g. MyOrder.price: nullable on the wire (SPEC §3.5), so an absent key reads as null.
        default = None
    choices = item = None
    if cls is Candle and field.name == "interval":
        kind = Kind.INTERVAL
        key = SIMPLE_TYPE_KEY if simple else DEFAULT_TYPE_KEY
        choices = types.MappingProxyType({f"candle.{iv.value}": iv for iv in CandleInterval})
    elif hint is float:
        kind = Kind.FLOAT
    elif hint is bool:
        kind = Kind.BOOL
    elif hint is int:
        kind = Kind.INT
    elif hint is str:
        kind = Kind.STR
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        kind, choices = Kind.ENUM, _enum_choices(hint)
    elif typing.get_origin(hint) is tuple and typing.get_args(hint)[1:] == (Ellipsis,):
        inner = typing.get_args(hint)[0]
        if inner is str:
            kind = Kind.STRS
        elif attrs.has(inner):
            kind, item = Kind.NESTED, schema_for(inner, simple, f"{label}.{key}[]")
        else:
            raise CodecError(f"{cls.__name__}.{field.name}: no wire kind for {hint!r}")
    else:
        raise CodecError(f"{cls.__name__}.{field.name}: no wire kind for {hint!r}")
    if nullable and kind in (Kind.STRS, Kind.NESTED):
        raise CodecError(f"{cls.__name__}.{field.name}: nullable arrays are not supported by the builders")
    return Slot(field.name, key, kind, nullable, default, choices, item)


def schema_for(cls: type, simple: bool, label: str) -> Schema:
    """The schema of ``cls`` in DEFAULT (``simple=False``) or SIMPLE keys."""
    hints = typing.get_type_hints(cls)
    slots = tuple(_slot(cls, f, hints[f.name], simple, label) for f in attrs.fields(cls))
    return Schema(cls, label, simple, slots)


SCHEMAS: Mapping[tuple[type, bool], Schema] = types.MappingProxyType(
    {
        (cls, simple): schema_for(cls, simple, label)
        for cls, label in LABELS.items()
        for simple in (False, True)
    }
)
"""(class, simple) -> schema, for every top-level frame class that has fields on the wire."""

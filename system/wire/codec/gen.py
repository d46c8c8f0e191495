"""Compile one fast builder function per (event class, flavor), in the manner of cattrs' gen.

The builder takes the dict ``orjson.loads`` produced and returns the event, reading every key
with straight-line code generated from a ``Schema``: no loop over fields, no per-field function
call. Its checks are the cheap ones (``type(v) is float``); anything unusual raises, and the
caller then runs the tolerant slow path (``system.wire.codec.explain``), which either accepts the
variation (an integral float for an int, say) or names the exact problem.

Construction: attrs' frozen ``__init__`` sets each slot through ``object.__setattr__``, which
costs more than reading the whole frame. A builder instead fills an instance of a *shadow*
subclass that only restores the generic ``__setattr__`` (so CPython's specialised slot store
applies) and then assigns ``__class__`` back to the real class: the result is an ordinary frozen
instance of the message class, equal to and indistinguishable from one made by ``__init__``.
Classes with validators, non-tuple converters, post-init hooks or extra slots are built with
``cls(**kwargs)`` instead, as is any class for which CPython refuses the class assignment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import orjson

from upbit_actors.system.wire.codec.schema import REQUIRED, Kind, Schema, Slot

__all__ = ["compile_builder", "fast_construction", "wire_key"]


class _Unusual(Exception):
    """Raised inside a builder to hand the frame to the slow path; never escapes the codec."""


def _shadow(cls: type) -> type:
    namespace = {
        "__slots__": (),
        # Both names share tp_setattro: overriding only one leaves the slow Python hook in place.
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        # ``Shadow()`` then allocates through type_call without attrs' __init__: cheaper than
        # ``object.__new__(Shadow)``, which goes through the argument-checking wrapper.
        "__init__": object.__init__,
    }
    return type(f"_{cls.__name__}Builder", (cls,), namespace)


def fast_construction(cls: type) -> bool:
    """Whether ``cls`` may be built slot by slot through a shadow class (see the docstring)."""
    fields = attrs.fields(cls)
    if any(f.validator is not None for f in fields):
        return False
    if any(f.converter not in (None, tuple) for f in fields):
        return False
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return False
    if set(getattr(cls, "__slots__", ())) - {"__weakref__"} != {f.name for f in fields}:
        return False
    try:
        probe = _shadow(cls)()
        probe.__class__ = cls
    except TypeError:
        return False
    return True


def wire_key(key: str) -> str:
    """The very str object ``orjson.loads`` uses for ``key``.

    orjson caches short dict keys and returns the same object from every ``loads`` call, so a
    lookup with that object matches by identity instead of comparing characters (about 40%
    cheaper per key). If the cache ever hands out another object, the lookup is merely slower.
    """
    (same,) = orjson.loads(orjson.dumps({key: 0}))
    return same


class _Emitter:
    """Accumulates source lines and the constants they refer to."""

    def __init__(self, fast: bool) -> None:
        self.fast = fast
        """Build through shadow classes where ``fast_construction`` allows it."""
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_Unusual": _Unusual,
            "_type": type,
            "_float": float,
            "_int": int,
            "_str": str,
            "_bool": bool,
            "_list": list,
            "_tuple": tuple,
            "_map": map,
            "_STR_ONLY": frozenset({str}),
        }

    def const(self, prefix: str, value: Any) -> str:
        # One name per object, so identity tests against a default (``is``) hold.
        for name, existing in self.namespace.items():
            if existing is value and name.startswith(f"_{prefix}"):
                return name
        name = f"_{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def _check(em: _Emitter, ind: int, slot: Slot, v: str) -> None:
    """Emit the test and conversion of ``v`` for ``slot`` (value already read)."""
    null_ok = f" and {v} is not None" if slot.nullable else ""
    kind = slot.kind
    if kind is Kind.FLOAT:
        em.emit(ind, f"if {v}.__class__ is not _float:")
        em.emit(ind + 1, f"if {v}.__class__ is _int:")
        em.emit(ind + 2, f"{v} = _float({v})")
        em.emit(ind + 1, f"elif {v} is not None:" if slot.nullable else "else:")
        em.emit(ind + 2, "raise _Unusual")
    elif kind in (Kind.INT, Kind.STR, Kind.BOOL):
        em.emit(ind, f"if {v}.__class__ is not _{kind.name.lower()}{null_ok}:")
        em.emit(ind + 1, "raise _Unusual")
    elif kind in (Kind.ENUM, Kind.INTERVAL):
        # A dict lookup is the whole check: KeyError or TypeError (unhashable) goes slow.
        table = em.const("choices", dict(slot.choices or {}))
        if slot.nullable:
            em.emit(ind, f"if {v} is not None:")
            em.emit(ind + 1, f"{v} = {table}[{v}]")
        else:
            em.emit(ind, f"{v} = {table}[{v}]")
    elif kind is Kind.STRS:
        guard = f"{v} is not {em.const('default', slot.default)} and " if slot.default is not REQUIRED else ""
        em.emit(ind, f"if {guard}({v}.__class__ is not _list or not _STR_ONLY.issuperset(_map(_type, {v}))):")
        em.emit(ind + 1, "raise _Unusual")
        em.emit(ind, f"{v} = _tuple({v})")
    else:  # NESTED
        assert slot.item is not None
        depth = ind  # a fresh variable set per nesting level
        item, acc = f"i{depth}", f"acc{depth}"
        em.emit(ind, f"if {v}.__class__ is not _list:")
        em.emit(ind + 1, "raise _Unusual")
        em.emit(ind, f"{acc} = []")
        em.emit(ind, f"for {item} in {v}:")
        out = _body(em, ind + 1, slot.item, item)
        em.emit(ind + 1, f"{acc}.append({out})")
        em.emit(ind, f"{v} = _tuple({acc})")


def _read(em: _Emitter, ind: int, slot: Slot, src: str, v: str) -> None:
    key = em.const("key", wire_key(slot.key))
    if slot.default is REQUIRED:
        em.emit(ind, f"{v} = {src}[{key}]")
    elif slot.default is None:
        em.emit(ind, f"{v} = {src}.get({key})")
    else:
        em.emit(ind, f"{v} = {src}.get({key}, {em.const('default', slot.default)})")


def _body(em: _Emitter, ind: int, schema: Schema, src: str) -> str:
    """Emit the statements building ``schema.cls`` from dict ``src``; return the result name."""
    cls_name = em.const("cls", schema.cls)
    out, v = f"o{ind}", f"v{ind}"
    if em.fast and fast_construction(schema.cls):
        em.emit(ind, f"{out} = {em.const('shadow', _shadow(schema.cls))}()")
        for slot in schema.slots:
            _read(em, ind, slot, src, v)
            _check(em, ind, slot, v)
            em.emit(ind, f"{out}.{slot.attr} = {v}")
        em.emit(ind, f"{out}.__class__ = {cls_name}")
    else:
        for slot in schema.slots:
            _read(em, ind, slot, src, f"{v}_{slot.attr}")
            _check(em, ind, slot, f"{v}_{slot.attr}")
        kwargs = ", ".join(f"{s.attr}={v}_{s.attr}" for s in schema.slots)
        em.emit(ind, f"{out} = {cls_name}({kwargs})")
    return out


def compile_builder(schema: Schema, *, fast: bool = True) -> Callable[[dict[str, Any]], Any]:
    """Generate, compile and return ``build(d) -> event`` for ``schema`` (raises when unusual).

    ``fast=False`` builds every class through its ``__init__`` (the fallback; tests compare both).
    """
    em = _Emitter(fast)
    name = f"build_{schema.cls.__name__}_{'simple' if schema.simple else 'default'}"
    out = _body(em, 1, schema, "d")
    em.emit(1, f"return {out}")
    # Constants enter as positional defaults, i.e. locals: LOAD_FAST is the cheapest load
    # (closure cells and globals cost more per access). Not keyword-only: CPython fills each
    # missing keyword-only argument with a dict lookup on every call. Callers pass ``d`` only.
    params = ", ".join(f"{const}={const}" for const in em.namespace)
    source = f"def {name}(d, {params}):\n" + "\n".join(em.lines) + "\n"
    scope = dict(em.namespace)
    exec(compile(source, f"<system.wire.codec.gen {name}>", "exec"), scope)  # noqa: S102 - our own code
    builder = scope[name]
    builder.__source__ = source  # for debugging: print(builder.__source__)
    return builder

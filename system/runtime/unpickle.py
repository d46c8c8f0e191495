"""Patch: Thespian unpickles only the classes on an allow-list, in every process of the tree.

Why (THESPIAN.md, Security; issue 12): Thespian's TCP transport hands every byte string that
arrives on the admin port, on an actor's port, on the logger's and on the starter's own endpoint
to ``pickle.loads``. Binding to 127.0.0.1 (``loopback``) keeps other hosts out, not other local
processes: a pickle whose ``__reduce__`` names ``os.system`` ran its command inside the tree, in
the admin or in the router, and read the keys from its environment.

Where it opens, and where it is closed: ``thespian/system/transport/TCPTransport.py`` builds
every ``ReceiveBuffer`` (one per incoming message, and one per acknowledgement a sender waits
for) with ``serializer.loads``, a module global that is the ``pickle`` module. The patch replaces
that global with ``_Serializer``, whose ``loads`` is ``safe_loads``: a ``pickle.Unpickler`` whose
``find_class`` returns only the classes of ``allowed()``. Every global a pickle names (a class,
a function for ``__reduce__``) goes through ``find_class``; a refused one raises ``RefusedClass``
before anything of the pickle is constructed or called. Thespian then answers ``ACK+DATAERR``,
closes the socket and carries on. ``streamBuffer.ReceiveBuffer``'s default deserializer is
patched too, so no receive buffer built elsewhere falls back to ``pickle.loads``. Sending is
unchanged (``dumps`` is ``pickle.dumps``).

Each refusal is counted in the receiving process (``refusals``; ``BaseActor`` reports the total
as ``refused_pickles`` in its status) and logged at WARNING with the refused module and class
name only, never the data (the first refusal of a name, then at every power of two).

The patch is applied at import (``system.runtime`` imports this module; so does ``logdefs``,
which carries it into spawned processes, see ``loopback``): the admin, the logger and every
actor are forked from the starter or spawned with it in force.
"""

from __future__ import annotations

import collections
import enum
import importlib
import io
import logging
import pickle
import pkgutil
from typing import Any

from thespian.system.transport import TCPTransport, streamBuffer

from upbit_actors import messages as _messages
from upbit_actors.system.errors import RefusedClass
from upbit_actors.system.runtime.allowlist import THESPIAN_CLASSES, VALUE_CLASSES, key_of

__all__ = ["RefusedClass", "allow", "allowed", "applied", "refusals", "refused_class", "refused_total",
           "safe_loads"]

_log = logging.getLogger(__name__)

NAMES_KEPT = 64
"""Distinct refused names counted one by one; beyond this they count under ``OTHER`` (a peer
could send a new name with every pickle)."""
OTHER = "<other>"
NAME_CHARS = 120
"""A refused module or class name is cut to this many characters before it is counted or logged."""


def _project_classes() -> frozenset[tuple[str, str]]:
    """Every message class of ``upbit_actors.messages``, and every enum and attrs class its
    modules define (the values messages hold: ``OrderbookUnit``, ``Policy``...)."""
    classes = set(_messages.MESSAGE_CLASSES)
    for info in pkgutil.iter_modules(_messages.__path__, _messages.__name__ + "."):
        module = importlib.import_module(info.name)
        classes.update(obj for obj in vars(module).values()
                       if isinstance(obj, type) and obj.__module__ == module.__name__
                       and (issubclass(obj, enum.Enum) or hasattr(obj, "__attrs_attrs__")))
    return frozenset(key_of(cls) for cls in classes)


PROJECT_CLASSES: frozenset[tuple[str, str]] = _project_classes()
"""``(module, qualified name)`` of every message class of this project (``MESSAGE_CLASSES``) and
of the other enums and attrs classes defined in ``messages/``."""

_extra: set[tuple[str, str]] = set()
_allowed: frozenset[tuple[str, str]] = PROJECT_CLASSES | THESPIAN_CLASSES | VALUE_CLASSES
_refused: collections.Counter[str] = collections.Counter()


def allowed() -> frozenset[tuple[str, str]]:
    """The allow-list in force in this process: ``PROJECT_CLASSES``, ``THESPIAN_CLASSES``
    (``allowlist``), ``VALUE_CLASSES`` and whatever ``allow`` added."""
    return _allowed


def allow(*classes: type) -> None:
    """Accept more classes in this process and in processes it starts afterwards.

    For data classes of a bot's own (a test's messages, a component parameter type). Call it at
    import of the module that defines them, before the tree starts: a process that never imported
    that module refuses them. Only for plain value classes: whatever is allowed can be built with
    any arguments by anyone who can reach a port.
    """
    global _allowed
    _extra.update(key_of(cls) for cls in classes)
    _allowed = PROJECT_CLASSES | THESPIAN_CLASSES | VALUE_CLASSES | frozenset(_extra)


def _clean(text: str) -> str:
    text = text[:NAME_CHARS]
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _refuse(module: str, name: str) -> RefusedClass:
    label = f"{_clean(module)}.{_clean(name)}"
    key = label if label in _refused or len(_refused) < NAMES_KEPT else OTHER
    _refused[key] += 1
    count = _refused[key]
    if count & (count - 1) == 0:  # 1, 2, 4, 8...: a flood does not flood the log
        _log.warning("refused to unpickle a message naming %s (not on the allow-list; %d so far)",
                     label, count)
    return RefusedClass(label)


class _Unpickler(pickle.Unpickler):
    """``find_class`` only for the allow-list; no persistent ids (the default refuses them)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _allowed:
            return super().find_class(module, name)
        raise _refuse(module, name)


class _Checker(pickle.Unpickler):
    """Like ``_Unpickler``, for our own data: a refusal is neither counted nor logged."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _allowed:
            return super().find_class(module, name)
        raise RefusedClass(f"{_clean(module)}.{_clean(name)}")


def refused_class(obj: Any) -> str | None:
    """The first class in ``obj`` that the tree would refuse (``module.Class``), else None: a
    sender's own check, so that a bad value is an error at the call, not a message lost."""
    try:
        _Checker(io.BytesIO(pickle.dumps(obj))).load()
    except RefusedClass as exc:
        return exc.name
    return None


def safe_loads(data: bytes) -> Any:
    """``pickle.loads`` that builds only allowed classes; raises ``RefusedClass`` otherwise."""
    return _Unpickler(io.BytesIO(data)).load()


def refusals() -> dict[str, int]:
    """Refused ``module.Class`` names in this process and how often each came."""
    return dict(_refused)


def refused_total() -> int:
    """How many pickles this process refused."""
    return sum(_refused.values())


class _Serializer:
    """Stands in for the ``pickle`` module as ``TCPTransport.serializer``."""

    loads = staticmethod(safe_loads)
    dumps = staticmethod(pickle.dumps)


def applied() -> bool:
    """True when Thespian's TCP transport and its receive buffers unpickle through the list."""
    return (TCPTransport.serializer is _Serializer
            and streamBuffer.ReceiveBuffer.__init__.__defaults__ == (safe_loads,))


def _apply() -> None:
    # On a reload of this module the previous _Serializer is replaced by this one: same effect.
    TCPTransport.serializer = _Serializer
    streamBuffer.ReceiveBuffer.__init__.__defaults__ = (safe_loads,)


_apply()

"""What the tree accepts from the wire besides its own messages: Thespian's internals and values.

``unpickle`` builds only the classes named here, the project's message classes and enums
(``unpickle.PROJECT_CLASSES``), and what a bot adds with ``unpickle.allow``. Anything a pickle
names that is on none of these lists is refused before it is built. Every entry is a class that is
harmless to build with any arguments: whoever can reach a port can construct it (its ``__init__``
through ``__reduce__``, its ``__setstate__`` or ``__dict__`` with any state).

The Thespian entries are those multiprocTCPBase really sends between the processes of one
system on one host, as recorded over the integration suite (issue 12), and nothing more. Left
out on purpose:

- source loading (``ValidateSource``, ``ValidatedSource``, ``LoadedSource``, ``UnloadedSource``,
  ``RegisterSourceAuthority``, ``NotifyOnSourceAvailability``, ``SourceHashTransferRequest`` /
  ``Reply``): it ships Python code into the system, which is exactly what must not get in;
- conventions and capabilities (``Convention*``, ``CapabilityUpdate``, ``NewCapabilities``,
  ``ActorSystemConventionUpdate``): one host, no other systems join;
- ``SetLogging``, ``HandleDeadLetters``, an actor's own Thespian status (``Thespian_ActorStatus``):
  unused (``upbit-actors status`` asks the admin only for its global names);
- the other address kinds (UDP, IPv6, routed, transmit-only admin): not used by this base;
- ``WakeupMessage``, ``WatchMessage``, ``ChildMayHaveDied``, ``LoggerFileDup``: made inside the
  receiving process, never sent.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import socket

from thespian import actors
from thespian.system import logdirector
from thespian.system.messages import admin, multiproc, status
from thespian.system.timing import ExpirationTimer
from thespian.system.transport import IPBase

__all__ = ["THESPIAN_CLASSES", "VALUE_CLASSES", "key_of"]


def key_of(cls: type) -> tuple[str, str]:
    """``(module, qualified name)``: how a pickle names a class (``find_class`` arguments)."""
    return cls.__module__, cls.__qualname__


THESPIAN_CLASSES: frozenset[tuple[str, str]] = frozenset(map(key_of, (
    # addresses: every envelope carries the sender's, many messages another
    actors.ActorAddress,
    IPBase.TCPv4ActorAddress,
    socket.AddressFamily,   # inside TCPv4ActorAddress (an IntEnum: built from its number)
    socket.SocketKind,
    # actor lifecycle and delivery failures
    actors.ActorExitRequest,
    actors.ChildActorExited,
    actors.PoisonMessage,
    actors.DeadEnvelope,
    # the admin: probe, create a named actor, shut down
    admin.QueryExists,
    admin.QueryAck,
    admin.PendingActor,
    admin.PendingActorResponse,
    admin.SystemShutdown,
    admin.SystemShutdownCompleted,
    status.Thespian_StatusReq,       # upbit-actors status finds the supervisor by its global name
    status.Thespian_SystemStatus,
    ExpirationTimer,                 # the pending wakeups listed in that status
    # process start-up and the logger
    multiproc.EndpointConnected,
    multiproc.LoggerConnected,
    logdirector.LoggerExitRequest,
    logging.LogRecord,      # actors forward their records to the logger process
)))
"""Thespian's internal messages and addresses that a multiprocTCPBase system of ours sends."""

VALUE_CLASSES: frozenset[tuple[str, str]] = frozenset(map(key_of, (
    decimal.Decimal,
    datetime.datetime,
    datetime.date,
    datetime.timedelta,
    datetime.timezone,
    set,        # protocol 3 names these; 4 (Thespian's) and 5 have their own opcodes
    frozenset,
    bytearray,
    str,        # built-in types a __reduce__ may name (an Unusable travels as a str,
    bytes,      # system.wire.rules); calling one on allowed values builds a plain value
    int,
    float,
    complex,
    bool,
    tuple,
    list,
    dict,
)))
"""Plain values a message (or a component's ``params``, or a checkpoint) may hold besides
``str``, ``bytes``, numbers, ``None``, tuples, lists and dicts, which need no class lookup
unless a ``__reduce__`` names their type."""

"""Talking to a running tree from outside an actor: ask with a deadline, find the supervisor of
a system, collect its status. Used by ``Hub`` and by the status tool, which attaches to a system
it did not start (and must neither start nor stop one).

Exception tree: ``HubError`` (a ``RuntimeError``) when the system does not answer as expected;
``system.runtime`` errors when there is no system at all.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from upbit_actors.messages import StatusRequest, SystemStatus
from upbit_actors.system import runtime
from upbit_actors.system.errors import HubError

__all__ = ["SUPERVISOR_NAME", "HubError", "ask_for", "find_supervisor", "query_status"]

SUPERVISOR_NAME = "upbit-actors.supervisor"
"""The supervisor's Thespian globalName: how a tool attached to the system finds the tree."""


def ask_for(asys, address, msg, reply_type: type, *, timeout: float,
            match: Callable[[Any], bool] | None = None,
            on_other: Callable[[Any], None] | None = None) -> Any:
    """``asys.ask`` that waits for a ``reply_type`` (passing ``match``) and hands anything else
    that arrives meanwhile to ``on_other``: Thespian's ``ask`` returns the first message from
    ANY actor. Raises ``HubError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    reply = asys.ask(address, msg, max(0.05, timeout))
    while not (isinstance(reply, reply_type) and (match is None or match(reply))):
        if reply is not None and on_other is not None:
            on_other(reply)
        left = deadline - time.monotonic()
        if left <= 0:
            raise HubError(f"no {reply_type.__name__} from the actor system within {timeout:g} s")
        reply = asys.listen(left)
    return reply


def find_supervisor(asys, timeout: float = 3.0):
    """The supervisor's address in the system ``asys`` is attached to, or None if it has none.

    Asks the admin for its status (which lists the global names) rather than calling
    ``createActor(globalName=...)``: that would create a supervisor where there is none.
    """
    from thespian.system.messages.status import Thespian_StatusReq, Thespian_SystemStatus

    reply = ask_for(asys, asys._systemBase.adminAddr, Thespian_StatusReq(), Thespian_SystemStatus,
                    timeout=timeout)
    return reply.globalActors.get(SUPERVISOR_NAME)


def query_status(admin_port: int, timeout: float = 3.0) -> SystemStatus:
    """Attach to the system on ``admin_port``, collect its ``SystemStatus``, detach.

    Never starts a system (``runtime.NoSystemError`` when nothing listens) and never stops the
    one it attached to. Raises ``HubError`` when that system runs no upbit-actors tree.
    """
    asys = runtime.attach(admin_port, timeout=min(timeout, 2.0))
    try:
        supervisor = find_supervisor(asys, timeout)
        if supervisor is None:
            raise HubError(f"the actor system on port {admin_port} runs no upbit-actors supervisor")
        request_id = uuid.uuid4().hex
        return ask_for(asys, supervisor, StatusRequest(request_id=request_id), SystemStatus,
                       match=lambda r: r.request_id == request_id, timeout=timeout)
    finally:
        runtime.detach(asys)

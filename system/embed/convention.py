"""What a hub does differently as a convention leader or member (issue 15; README, Members).

``HubBase.start`` asks ``system_options(config)`` for the extra ``runtime.start_system``
options: the listening host (``HubConfig.listen_host``), and for a leader
(``accept_members``) or a member (``leader``) the convention's capabilities, with the
convention messages added to the allow-list (``runtime.convention.enable``). A plain hub gets
nothing new: loopback, no convention message accepted.

Exception tree: ``ConfigError`` from the checks in ``runtime.convention``.
"""

from __future__ import annotations

import os
import re
import socket
from typing import Any

from upbit_actors.system.members.table import MEMBERS_NAME
from upbit_actors.system.runtime import convention

__all__ = ["MEMBERS_NAME", "in_convention", "member_name", "system_options"]


def in_convention(config: Any) -> bool:
    return bool(config.leader or config.accept_members)


def member_name(config: Any) -> str:
    """``HubConfig.member_name``, else ``HOST-PID`` (made a valid name)."""
    if config.member_name:
        return config.member_name
    host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())[:40].strip("-._") or "member"
    return f"{host}-{os.getpid()}"


def system_options(config: Any) -> dict[str, Any]:
    """Extra ``runtime.start_system`` options for ``config`` (module docstring)."""
    options: dict[str, Any] = {}
    if config.listen_host != convention.loopback.DEFAULT_BIND_HOST:
        options["bind_host"] = config.listen_host
    if in_convention(config):
        convention.enable()
        options["capabilities"] = convention.capabilities(
            leader=config.leader, member=member_name(config) if config.leader else "",
            accept_members=config.accept_members)
    return options

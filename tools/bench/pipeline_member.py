"""``bench pipeline --member``: one component on a member system, fed across the convention.

``MemberReader`` runs two hubs on loopback: a leader (``HubConfig.accept_members``) connected to
the reader's simulator, and a member (``HubConfig.leader``, its own admin port) whose one
``ProbeComponent`` subscribes through the leader. Every event goes leader connection -> leader
router -> (another actor system) member component, the same batched path as the ``component``
reader's, with one system boundary more. Latency is counted the same way (frame ``timestamp`` to
``on_batch``); CPU over every process of both trees. The router's losses are the leader's.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.tools.bench.pipeline_readers import (
    ANSWER_TIMEOUT,
    ReaderError,
    Sample,
    _bracket,
    _HubReader,
    cpu_seconds,
)
from upbit_actors.tools.bench.pipeline_sim import SimProcess

__all__ = ["JOIN_TIMEOUT", "MemberReader"]

JOIN_TIMEOUT = 30.0
"""Seconds for the member to join the leader (a loaded machine is slow)."""


class MemberReader(_HubReader):
    """A leader hub and a member hub with one ``ProbeComponent`` (module docstring)."""

    def __init__(self, name: str, sim: SimProcess, codes: list[str], types: tuple[str, ...], *,
                 log_file: str | None = None) -> None:
        super().__init__(name, sim, codes, types, log_file=log_file)
        self.member = None
        self.names = ["probe-0"]

    def start(self) -> None:
        from upbit_actors import Hub, HubConfig
        from upbit_actors.tools.bench.components import ProbeComponent

        options = {"log_file": self.log_file} if self.log_file else None
        self.hub = Hub(HubConfig(public_url=self.sim.public_url, private_url=self.sim.private_url,
                                 accept_members=True), system_options=options)
        self.hub.start()
        self.member = Hub(HubConfig(leader=f"127.0.0.1:{self.hub.admin_port}", member_name="bench"),
                          system_options=options)
        self.member.start()
        self.member.spawn(ProbeComponent, self.names[0], codes=list(self.codes), types=list(self.types))
        deadline = time.monotonic() + JOIN_TIMEOUT
        while not self._joined():
            if time.monotonic() > deadline:
                raise ReaderError(f"{self.name}: the member did not join the leader")
            time.sleep(0.2)

    def _joined(self) -> bool:
        for actor in self.member.status(timeout=ANSWER_TIMEOUT).actors:
            if dict(actor.details).get("link") == "joined":
                return True
        return False

    def _tree_cpu(self) -> float:
        return cpu_seconds(self.hub.handle.track() | self.member.handle.track())

    def sample(self) -> Sample:
        status, cpu = _bracket(self._tree_cpu, lambda: self.member.status(timeout=ANSWER_TIMEOUT))
        return self._probe_sample(status, self._status(), cpu)

    def processes(self) -> dict[int, str]:
        out = super().processes()
        roles: dict[int, Any] = {a.pid: f"member {a.role}" for a in self.member.status(timeout=ANSWER_TIMEOUT).actors}
        out.update({pid: roles.get(pid, "member admin/logger") for pid in sorted(self.member.handle.track())})
        return out

    def stop(self) -> None:
        member, self.member = self.member, None
        try:
            if member is not None:
                member.stop()
        finally:
            super().stop()

"""The member agent's status (a part of ``actors/member.py``): the hub's ``status()`` and the
agent's own polls of its components, whose figures its heartbeat carries to the leader.

| Accepts            | Emits                                                                   |
|--------------------|-------------------------------------------------------------------------|
| ``StatusRequest``  | ``StatusRequest`` to every component; ``SystemStatus`` to the asker once |
|                    | all answered (or ``STATUS_TIMEOUT`` passed)                              |
| ``ActorStatus``    | a gathered report; or (``BEAT_ID``) the component's ``MemberComponent``  |
"""

from __future__ import annotations

import time

from upbit_actors.messages import ActorStatus, StatusRequest, SystemStatus
from upbit_actors.system.member.link import component_summary
from upbit_actors.system.supervisor.gather import STATUS_TIMEOUT

__all__ = ["BEAT_ID", "MemberStatus"]

BEAT_ID = "member-beat"
"""Request id of the agent's own status polls of its components (for the heartbeat)."""


class MemberStatus:
    """Mixin of ``MemberAgent``: uses its ``_components``, ``_gather`` and ``_seen``."""

    def receiveMsg_StatusRequest(self, msg: StatusRequest, sender) -> None:
        request_id = msg.request_id or f"status-{self.handled}"
        targets = self._components.addresses()
        self._gather.begin(request_id, sender, len(targets), self.status_report())
        for address in targets:
            self.send(address, StatusRequest(request_id=request_id))
        self.schedule(STATUS_TIMEOUT, f"status:{request_id}")

    def receiveMsg_ActorStatus(self, msg: ActorStatus, sender) -> None:
        if msg.request_id != BEAT_ID:
            if (done := self._gather.add(msg.request_id, msg)) is not None:
                self._answer_status(done)
            return
        name = msg.role.partition(":")[2]
        if name in self._components and self._components.address_of(name) == sender:
            old = self._seen.get(name)
            self._seen[name] = component_summary(msg, sender, old.alerts if old else 0)

    def _answer_status(self, request_id: str) -> None:
        record = self._gather.finish(request_id)
        if record is not None:
            self.send(record.asker, SystemStatus(request_id=request_id, actors=record.got,
                                                 collected_at=time.time()))

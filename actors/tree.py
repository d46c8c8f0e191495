"""``Hub``: the tree a bot owns, rooted at this package's ``Supervisor``.

The embedding API (``system.embed.hub.HubBase``) does not import the actor shells; this module
binds it to them, by class. Import it as ``from upbit_actors import Hub``.
"""

from __future__ import annotations

from upbit_actors.actors.member import MemberAgent
from upbit_actors.actors.members import MembersActor
from upbit_actors.actors.supervisor import Supervisor
from upbit_actors.system.embed.hub import HubBase

__all__ = ["Hub"]


class Hub(HubBase):
    """The actor tree, owned by the calling program (see ``system.embed.hub``)."""

    root_actor = Supervisor
    member_root = MemberAgent
    members_actor = MembersActor

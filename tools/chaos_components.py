"""The component of ``upbit-actors chaos``: holds a fixed set of streams and counts what it gets.

Each ``ChaosProbe`` is spawned with ``specs`` (``[[type, [codes...]], ...]``), asks for exactly
those in one request, and feeds every event to a ``Tally`` (``tools/chaos_tally.py``). Its
``status_details`` carry the tally's export under ``chaos``, which the chaos command reads with
``Hub.status()``. It lives in a module of its own so that every actor process can import it by
its path (``upbit_actors.tools.chaos_components.ChaosProbe``).
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors.actors.component import Component
from upbit_actors.messages import EventBatch
from upbit_actors.tools.chaos_tally import Tally

__all__ = ["ChaosProbe"]


class ChaosProbe(Component):
    """A component that subscribes to ``params['specs']`` and tallies its events.

    | Accepts | Emits |
    |---|---|
    | what ``Component`` accepts | what ``Component`` emits; ``chaos`` in its status details |
    """

    def __init__(self) -> None:
        super().__init__()
        self.tally = Tally()

    def on_start(self) -> None:
        self.replace_subscriptions(*[(kind, list(codes)) for kind, codes in self.params["specs"]])

    def on_batch(self, batch: EventBatch) -> None:
        self.tally.add_all(batch.events, time.time())

    def status_details(self) -> dict[str, Any]:
        return {**super().status_details(), "chaos": self.tally.export()}

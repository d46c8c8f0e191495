"""Components the benchmarks spawn into a ``Hub`` (top-level classes: actor processes import them).

``ProbeComponent`` is what a bot's simplest component does with market data, and nothing more: it
subscribes to ``params['types']`` of ``params['codes']`` and, for every batch, notes when its
events reached user code. It reports back through its status (``hub.status()``), under
``probe``: a cumulative :class:`~upbit_actors.tools.bench.pipeline_stats.Snapshot` taken when
the status request is handled, so the bench can difference two of them whatever the delay of
the status round trip.
"""

from __future__ import annotations

import time
from typing import Any

from upbit_actors import Component, DataType
from upbit_actors.tools.bench.pipeline_stats import Recorder

__all__ = ["ProbeComponent", "SlowComponent"]


class ProbeComponent(Component):
    """Counts events and their latency (frame ``timestamp`` to ``on_batch``).

    ``params``: ``codes`` (list of codes), ``types`` (data type names, default ticker and trade).
    """

    def __init__(self) -> None:
        super().__init__()
        self.recorder = Recorder()

    def on_start(self) -> None:
        codes = list(self.params.get("codes", ()))
        for name in self.params.get("types", ("ticker", "trade")):
            self.subscribe(DataType(name), codes)

    def on_batch(self, batch: Any) -> None:
        # One clock read per batch: every event of it reaches user code at the same moment.
        self.recorder.add_batch(time.time() * 1000.0,
                                (getattr(event, "timestamp", None) for event in batch.events))

    def status_details(self) -> dict:
        return {**super().status_details(), "probe": self.recorder.snapshot(time.time()).as_dict()}


class SlowComponent(Component):
    """Subscribes like ``ProbeComponent`` and spends ``params['delay']`` seconds per event: the
    slow neighbour of the slow-beside-fast case (issue 16). Its policy: the defaults."""

    def on_start(self) -> None:
        codes = list(self.params.get("codes", ()))
        for name in self.params.get("types", ("ticker", "trade")):
            self.subscribe(DataType(name), codes)

    def on_batch(self, batch: Any) -> None:
        time.sleep(self.params.get("delay", 0.002) * len(batch.events))

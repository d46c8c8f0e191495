"""What a hub runs in the bot's process beside the tree: the component output receiver and the
metrics endpoint, both asked for in ``HubConfig`` (``component_output``, ``metrics_port``).

``HubBase`` calls ``system_options()`` before it starts the actor system (the receiver must exist
first: its port and token go into Thespian's ``logDefs``), ``start_metrics(hub)`` once the tree is
up, and ``close_metrics()`` / ``close_output()`` around stopping the system (the receiver last, so
the records written while components stop still arrive).
"""

from __future__ import annotations

from typing import Any

from upbit_actors.messages import HubConfig
from upbit_actors.system.runtime.logforward import OutputReceiver

__all__ = ["HubServices"]


class HubServices:
    """The receiver and the metrics server of one hub (either may be off)."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.output: OutputReceiver | None = None
        self.metrics: Any = None
        """A ``system.embed.metrics.MetricsServer`` while the hub runs with ``metrics_port``."""

    def system_options(self) -> dict[str, Any]:
        """Extra ``runtime.start_system`` options; starts the receiver when output is forwarded."""
        if not self.config.component_output:
            return {}
        if self.output is None:
            self.output = OutputReceiver(self.config.component_log_level)
        return {"log_forward": self.output.forward}

    def start_metrics(self, hub: Any) -> None:
        if self.config.metrics_port is None or self.metrics is not None:
            return
        from upbit_actors.system.embed.metrics import MetricsServer, private_status

        self.metrics = MetricsServer(lambda: private_status(hub), self.config.metrics_port)

    @property
    def metrics_url(self) -> str | None:
        return self.metrics.url if self.metrics is not None else None

    def close_metrics(self) -> None:
        metrics, self.metrics = self.metrics, None
        if metrics is not None:
            metrics.close()

    def close_output(self) -> None:
        output, self.output = self.output, None
        if output is not None:
            output.close()

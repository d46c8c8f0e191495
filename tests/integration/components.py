"""Components the integration tests spawn (importable: every actor process loads them by path)."""

from __future__ import annotations

from upbit_actors.actors.component import Component


class Collector(Component):
    """Subscribes to ticker and trade codes from its params and counts events by type."""

    def __init__(self) -> None:
        super().__init__()
        self.by_type: dict[str, int] = {}
        self.codes_seen: set[str] = set()
        self.rejected: list[str] = []
        self.alerts: list[str] = []

    def on_start(self) -> None:
        if self.params.get("ticker"):
            self.subscribe("ticker", self.params["ticker"])
        if self.params.get("trade"):
            self.subscribe("trade", self.params["trade"])

    def on_event(self, event) -> None:
        name = type(event).__name__
        self.by_type[name] = self.by_type.get(name, 0) + 1
        self.codes_seen.add(f"{name}:{event.code}")

    def on_rejected(self, msg) -> None:
        self.rejected.append(msg.reason)

    def on_alert(self, msg) -> None:
        self.alerts.append(msg.kind)

    def status_details(self) -> dict:
        return {**super().status_details(), "by_type": dict(self.by_type),
                "codes_seen": sorted(self.codes_seen), "rejected": list(self.rejected),
                "alerts": list(self.alerts)}


class SlowTape(Component):
    """Subscribes to trades of ``params['trade']`` and takes ``params['delay']`` seconds per event:
    a consumer that falls behind, so its buffer in the router must apply its overflow policy."""

    def on_start(self) -> None:
        self.subscribe("trade", self.params["trade"])

    def on_batch(self, batch) -> None:
        import time

        time.sleep(self.params.get("delay", 0.001) * len(batch.events))


class PolicyTape(Component):
    """Subscribes to ``params['type']`` on ``params['codes']`` with the overflow policy in
    ``params['delivery']`` (keyword arguments of ``subscribe``), takes ``params['delay']`` seconds
    per event, and reports what it got and the losses it was told of."""

    def __init__(self) -> None:
        super().__init__()
        self.per_code: dict[str, int] = {}
        self.told: dict[str, int] = {}

    def on_start(self) -> None:
        self.subscribe(self.params["type"], self.params.get("codes", ()), **self.params.get("delivery", {}))

    def on_batch(self, batch) -> None:
        import time

        super().on_batch(batch)
        time.sleep(self.params.get("delay", 0.0) * len(batch.events))

    def on_event(self, event) -> None:
        code = getattr(event, "code", "") or ""
        self.per_code[code] = self.per_code.get(code, 0) + 1

    def on_losses(self, losses) -> None:
        for loss in losses:
            key = f"{loss.data_type.value}/{loss.reason}"
            self.told[key] = self.told.get(key, 0) + loss.count

    def status_details(self) -> dict:
        return {**super().status_details(), "per_code": dict(self.per_code), "told": dict(self.told)}


class CrashOnStart(Component):
    """Its process dies as soon as it starts: a component that can never run."""

    def on_start(self) -> None:
        import os

        os._exit(3)

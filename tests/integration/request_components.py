"""A component for tests/integration/test_requests.py (importable: actor processes load it by path)."""

from __future__ import annotations

from upbit_actors.actors.component import Component


class Prober(Component):
    """Subscribes with each ``(args, kwargs)`` of ``params['requests']`` in turn, and reports the
    reasons of its rejections, the codes its events came from, and whatever ``subscribe`` raised."""

    def __init__(self) -> None:
        super().__init__()
        self.rejected: list[str] = []
        self.raised: list[str] = []
        self.codes: set[str] = set()

    def on_start(self) -> None:
        for args, kwargs in self.params["requests"]:
            try:
                self.subscribe(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - reported: the test asserts there is none
                self.raised.append(f"{type(exc).__name__}: {exc}")

    def on_rejected(self, msg) -> None:
        self.rejected.append(msg.reason)

    def on_event(self, event) -> None:
        self.codes.add(f"{type(event).__name__}:{event.code}")

    def status_details(self) -> dict:
        return {**super().status_details(), "rejected": list(self.rejected), "raised": list(self.raised),
                "codes": sorted(self.codes)}

"""The Prometheus endpoint of a hub (``HubConfig.metrics_port``): a collector in the bot's process.

On every scrape the collector asks the supervisor for the tree's ``SystemStatus`` (the same one
``hub.status()`` and ``upbit-actors status`` show) through an endpoint of its own
(``ActorSystem.private()``, so the bot's thread keeps the hub to itself), and turns it into the
families of ``system.metrics.families``. Nothing is counted on the data path for metrics, and
nothing runs between scrapes. ``upbit_actors_up`` is 0 when the tree did not answer.

The HTTP server is prometheus_client's, bound to 127.0.0.1 only (the README's Security section:
local processes can read it; it serves figures, never keys). prometheus_client is an optional
dependency: ``pip install 'upbit-actors[metrics]'``.

Exception tree: ``HubError`` when prometheus_client is missing or the port cannot be bound.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from upbit_actors.messages import StatusRequest, SystemStatus
from upbit_actors.system.embed.attach import ask_for
from upbit_actors.system.errors import HubError
from upbit_actors.system.metrics.families import PREFIX, Family, families

__all__ = ["BIND_HOST", "SCRAPE_TIMEOUT", "MetricsServer", "StatusCollector", "private_status"]

BIND_HOST = "127.0.0.1"
SCRAPE_TIMEOUT = 3.0
"""Seconds to wait for the tree's status per scrape (Prometheus' default scrape timeout is 10 s;
the supervisor answers with what it has after 1 s)."""


def private_status(hub: Any, timeout: float = SCRAPE_TIMEOUT) -> SystemStatus:
    """The tree's status, asked from a Thespian endpoint of this thread's own."""
    asys, supervisor = hub._asys, hub.supervisor
    if asys is None or supervisor is None:
        raise HubError("the hub is not started")
    request_id = uuid.uuid4().hex
    with asys.private() as ctx:
        return ask_for(ctx, supervisor, StatusRequest(request_id=request_id), SystemStatus,
                       match=lambda r: r.request_id == request_id, timeout=timeout)


def _prometheus(family: Family) -> Any:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

    labels = list(family.labels)
    if family.kind == "counter":
        out = CounterMetricFamily(family.name, family.doc, labels=labels)
        for values, value in family.samples:
            out.add_metric(list(values), value)
    elif family.kind == "gauge":
        out = GaugeMetricFamily(family.name, family.doc, labels=labels)
        for values, value in family.samples:
            out.add_metric(list(values), value)
    else:
        out = HistogramMetricFamily(family.name, family.doc, labels=labels)
        for values, hist in family.samples:
            bounds = [*(repr(float(b)) for b in hist["le"]), "+Inf"]
            out.add_metric(list(values), buckets=list(zip(bounds, hist["buckets"])),
                           sum_value=hist["sum"])
    return out


class StatusCollector:
    """A prometheus_client collector: one status query per scrape (see the module docstring)."""

    def __init__(self, ask_status: Callable[[], SystemStatus]) -> None:
        self._ask = ask_status
        self._lock = threading.Lock()  # concurrent scrapes ask one at a time

    def describe(self) -> list[Any]:
        return []  # no query when the collector is registered

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily(PREFIX + "up", "1 when the actor tree answered this scrape")
        try:
            with self._lock:
                status = self._ask()
        except Exception:  # a stopping or dead tree: say so, never fail the scrape
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for family in families(status):
            yield _prometheus(family)


class MetricsServer:
    """prometheus_client's HTTP server on 127.0.0.1:``port`` (0: a free one) with a registry of
    its own holding one ``StatusCollector``. ``close()`` stops it."""

    def __init__(self, ask_status: Callable[[], SystemStatus], port: int) -> None:
        try:
            from prometheus_client import CollectorRegistry, start_http_server
        except ImportError:
            raise HubError("metrics_port needs prometheus_client: pip install 'upbit-actors[metrics]'") from None
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(StatusCollector(ask_status))
        try:
            self._server, self._thread = start_http_server(port, addr=BIND_HOST, registry=self.registry)
        except OSError as exc:
            raise HubError(f"cannot serve metrics on {BIND_HOST}:{port}: {exc.strerror or exc}") from None
        self.port: int = self._server.server_port
        """The port bound (the one asked for, or the free one picked for 0)."""

    @property
    def url(self) -> str:
        return f"http://{BIND_HOST}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

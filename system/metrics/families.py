"""A ``SystemStatus`` as metric families: what ``system.embed.metrics`` serves to Prometheus.

Every figure comes from the actors' own status (``ActorStatus`` and its ``details``), gathered
by the supervisor at scrape time; nothing is counted twice for metrics. Counters are the actors'
totals since they started: a restarted actor starts again from 0, which Prometheus' ``rate()``
reads as a counter reset.

=======================================  =======  ============================================
family (``upbit_actors_`` prefix)        kind     from
=======================================  =======  ============================================
``events_in{type}``                      counter  router: events read from frames, per type
``events_out{type}``                     counter  router: events handed to consumers, per type
``frames{endpoint}``                     counter  connection: frames received
``drops{component,reason}``              counter  router: each consumer's numeric figures whose
                                                  name has ``drop`` or ``replaced`` (read
                                                  generically: policies add reasons);
                                                  connection: ``frames_lost``
``losses{component,type,reason}``       counter  router: each consumer's ``losses`` (issue 16)
``reconnects{endpoint}``                 counter  connection
``restarts{role}``                       counter  supervisor's restart ledger
``messages_handled{role}``               counter  every actor
``component_events{component}``          counter  each component actor: events received
``rate_budget_used{endpoint,window}``    gauge    limiter: requests (handshakes) in the window
``rate_budget_limit{endpoint,window}``   gauge    the limits kept (``system/limiter/budget.py``)
``queue_depth{role}``                    gauge    every actor's own buffers
``consumer_buffered{component}``         gauge    router: events waiting per consumer
``connection_up{endpoint}``              gauge    1 when the socket is open
``batch_ack_seconds``                    histo    router: batch sent -> consumer's ack
``component_batch_seconds{component}``   histo    component: decode + handlers per batch
=======================================  =======  ============================================

Pure: no I/O, no prometheus_client. Exception tree: none raised (odd shapes are skipped).
"""

from __future__ import annotations

from typing import Any

from attrs import define, field

from upbit_actors.messages.admin import SystemStatus
from upbit_actors.system.limiter.budget import (
    HANDSHAKES_PER_MINUTE,
    HANDSHAKES_PER_SECOND,
    MESSAGES_PER_MINUTE,
    MESSAGES_PER_SECOND,
)
from upbit_actors.system.metrics.histogram import is_histogram

__all__ = ["PREFIX", "Family", "families", "numeric_drops"]

PREFIX = "upbit_actors_"


@define
class Family:
    """One metric family: ``samples`` are (label values, value); a histogram's value is the
    ``LatencyHistogram.as_dict`` shape."""

    name: str
    kind: str
    """``counter``, ``gauge`` or ``histogram``."""
    doc: str
    labels: tuple[str, ...] = ()
    samples: list[tuple[tuple[str, ...], Any]] = field(factory=list)

    def add(self, *labels_then_value: Any) -> None:
        *labels, value = labels_then_value
        self.samples.append((tuple(str(label) for label in labels), value))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numeric_drops(figures: dict[str, Any]) -> dict[str, float]:
    """The figures of one consumer's router buffer that count losses: every numeric key whose
    name contains ``drop`` or ``replaced`` (the router's policies may add more)."""
    return {k: v for k, v in figures.items() if _number(v) and ("drop" in k or "replaced" in k)}


def _families() -> dict[str, Family]:
    specs = [
        ("events_in", "counter", "Events the router read from frames, per type", ("type",)),
        ("events_out", "counter", "Events the router handed to consumers, per type", ("type",)),
        ("frames", "counter", "Frames received per connection", ("endpoint",)),
        ("drops", "counter", "Events dropped or replaced before delivery, per consumer and reason",
         ("component", "reason")),
        ("losses", "counter", "Events an overflow policy took, per consumer, data type and reason "
         "(latest: replaced; throttle: throttled; drop_oldest, drop_newest; block: overflow)",
         ("component", "type", "reason")),
        ("reconnects", "counter", "Reconnects per connection", ("endpoint",)),
        ("restarts", "counter", "Restarts per role (the supervisor's ledger)", ("role",)),
        ("messages_handled", "counter", "Messages each actor handled", ("role",)),
        ("component_events", "counter", "Events each component actor received", ("component",)),
        ("rate_budget_used", "gauge", "Requests (handshakes) sent in the window", ("endpoint", "window")),
        ("rate_budget_limit", "gauge", "Requests (handshakes) allowed in the window", ("endpoint", "window")),
        ("queue_depth", "gauge", "Items waiting in each actor's own buffers", ("role",)),
        ("consumer_buffered", "gauge", "Events waiting in the router per consumer", ("component",)),
        ("connection_up", "gauge", "1 when the connection's socket is open", ("endpoint",)),
        ("batch_ack_seconds", "histogram", "Router batch sent until the consumer acknowledged it", ()),
        ("component_batch_seconds", "histogram", "Seconds a component spent on one batch",
         ("component",)),
    ]
    return {name: Family(PREFIX + name, kind, doc, labels) for name, kind, doc, labels in specs}


def _router(d: dict[str, Any], out: dict[str, Family]) -> None:
    for key, family in (("events_in", "events_in"), ("events_out", "events_out")):
        for data_type, n in (d.get(key) or {}).items():
            out[family].add(data_type, n)
    if is_histogram(d.get("ack_latency")):
        out["batch_ack_seconds"].add(d["ack_latency"])
    for name, figures in (d.get("components") or {}).items():
        if not isinstance(figures, dict):
            continue
        for reason, n in numeric_drops(figures).items():
            out["drops"].add(name, reason, n)
        for key, n in (figures.get("losses") or {}).items():  # "trade/drop_oldest": n
            data_type, _, reason = str(key).partition("/")
            if _number(n):
                out["losses"].add(name, data_type, reason, n)
        if _number(figures.get("buffered")):
            out["consumer_buffered"].add(name, figures["buffered"])


def _limiter(d: dict[str, Any], out: dict[str, Family]) -> None:
    for endpoint, link in d.items():
        if isinstance(link, dict) and "used_1s" in link:
            for window, used, limit in (("1s", link.get("used_1s"), MESSAGES_PER_SECOND),
                                        ("60s", link.get("used_60s"), MESSAGES_PER_MINUTE)):
                out["rate_budget_used"].add(endpoint, window, used or 0)
                out["rate_budget_limit"].add(endpoint, window, limit)
    for window, limit in (("1s", HANDSHAKES_PER_SECOND), ("60s", HANDSHAKES_PER_MINUTE)):
        if f"handshakes_used_{window}" in d:
            out["rate_budget_used"].add("handshakes", window, d[f"handshakes_used_{window}"] or 0)
            out["rate_budget_limit"].add("handshakes", window, limit)


def _connection(role: str, state: str, d: dict[str, Any], out: dict[str, Family]) -> None:
    endpoint = d.get("endpoint") or role.partition(".")[2]
    for key, family in (("frames", "frames"), ("reconnects", "reconnects")):
        if _number(d.get(key)):
            out[family].add(endpoint, d[key])
    if _number(d.get("frames_lost")):
        out["drops"].add(role, "frames_lost", d["frames_lost"])
    out["connection_up"].add(endpoint, 1 if state == "open" else 0)


def families(status: SystemStatus) -> list[Family]:
    """Every family of the module docstring, filled from ``status`` (empty ones included)."""
    out = _families()
    for actor in status.actors:
        d = dict(actor.details)
        kind = actor.role.split(":")[0].split(".")[0]
        out["messages_handled"].add(actor.role, actor.handled)
        out["queue_depth"].add(actor.role, actor.queue_depth)
        if kind == "router":
            _router(d, out)
        elif kind == "limiter":
            _limiter(d, out)
        elif kind == "connection":
            _connection(actor.role, actor.state, d, out)
        elif kind == "supervisor":
            for role, n in (d.get("restarts") or {}).items():
                if _number(n):
                    out["restarts"].add(role, n)
        elif kind == "component":
            name = actor.role.partition(":")[2]
            if _number(d.get("events_received")):
                out["component_events"].add(name, d["events_received"])
            if is_histogram(d.get("batch_seconds")):
                out["component_batch_seconds"].add(name, d["batch_seconds"])
    return list(out.values())

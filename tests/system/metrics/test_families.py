"""A hand-built ``SystemStatus`` as metric families: every figure where it belongs, drops read
generically from the router's per-consumer figures, odd shapes skipped."""

from __future__ import annotations

from upbit_actors.messages import ActorStatus, SystemStatus
from upbit_actors.system.limiter.budget import MESSAGES_PER_SECOND
from upbit_actors.system.metrics.families import families, numeric_drops
from upbit_actors.system.metrics.histogram import LatencyHistogram

HIST = LatencyHistogram()
HIST.observe(0.002)


def _actor(role: str, state: str = "running", **details) -> ActorStatus:
    return ActorStatus(role=role, address="a", pid=1, state=state, started_at=0.0, handled=5,
                       queue_depth=2, details=tuple(details.items()))


def _status() -> SystemStatus:
    return SystemStatus(request_id="r", collected_at=1.0, actors=(
        _actor("supervisor", restarts={"router": 1, "registry": 0}),
        _actor("router", frames=10, events_in={"trade": 7, "ticker": 3}, events_out={"trade": 14},
               ack_latency=HIST.as_dict(),
               components={"tape": {"buffered": 4, "dropped": 2, "replaced": 1, "drop_newest": 3,
                                    "delivered": 9, "in_flight": True,
                                    "losses": {"trade/drop_oldest": 2, "ticker/replaced": 1}},
                           "odd": "not a dict"}),
        _actor("limiter", public={"used_1s": 1, "used_60s": 3}, handshakes_used_1s=1,
               handshakes_used_60s=2),
        _actor("connection.public", state="open", endpoint="public", frames=10, reconnects=2,
               frames_lost=0),
        _actor("connection.private", state="idle", endpoint="private", frames=0, reconnects=0),
        _actor("component:tape", events_received=9, batch_seconds=HIST.as_dict()),
    ))


def _samples() -> dict[str, dict[tuple[str, ...], object]]:
    return {f.name: dict(f.samples) for f in families(_status())}


def test_every_figure_lands_in_its_family() -> None:
    s = _samples()
    assert s["upbit_actors_events_in"] == {("trade",): 7, ("ticker",): 3}
    assert s["upbit_actors_events_out"] == {("trade",): 14}
    assert s["upbit_actors_frames"] == {("public",): 10, ("private",): 0}
    assert s["upbit_actors_reconnects"] == {("public",): 2, ("private",): 0}
    assert s["upbit_actors_restarts"] == {("router",): 1, ("registry",): 0}
    assert s["upbit_actors_connection_up"] == {("public",): 1, ("private",): 0}
    assert s["upbit_actors_rate_budget_used"][("public", "1s")] == 1
    assert s["upbit_actors_rate_budget_limit"][("public", "1s")] == MESSAGES_PER_SECOND
    assert s["upbit_actors_rate_budget_used"][("handshakes", "60s")] == 2
    assert s["upbit_actors_queue_depth"][("router",)] == 2
    assert s["upbit_actors_consumer_buffered"] == {("tape",): 4}
    assert s["upbit_actors_component_events"] == {("tape",): 9}
    assert s["upbit_actors_batch_ack_seconds"][()]["count"] == 1
    assert s["upbit_actors_component_batch_seconds"][("tape",)]["count"] == 1


def test_drops_are_every_numeric_drop_or_replaced_figure_per_consumer() -> None:
    drops = _samples()["upbit_actors_drops"]
    assert drops == {("tape", "dropped"): 2, ("tape", "replaced"): 1, ("tape", "drop_newest"): 3,
                     ("connection.public", "frames_lost"): 0}
    assert numeric_drops({"dropped": True, "replaced": "x", "drop": 1.5}) == {"drop": 1.5}


def test_losses_per_consumer_type_and_reason() -> None:
    assert _samples()["upbit_actors_losses"] == {("tape", "trade", "drop_oldest"): 2,
                                                 ("tape", "ticker", "replaced"): 1}


def test_an_empty_status_still_names_every_family() -> None:
    names = {f.name for f in families(SystemStatus(request_id="r", actors=()))}
    assert "upbit_actors_events_in" in names and all(not f.samples for f in
                                                     families(SystemStatus(request_id="r", actors=())))

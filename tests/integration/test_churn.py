"""Heavy subscription churn never breaks Upbit's rate limits and ends on the right merged set.

Issue 4, Tests: "limiter never exceeded under heavy churn (simulator violations stay 0)". Several
``Churner`` components play a seeded script of single-key subscribe/unsubscribe steps (bursts
inside the 0.1 s merge window, and steps spread out) while the test opens and closes relay
streams and stops some churners mid-way. Checked on the wire, in the simulator's records:

- no ``message_rate`` / ``handshake_rate`` violation;
- per connection, at most 5 messages in any rolling 1 s and 100 in any 60 s (SPEC §5);
- data still reaches the streams and the surviving components;
- once the churn settles, the last subscribe frame asks for exactly the union of what the
  live components hold, and each survivor gets events only for keys it holds. Thespian may
  deliver one component's requests out of order, and a stopped component's last request after
  its exit: numbered whole sets (``SetSubscriptions``) and the registry's memory of exited
  instances make both harmless.

The module shares one hub and one simulator (starting a tree costs seconds).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
from thespian.actors import ActorExitRequest

from upbit_actors.actors.component import Component
from upbit_actors.actors.tree import Hub
from upbit_actors.messages import DataType, HubConfig
from upbit_actors.tools.sim import SimConfig, Simulator

from .helpers import (
    client_messages,
    details,
    drain,
    max_in_window,
    next_event,
    rate_violations,
    requested,
    subscribes,
    wait_for,
)

pytestmark = pytest.mark.slow

MARKETS = ["KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL"]
TYPES = ("ticker", "trade")
KEYS = [(t, c) for t in TYPES for c in MARKETS]
MARK = "mark"
"""Plain string told to a churner: start a fresh record of the keys it receives events for."""


class Churner(Component):
    """Plays ``params['script']``: steps ``(delay, op, type, code)``, op ``sub`` or ``unsub``.

    A step with delay 0 runs in the same turn as the one before it (a burst inside the merge
    window); other delays are timers. Records the keys it received events for since the last
    ``MARK``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.step = 0
        self.marked = False
        self.keys_since_mark: set[str] = set()
        self.events_since_mark = 0
        self._due = False
        self.replies: list[int] = []
        """Request numbers of the registry's replies, in arrival order."""
        self.empty_unsubscribes: list[int] = []
        """Unsubscribes of a key this component held that released nothing at the registry."""

    def on_subscribed(self, msg) -> None:
        number = int(msg.request_id.rpartition("-")[2])
        self.replies.append(number)
        if type(msg).__name__ == "Unsubscribed" and not msg.keys:
            self.empty_unsubscribes.append(number)

    def on_start(self) -> None:
        self._next()

    def _next(self) -> None:
        script = self.params.get("script", ())
        while self.step < len(script):
            delay, op, data_type, code = script[self.step]
            if delay > 0 and not self._due:
                self._due = True
                self.schedule(delay, "step")
                return
            self._due = False
            if op == "sub":
                self.subscribe(data_type, [code])
            else:
                self.unsubscribe(data_type, [code])
            self.step += 1

    def on_tick(self, purpose: str) -> None:
        if purpose == "step":
            self._next()

    def receiveMsg_str(self, msg: str, sender) -> None:
        if msg == MARK:
            self.marked = True
            self.keys_since_mark.clear()
            self.events_since_mark = 0

    def on_event(self, event) -> None:
        if self.marked:
            wire = {"Ticker": "ticker", "Trade": "trade"}.get(type(event).__name__, type(event).__name__)
            self.keys_since_mark.add(f"{wire}:{event.code}")
            self.events_since_mark += 1

    def status_details(self) -> dict:
        return {**super().status_details(), "step": self.step,
                "steps": len(self.params.get("script", ())), "marked": self.marked,
                "keys_since_mark": sorted(self.keys_since_mark),
                "events_since_mark": self.events_since_mark,
                "replies_out_of_order": sum(1 for a, b in zip(self.replies, self.replies[1:]) if b < a),
                "empty_unsubscribes": list(self.empty_unsubscribes)}


def make_script(rng: random.Random, steps: int) -> tuple[tuple[tuple[float, str, str, str], ...], set]:
    """A churn script and the keys it leaves held."""
    held: set[tuple[str, str]] = set()
    script = []
    for _ in range(steps):
        delay = 0.0 if rng.random() < 0.5 else rng.uniform(0.02, 0.25)
        if held and rng.random() < 0.45:
            key = rng.choice(sorted(held))
            held.discard(key)
            script.append((delay, "unsub", *key))
        else:
            key = rng.choice(KEYS)
            held.add(key)
            script.append((delay, "sub", *key))
    return tuple(script), held


def as_wire(keys) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for data_type, code in keys:
        out.setdefault(data_type, set()).add(code)
    return out


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimConfig(rate=300, markets=MARKETS, idle_timeout=60.0)) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def hub(sim: Simulator) -> Iterator[Hub]:
    config = HubConfig(public_url=sim.public_url, merge_window=0.1, backoff_initial=0.2, backoff_max=2.0)
    with Hub(config) as hub:
        yield hub


def check_wire_limits(sim: Simulator) -> dict[str, Any]:
    stats = sim.stats()
    assert rate_violations(stats) == []
    for conn, times in client_messages(stats).items():
        assert max_in_window(times, 1.0) <= 5, (conn, times)
        assert max_in_window(times, 60.0) <= 100, (conn, len(times))
    return stats


def settled(sim: Simulator, quiet: float = 1.0) -> dict[str, Any] | None:
    """The last subscribe frame once none came for ``quiet`` seconds (a few merge windows and
    a full 1 s rate window), else None."""
    frames = subscribes(sim)
    if frames and time.time() - frames[-1]["time"] >= quiet:
        return frames[-1]
    return None


OUTCOMES: dict[str, dict[str, Any]] = {}
"""What each churn run left behind, for the final-set test (the runs are the expensive part)."""

STEPS = 60
"""Steps per churner script: 7 churners give 420 changes within a few seconds."""


def churn(hub: Hub, sim: Simulator, seed: int, *, drop_mid_way: bool) -> dict[str, Any]:
    """Run the churn; check what must hold whatever the registry ends with; return the outcome."""
    rng = random.Random(seed)
    churners: dict[str, tuple[Any, set]] = {}
    for i in range(7):
        script, held = make_script(rng, STEPS)
        name = f"churn-{seed}-{i}"
        churners[name] = (hub.spawn(Churner, name, script=script), held)
    # Meanwhile: relay streams come and go from plain Python; the first two stay open.
    stream_keys: dict[str, tuple[str, str]] = {}
    streams = {}
    keep = (f"s-{seed}-0", f"s-{seed}-1")
    for i in range(8):
        key = rng.choice(KEYS)
        name = f"s-{seed}-{i}"
        streams[name] = hub.stream(DataType(key[0]), [key[1]], name=name)
        stream_keys[name] = key
        if i >= 2:
            closing = rng.choice(sorted(n for n in streams if n not in keep))
            streams.pop(closing).close()
            stream_keys.pop(closing)
    steps = lambda name: details(hub, f"component:{name}").get("step", 0)  # noqa: E731
    # Two churners stop half-way through their script: their keys should leave with them.
    stopped = sorted(churners)[:2]
    for name in stopped:
        wait_for(lambda n=name: steps(n) >= STEPS // 2, timeout=30, what=f"{name} half-way")
        hub.handle.asys.tell(churners[name][0], ActorExitRequest())
    if drop_mid_way:
        opened = sim.stats()["connections_opened"]
        sim.drop_all()
        wait_for(lambda: sim.stats()["connections_opened"] > opened, timeout=15, what="a reconnect")
    survivors = {n: v for n, v in churners.items() if n not in stopped}
    for name in survivors:
        wait_for(lambda n=name: steps(n) >= STEPS, timeout=30, what=f"{name} to finish its script")
    # Each survivor holds what its script says (its own copy, as status reports it).
    for name, (_, held) in survivors.items():
        own = set(details(hub, f"component:{name}")["subscriptions"])
        assert own == {f"{t}:{c}" for t, c in held}, (name, own, held)
    frame = wait_for(lambda: settled(sim), timeout=20, what="the wire to settle")

    # Data flows: to the streams (one event each, of their code) and to the survivors.
    for name in survivors:
        hub.handle.asys.tell(survivors[name][0], MARK)
    for name, stream in streams.items():
        drain(stream)
        assert next_event(stream, timeout=15).code == stream_keys[name][1]
    wrong: dict[str, list[str]] = {}
    for name, (_, held) in survivors.items():
        if not held:
            continue
        got = wait_for(lambda n=name: (d := details(hub, f"component:{n}")).get("marked")
                       and d["events_since_mark"] > 0 and d, timeout=15, what=f"events at {name}")
        if extra := set(got["keys_since_mark"]) - {f"{t}:{c}" for t, c in held}:
            wrong[name] = sorted(extra)
    outcome = {
        "wire": requested(frame),
        "expected": as_wire(set().union(*(held for _, held in survivors.values()), stream_keys.values())),
        "registry_holders": {c["name"]: c["keys"] for c in details(hub, "registry")["components"]},
        "model_holders": {n: len(h) for n, (_, h) in survivors.items() if h},
        "stopped": stopped,
        "events_for_keys_not_held": wrong,
        "replies": {n: {k: details(hub, f"component:{n}")[k] for k in ("replies_out_of_order",
                                                                      "empty_unsubscribes")}
                    for n in survivors},
    }
    for stream in streams.values():
        stream.close()
    for address, _ in survivors.values():
        hub.handle.asys.tell(address, ActorExitRequest())
    return outcome


def test_heavy_churn_stays_within_rate_limits(hub: Hub, sim: Simulator) -> None:
    before = len(subscribes(sim))
    OUTCOMES["churn"] = churn(hub, sim, seed=1, drop_mid_way=False)
    stats = check_wire_limits(sim)
    frames = len(subscribes(sim, stats)) - before
    assert 2 <= frames < 7 * STEPS // 4, frames  # hundreds of changes merged into far fewer frames


def test_churn_with_a_dropped_connection_stays_within_rate_limits(hub: Hub, sim: Simulator) -> None:
    opened = sim.stats()["connections_opened"]
    OUTCOMES["churn+drop"] = churn(hub, sim, seed=2, drop_mid_way=True)
    stats = check_wire_limits(sim)
    assert stats["connections_opened"] > opened


def test_after_churn_the_wire_holds_exactly_what_live_components_hold() -> None:
    if len(OUTCOMES) < 2:
        pytest.skip("needs both churn runs of this module")
    for run, outcome in OUTCOMES.items():
        assert outcome["wire"] == outcome["expected"], (run, outcome)
        assert not set(outcome["stopped"]) & set(outcome["registry_holders"]), (run, outcome)
        assert not outcome["events_for_keys_not_held"], (run, outcome)
        assert all(not r["empty_unsubscribes"] for r in outcome["replies"].values()), (run, outcome)

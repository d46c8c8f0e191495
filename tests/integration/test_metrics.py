"""The Prometheus endpoint (``HubConfig.metrics_port``): a scrape of a running tree against the
simulator shows real figures, on 127.0.0.1 only, and the port closes with the hub."""

from __future__ import annotations

import socket
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.components import Collector
from tests.polling import wait_for
from upbit_actors import DataType, Hub, HubConfig
from upbit_actors.tools.sim import SimConfig, Simulator

pytestmark = pytest.mark.slow

CODES = ["KRW-BTC", "KRW-ETH"]


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def test_a_scrape_shows_the_running_tree() -> None:
    with Simulator(SimConfig(rate=300.0, markets=CODES)) as sim, \
            Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url, metrics_port=0)) as hub:
        url = hub.metrics_url
        assert url is not None and url.startswith("http://127.0.0.1:")
        hub.spawn(Collector, "collector", ticker=CODES, trade=CODES)
        with hub.stream(DataType.TRADE, CODES) as trades:
            for _, _ in zip(trades, range(20)):
                pass

            def ready():
                samples = scrape(url)
                full = (value(samples, "upbit_actors_up") == 1
                        and (value(samples, "upbit_actors_events_in_total", type="trade") or 0) > 0
                        and (value(samples, "upbit_actors_batch_ack_seconds_count") or 0) > 0
                        and (value(samples, "upbit_actors_component_batch_seconds_count",
                                   component="collector") or 0) > 0)
                return full and samples

            samples = wait_for(ready, timeout=60, what="a scrape with traffic")
        assert value(samples, "upbit_actors_events_in_total", type="ticker") > 0
        assert value(samples, "upbit_actors_events_out_total", type="trade") > 0
        assert value(samples, "upbit_actors_frames_total", endpoint="public") > 0
        assert value(samples, "upbit_actors_reconnects_total", endpoint="public") == 0
        assert value(samples, "upbit_actors_connection_up", endpoint="public") == 1
        assert value(samples, "upbit_actors_restarts_total", role="router") == 0
        assert value(samples, "upbit_actors_rate_budget_used", endpoint="public", window="60s") >= 1
        assert value(samples, "upbit_actors_rate_budget_limit", endpoint="public", window="1s") > 0
        assert value(samples, "upbit_actors_queue_depth", role="router") is not None
        assert value(samples, "upbit_actors_consumer_buffered", component="collector") is not None
        assert value(samples, "upbit_actors_component_events_total", component="collector") > 0
        assert value(samples, "upbit_actors_messages_handled_total", role="supervisor") > 0
        drops = {dict(labels)["reason"] for (name, labels), _ in samples.items()
                 if name == "upbit_actors_drops_total" and dict(labels).get("component") == "collector"}
        assert "dropped" in drops and "replaced" in drops, drops
        assert value(samples, "upbit_actors_batch_ack_seconds_bucket", le="+Inf") == \
            value(samples, "upbit_actors_batch_ack_seconds_count")
        port = int(url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(OSError):  # the endpoint went with the hub
        socket.create_connection(("127.0.0.1", port), timeout=2).close()

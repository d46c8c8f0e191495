"""What a component prints and logs reaches the bot's ``logging`` under
``upbit_actors.component.NAME`` (``HubConfig.component_output``), and nothing when silenced."""

from __future__ import annotations

import logging

import pytest

from tests.cli.bot_components import Talker
from tests.polling import wait_for
from upbit_actors import Hub, HubConfig
from upbit_actors.tools.sim import SimConfig, Simulator

pytestmark = pytest.mark.slow


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[tuple[str, int, str, str]]:
        return [(r.name, r.levelno, r.getMessage(), getattr(r, "origin", "")) for r in list(self.records)]


@pytest.fixture
def records():
    handler = Records()
    logger = logging.getLogger("upbit_actors.component")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def said_all(hub: Hub, name: str, lines: int) -> bool:
    return any(a.role == f"component:{name}" and dict(a.details).get("said") == lines
               for a in hub.status().actors)


def test_print_and_logging_of_a_component_arrive_in_the_bots_logging(records) -> None:
    with Simulator(SimConfig(rate=200.0, markets=["KRW-BTC"])) as sim, \
            Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url)) as hub:
        hub.spawn(Talker, "talker", lines=3)
        wait_for(lambda: said_all(hub, "talker", 3), timeout=60, what="the component to speak")
        name = "upbit_actors.component.talker"
        expected = {(name, logging.INFO, f"hello from print #{n}", name) for n in (1, 2, 3)} \
            | {(name, logging.INFO, f"info from logging #{n}", "talker_bot") for n in (1, 2, 3)} \
            | {(name, logging.WARNING, f"oops on stderr #{n}", name) for n in (1, 2, 3)}
        wait_for(lambda: expected <= set(records.texts()), timeout=30, what="every line in the bot")
    texts = records.texts()
    assert not any("debug #" in text for _, _, text, _ in texts)  # below component_log_level
    prints = [t for _, _, t, _ in texts if t.startswith("hello from print")]
    assert prints == sorted(prints)  # one component's lines keep their order
    assert all(r.component == "talker" for r in records.records)


def test_component_output_false_silences_it(records) -> None:
    with Simulator(SimConfig(rate=200.0, markets=["KRW-BTC"])) as sim, \
            Hub(HubConfig(public_url=sim.public_url, private_url=sim.private_url,
                          component_output=False)) as hub:
        hub.spawn(Talker, "quiet", lines=2)
        wait_for(lambda: said_all(hub, "quiet", 2), timeout=60, what="the component to speak")
        # the component's stderr warnings would arrive within the same status round trips; the
        # stop below waits for the tree, so anything forwarded would be in by then
    assert [t for t in records.texts() if t[0].endswith(".quiet")] == []

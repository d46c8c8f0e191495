"""Component output without an actor system: lines to records, the logDefs routing, the bot's
receiver (token first, JSON lines, never pickle)."""

from __future__ import annotations

import json
import logging
import socket

from thespian.system.multiprocCommon import get_min_log_level

from tests.polling import wait_for
from upbit_actors.system.runtime.logdefs import build_log_defs
from upbit_actors.system.runtime.logforward import (
    ForwardHandler,
    FromComponents,
    NotFromComponents,
    OutputReceiver,
)
from upbit_actors.system.runtime.output import LineWriter


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_line_writer_logs_whole_lines() -> None:
    logger = logging.getLogger("test_output.writer")
    keep = Keep()
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    try:
        writer = LineWriter(logger, logging.INFO, "<stdout>")
        print("one", "two", file=writer)
        writer.write("half")
        assert [r.getMessage() for r in keep.records] == ["one two"]
        writer.write(" and rest\nnext")
        writer.flush()
        assert [r.getMessage() for r in keep.records] == ["one two", "half and rest", "next"]
    finally:
        logger.removeHandler(keep)


def test_forwarding_does_not_lower_the_level_actors_filter_at() -> None:
    defs = build_log_defs(forward=(1, "t"))
    assert get_min_log_level(defs) == logging.WARNING
    assert defs["root"]["handlers"] == ["main", "components"]
    assert "others" in defs["handlers"]["main"]["filters"]
    assert "components" not in build_log_defs()["handlers"]


def test_filters_split_records_by_their_component_tag() -> None:
    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    tagged = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    tagged.component = "board"
    assert FromComponents().filter(tagged) and not FromComponents().filter(plain)
    assert NotFromComponents().filter(plain) and not NotFromComponents().filter(tagged)


def test_the_receiver_re_emits_forwarded_records_and_refuses_a_wrong_token() -> None:
    keep = Keep()
    base = logging.getLogger("upbit_actors.component")
    base.addHandler(keep)
    receiver = OutputReceiver()
    try:
        with socket.create_connection(("127.0.0.1", receiver.port)) as intruder:
            intruder.sendall(b"wrong-token\n" + json.dumps({"component": "x", "levelno": 40,
                                                            "msg": "injected"}).encode() + b"\n")
        handler = ForwardHandler(*receiver.forward)
        record = logging.LogRecord("user.module", logging.WARNING, __file__, 1, "hi %s", ("there",), None)
        record.component = "board"
        handler.handle(record)
        found = wait_for(lambda: [r for r in keep.records if r.getMessage() == "hi there"], timeout=10,
                         what="the forwarded record")
        assert found[0].name == "upbit_actors.component.board" and found[0].origin == "user.module"
        assert found[0].levelno == logging.WARNING and found[0].component == "board"
        assert not [r for r in keep.records if r.getMessage() == "injected"]
        handler.close()
    finally:
        receiver.close()
        base.removeHandler(keep)

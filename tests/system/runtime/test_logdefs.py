"""The logDefs dict: levels filtered in the actors, never stdout, safe for Thespian's logger."""

from __future__ import annotations

import logging

from thespian.system.multiprocCommon import get_min_log_level

from upbit_actors.system.runtime.logdefs import ProcessGuard, build_log_defs


def test_log_levels_are_filtered_at_the_source() -> None:
    # Thespian gives each actor's log forwarder the lowest level found anywhere in logDefs.
    assert get_min_log_level(build_log_defs("INFO")) == logging.INFO
    assert get_min_log_level(build_log_defs()) == logging.WARNING


def test_default_output_is_stderr_and_a_file_when_asked(tmp_path) -> None:
    assert build_log_defs()["handlers"]["main"]["stream"] == "ext://sys.stderr"
    path = str(tmp_path / "hub.log")
    assert build_log_defs(log_file=path)["handlers"]["main"]["filename"] == path


def test_guard_fills_the_actor_address_of_the_logger_process_own_records() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "m", None, None)
    assert ProcessGuard().filter(record) and record.actorAddress == "-"
    logging.Formatter(build_log_defs()["formatters"]["plain"]["format"]).format(record)

"""``upbit-actors decode`` on hostile input (issue 12): every input line gives output, nothing stops it.

A frame line gives one stdout line per event it holds, or one error line on stderr; the exit
status is 0 when every line decoded, 1 when any failed, 2 for a command line that cannot run.
The regression: the first integer beyond 64 bits printed a traceback and stopped the command.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import attrs
import orjson
import pytest

from tests.cli.conftest import run_cli
from upbit_actors.system.wire.codec import decode
from upbit_actors.tools import decode_cmd
from upbit_actors.tools.cli import main

TRADE = (b'{"type":"trade","code":"KRW-BTC","timestamp":1730336862082,"trade_date":"2024-10-31",'
         b'"trade_time":"01:07:42","trade_timestamp":1730336862047,"trade_price":100473000.0,'
         b'"trade_volume":0.00014208,"ask_bid":"BID","prev_closing_price":100571000.0,"change":"FALL",'
         b'"change_price":98000.0,"sequential_id":17303368620470001,"stream_type":"REALTIME"}')


def with_id(number: int | str) -> bytes:
    return TRADE.replace(b"17303368620470001", str(number).encode())


HOSTILE = [
    with_id(2**70), with_id(-(2**64)), with_id(10**30), with_id("1e308"), b"[" * 300 + b"]" * 300,
    b"[" * 2000 + b"]" * 2000, b"\xff\xfe\x00", b"\x00", b'{"type":"trade"}', b"[1, 2, 3]",
    b"[" + TRADE + b"," + b"[" * 400 + b"]" * 400 + b"]", b'"' + b"x" * 100_000 + b'"',
]


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[bytes]) -> tuple[int, list, list]:
    frames = tmp_path / "frames.jsonl"
    frames.write_bytes(b"\n".join(lines) + b"\n")
    status = main(["decode", str(frames)])
    out, err = capsys.readouterr()
    return status, [orjson.loads(x) for x in out.splitlines()], [orjson.loads(x) for x in err.splitlines()]


def test_an_integer_beyond_64_bits_is_an_error_line_and_decoding_goes_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(tmp_path, capsys, [TRADE, with_id(2**70), TRADE])
    assert status == 1
    assert [e["sequential_id"] for e in out] == [17303368620470001, 17303368620470001]
    (error,) = err
    assert error["line"] == 2 and "integer out of range" in error["reason"]


def test_every_hostile_line_gives_output_and_the_status_says_some_failed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [TRADE, *HOSTILE, TRADE]
    status, out, err = run(tmp_path, capsys, lines)
    assert status == 1
    expected = [len(decode(line)) for line in lines]
    seen = {}  # line -> output lines (events and errors)
    for error in err:
        seen[error["line"]] = seen.get(error["line"], 0) + 1
    assert sorted(seen) == [n for n, line in enumerate(lines, 1)
                            if any(type(e).__name__ == "DecodeError" for e in decode(line))]
    assert len(out) + len(err) == sum(expected)
    assert out[0]["type"] == "trade" and out[-1]["type"] == "trade"


def test_all_good_lines_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(tmp_path, capsys, [TRADE, with_id(2**64 - 1), b"[" + TRADE + b"]"])
    assert (status, len(out), err) == (0, 3, [])
    assert out[1]["sequential_id"] == 2**64 - 1  # exact: the widest integer orjson reads


def test_an_event_that_cannot_be_written_is_an_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the codec lets through, a failure to write an event costs that line only."""
    good = decode(TRADE)[0]
    broken = attrs.evolve(good, sequential_id=2**70)  # orjson cannot write it
    calls = iter([[broken], [good]])
    monkeypatch.setattr(decode_cmd, "decode", lambda line: next(calls))
    status, out, err = run(tmp_path, capsys, [TRADE, TRADE])
    assert status == 1 and len(out) == 1 and len(err) == 1
    assert err[0]["line"] == 1 and err[0]["reason"].startswith("cannot write the event")


def test_stdin_status(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TRADE + b"\n" + with_id(2**70) + b"\n")))
    assert main(["decode"]) == 1
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TRADE + b"\n")))
    assert main(["decode", "-"]) == 0
    capsys.readouterr()


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    frames = tmp_path / "frames.jsonl"
    frames.write_bytes(b"\n".join([TRADE, *HOSTILE, TRADE]) + b"\n")
    proc = run_cli(["decode", str(frames)], timeout=60.0)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    events = [orjson.loads(line) for line in proc.stdout.splitlines()]
    assert events[0]["type"] == "trade" and events[-1]["type"] == "trade"

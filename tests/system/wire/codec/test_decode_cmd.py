"""``upbit-actors decode``: raw frames in, DEFAULT-named JSON events out, errors to stderr.

Exit status (issue 12): 0 when every line decoded, 1 when any line did not (the bundled sample
holds one deliberately broken line), 2 for a command line that cannot run."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.paths import REPO
from upbit_actors.system.wire.codec import decode
from upbit_actors.tools.cli import main
from upbit_actors.tools.decode_cmd import SAMPLE_FRAMES

from .spec_frames import DEFAULT_FRAMES, raw_json, to_simple


def lines(text: str) -> list[dict]:
    return [orjson.loads(line) for line in text.splitlines()]


def test_sample_file_has_every_type_in_every_format() -> None:
    raw = [line for line in SAMPLE_FRAMES.read_bytes().splitlines() if line.strip()]
    kinds, broken = set(), 0
    for line in raw:
        parsed = None
        try:
            parsed = orjson.loads(line)
        except orjson.JSONDecodeError:
            broken += 1
            continue
        for item in parsed if isinstance(parsed, list) else [parsed]:
            simple = "ty" in item or "mthd" in item
            if isinstance(parsed, list):
                fmt = "SIMPLE_LIST" if simple else "JSON_LIST"
            else:
                fmt = "SIMPLE" if simple else "DEFAULT"
            kinds.add((str(item.get("type", item.get("ty", next(iter(item))))).split(".")[0], fmt))
    assert broken == 1
    for kind in ("ticker", "trade", "orderbook", "candle", "myOrder", "myAsset"):
        assert {(kind, "DEFAULT"), (kind, "SIMPLE")} <= kinds, kind
    assert {f for _, f in kinds} == {"DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST"}
    text = SAMPLE_FRAMES.read_bytes()
    needles = (b"E8", b"E-4", b"00000000,", b'"trade_status":null', b'"error"', b'"status":"UP"', b'"mthd"')
    for needle in needles:
        assert needle in text, needle
    events = [event for line in raw for event in decode(line)]
    assert any(getattr(event, "sequential_id", 0) > 2**53 for event in events)


def test_decodes_the_sample_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(SAMPLE_FRAMES)]) == 1  # its one broken line
    out, err = capsys.readouterr()
    events = lines(out)
    raw = [line for line in SAMPLE_FRAMES.read_bytes().splitlines() if line.strip()]
    assert len(events) == sum(len(decode(line)) for line in raw) - 1  # minus the broken line
    assert all(next(iter(e)) in {"type", "error", "status", "method"} for e in events)
    types = {e["type"] for e in events if "type" in e}
    assert types >= {"ticker", "trade", "orderbook", "candle.1s", "myOrder", "myAsset"}
    (error,) = lines(err)
    assert (error["file"], error["line"]) == (str(SAMPLE_FRAMES), 29)
    assert error["reason"].startswith("not JSON")


def test_output_keeps_default_names_type_first_and_exact_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = tmp_path / "frames.jsonl"
    trade = DEFAULT_FRAMES["trade"]
    frames.write_bytes(raw_json(to_simple(trade)) + b"\n\n   \n" + raw_json([trade, trade]) + b"\r\n")
    assert main(["decode", str(frames)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    events = lines(out)
    assert len(events) == 3
    first = events[0]
    assert list(first)[0] == "type" and first["type"] == "trade"
    assert first["sequential_id"] == 17303368620470001  # exact, beyond 2**53
    assert b'"sequential_id":17303368620470001' in out.encode()
    assert first["trade_date"] == "2024-10-31" and first["ask_bid"] == "BID"
    assert first["trade_price"] == 100473000.0 and first["best_ask_price"] == 100473000.0


def test_errors_name_file_and_line_and_decoding_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = tmp_path / "bad.jsonl"
    frames.write_bytes(b'{"status":"UP"}\nnot json\n\n{"type":"ticker","code":1}\n{"status":"UP"}\n')
    assert main(["decode", str(frames)]) == 1
    out, err = capsys.readouterr()
    assert lines(out) == [{"status": "UP"}, {"status": "UP"}]
    errors = lines(err)
    assert [(e["file"], e["line"]) for e in errors] == [(str(frames), 2), (str(frames), 4)]
    assert errors[1]["reason"] == "ticker.code: expected str, got int 1"


def test_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b'{"status":"UP"}\n[{"status":"UP"},{"status":"UP"}]\n'))
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["decode"]) == 0
    assert len(lines(capsys.readouterr().out)) == 3
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"oops\n")))
    assert main(["decode", "-"]) == 1
    (error,) = lines(capsys.readouterr().err)
    assert error["file"] == "<stdin>" and error["line"] == 1


def test_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "no/such/file.jsonl"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no/such/file.jsonl" in err and "no such file" in err


def test_repo_relative_path_works_from_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(["decode", "tools/data/sample_frames.jsonl"]) == 1  # the sample's broken line
    assert main(["decode", "--sample"]) == 1
    out, _ = capsys.readouterr()
    assert len(lines(out)) > 20


def test_console_script_in_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "upbit_actors.tools.cli", "decode", "tools/data/sample_frames.jsonl"],
        cwd=REPO, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # the sample's one broken line
    events = [orjson.loads(line) for line in proc.stdout.splitlines()]
    assert len(events) >= 25 and events[0]["type"] == "ticker"
    assert b"not JSON" in proc.stderr
    usage = subprocess.run([sys.executable, "-m", "upbit_actors.tools.cli", "decode", "missing.jsonl"], cwd=REPO,
                           capture_output=True, timeout=60, check=False)  # fmt: skip
    assert usage.returncode == 2 and b"missing.jsonl" in usage.stderr

"""``upbit-actors decode [FILE...]``: raw Upbit frames in, one JSON event per line out.

Input is one raw frame per line, exactly as received (DEFAULT, SIMPLE, JSON_LIST or SIMPLE_LIST;
the format is read from each frame, SPEC §3.8). No FILE, or ``-``, reads standard input; blank
lines are skipped. Each event is printed to standard output as one JSON object with DEFAULT field
names, ``type`` first, numbers as numbers (ids exact). A LIST frame prints several. A line that
does not decode (or an item of it, or an event that cannot be written out) prints
``{"file":…,"line":…,"reason":…,"excerpt":…}`` to standard error, and decoding goes on: every
frame line gives output, whatever it holds (no traceback). Exit status: 0 when every line
decoded, 1 when any did not, 2 when the command line is wrong (e.g. a missing file).

Quickstart: ``upbit-actors decode --sample`` (or ``upbit-actors decode
tools/data/sample_frames.jsonl`` from the repository root) decodes bundled frames of every type in
all four formats, with one deliberately broken line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import orjson

from upbit_actors.messages.server import DecodeError
from upbit_actors.system.wire.codec import decode, to_default_dict

__all__ = ["HELP", "SAMPLE_FRAMES", "add_arguments", "run"]

HELP = "decode raw Upbit frames (one per line) into JSON events with DEFAULT field names"

_TOOLS = Path(__file__).resolve().parent
SAMPLE_FRAMES = _TOOLS / "data" / "sample_frames.jsonl"
"""Bundled frames of every type and format (found beside this module, wherever it is installed)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="files of raw frames, one per line; none or '-' reads stdin"
    )
    parser.add_argument("--sample", action="store_true", help=f"decode the bundled {SAMPLE_FRAMES.name}")


def _resolve(name: str) -> Path | None:
    """``name`` as given, else relative to the project root (``tools/data/…`` from anywhere)."""
    for path in (Path(name), _TOOLS.parent / name):
        if path.is_file():
            return path
    return None


def _writer(stream: IO[str]) -> Callable[[bytes], Any]:
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()  # keep order with anything written as text before
        return buffer.write
    return lambda data: stream.write(data.decode())


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(stream, 1):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield number, line


def _written(event: Any) -> bytes | DecodeError:
    """The output line of one event, or why it cannot be written (the codec keeps every field
    writable; this guard keeps one odd event from stopping the command if it ever does not)."""
    try:
        return orjson.dumps(to_default_dict(event)) + b"\n"
    except Exception as exc:  # noqa: BLE001 - reported as that line's error, see above
        return DecodeError(reason=f"cannot write the event out: {exc}", excerpt=type(event).__name__)


def _decode_stream(
    label: str, stream: IO[bytes], out: Callable[[bytes], Any], err: Callable[[bytes], Any]
) -> bool:
    """Decode every line of ``stream``; True when all of them decoded."""
    clean = True
    for number, line in _lines(stream):
        for event in decode(line):
            written = event if isinstance(event, DecodeError) else _written(event)
            if isinstance(written, DecodeError):
                clean = False
                report = {"file": label, "line": number, "reason": written.reason, "excerpt": written.excerpt}
                err(orjson.dumps(report) + b"\n")
            else:
                out(written)
    return clean


def run(args: argparse.Namespace) -> int:
    names = list(args.files) + ([str(SAMPLE_FRAMES)] if args.sample else [])
    sources: list[tuple[str, Path | None]] = []
    for name in names or ["-"]:
        path = None if name == "-" else _resolve(name)
        if name != "-" and path is None:
            print(f"upbit-actors decode: error: cannot read {name!r}: no such file", file=sys.stderr)
            return 2
        sources.append((name, path))
    out, err = _writer(sys.stdout), _writer(sys.stderr)
    clean = True
    with ExitStack() as stack:
        for label, path in sources:
            if path is None:
                stdin = getattr(sys.stdin, "buffer", None) or (
                    line.encode("utf-8", "surrogateescape") for line in sys.stdin)
                clean &= _decode_stream("<stdin>", stdin, out, err)  # type: ignore[arg-type]
            else:
                try:
                    stream = stack.enter_context(path.open("rb"))
                except OSError as exc:
                    reason = f"cannot read {label!r}: {exc.strerror}"
                    print(f"upbit-actors decode: error: {reason}", file=sys.stderr)
                    return 2
                clean &= _decode_stream(label, stream, out, err)
    sys.stdout.flush()
    return 0 if clean else 1

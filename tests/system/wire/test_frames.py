"""FrameParser: frames split anywhere across reads come out whole, in order; breaches raise."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upbit_actors.system.errors import LinkError, ProtocolViolation
from upbit_actors.system.wire.frames import (
    OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, FrameParser, Parsed,
)


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0, mask: bool = False) -> bytes:
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    n = len(payload)
    bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    return head + (b"\0\0\0\0" if mask else b"") + payload


def parse(*chunks: bytes) -> tuple[Parsed, FrameParser]:
    parser, out = FrameParser(), Parsed()
    for chunk in chunks:
        parser.feed(chunk, out)
    return out, parser


# Payload sizes around every length encoding: 7-bit, 16-bit (126..65535), 64-bit (65536+).
SIZES = st.sampled_from([0, 1, 125, 126, 127, 500, 65535, 65536, 70000])


@given(sizes=st.lists(SIZES, min_size=1, max_size=6), cuts=st.lists(st.integers(0, 300_000), max_size=8),
       data=st.data())
def test_frames_cut_anywhere_come_out_whole_and_in_order(sizes, cuts, data):
    payloads = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    opcodes = [data.draw(st.sampled_from([OP_TEXT, OP_BINARY])) for _ in payloads]
    stream = b"".join(frame(op, p) for op, p in zip(opcodes, payloads))
    bounds = sorted({min(c, len(stream)) for c in cuts} | {0, len(stream)})
    out, parser = parse(*(stream[a:b] for a, b in zip(bounds, bounds[1:])))
    assert out.frames == payloads
    assert parser.pending == 0


def test_every_single_byte_boundary():
    stream = frame(OP_BINARY, b"a" * 200) + frame(OP_PING, b"hi") + frame(OP_TEXT, b"x" * 3)
    for cut in range(len(stream) + 1):
        out, parser = parse(stream[:cut], stream[cut:])
        assert out.frames == [b"a" * 200, b"x" * 3] and out.pings == [b"hi"], cut


def test_half_a_frame_waits_for_the_rest():
    out, parser = parse(frame(OP_BINARY, b"z" * 300)[:100])
    assert out.frames == [] and parser.pending == 100


def test_fragments_are_joined_around_control_frames():
    stream = (frame(OP_TEXT, b"ab", fin=False) + frame(OP_PONG, b"") + frame(OP_CONT, b"cd", fin=False)
              + frame(OP_CONT, b"ef") + frame(OP_BINARY, b"g"))
    out, _ = parse(stream)
    assert out.frames == [b"abcdef", b"g"] and out.pongs == 1


def test_nothing_after_a_close_frame_is_parsed():
    out, parser = parse(frame(OP_BINARY, b"1") + frame(OP_CLOSE, struct.pack("!H", 1000) + b"bye")
                        + frame(OP_BINARY, b"2"))
    assert out.frames == [b"1"] and out.close == b"\x03\xe8bye" and parser.pending == 0


@pytest.mark.parametrize("bad", [
    frame(OP_BINARY, b"x", mask=True),
    frame(OP_BINARY, b"x", rsv=0x40),  # compressed, but no extension was negotiated
    frame(OP_PING, b"x", fin=False),
    frame(OP_PING, b"x" * 126),
    frame(OP_CONT, b"x"),
    frame(OP_TEXT, b"a", fin=False) + frame(OP_TEXT, b"b"),
    frame(0x3, b"x"),
    bytes([0x82, 127]) + struct.pack("!Q", 1 << 40),
], ids=["masked", "rsv", "fragmented-ping", "long-ping", "lone-continuation", "nested-message",
        "reserved-opcode", "huge"])
def test_breaches_of_rfc6455_raise_a_link_error(bad):
    with pytest.raises(ProtocolViolation) as info:
        parse(bad)
    assert isinstance(info.value, LinkError)

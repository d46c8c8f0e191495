"""WsLink against a raw-socket server that controls exactly which bytes arrive when."""

from __future__ import annotations

import base64
import hashlib
import select
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time

import pytest

from upbit_actors.system.wire.wslink import HandshakeRejected, LinkError, WsLink

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


class RawServer:
    """Accepts one client, answers the upgrade (or an HTTP status), then runs ``script(conn)``."""

    def __init__(self, script, status: int = 101, tls: ssl.SSLContext | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.tls = tls
        self.port = self.listener.getsockname()[1]
        self.script = script
        self.status = status
        self.received = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn, _ = self.listener.accept()
        if self.tls is not None:
            conn = self.tls.wrap_socket(conn, server_side=True)
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            if self.status != 101:
                conn.sendall(f"HTTP/1.1 {self.status} Nope\r\nContent-Length: 0\r\n\r\n".encode())
                return
            key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key"))
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            self.script(conn, self)

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


def read_until(link: WsLink, want: int, deadline: float = 5.0):
    frames, end = [], time.monotonic() + deadline
    closed = None
    while len(frames) < want and time.monotonic() < end:
        select.select([link.fileno()], [], [], 0.05)
        result = link.read_available()
        frames += result.frames
        if result.closed:
            closed = result
            break
    return frames, closed


def test_partial_frames_resume_across_reads():
    payloads = [b'{"type":"ticker","n":%d}' % i for i in range(20)] + [b"x" * 70000]
    wire = b"".join(frame(2, p) for p in payloads)

    def dribble(conn, _server):
        for i in range(0, len(wire), 997):  # odd-sized chunks split headers and payloads
            conn.sendall(wire[i:i + 997])
            time.sleep(0.001)
        time.sleep(0.5)

    server = RawServer(dribble)
    link = WsLink(f"ws://127.0.0.1:{server.port}/websocket/v1", timeout=2)
    try:
        link.open()
        frames, _ = read_until(link, len(payloads))
        assert frames == payloads
    finally:
        link.close()
        server.close()


def test_read_never_blocks_on_half_a_frame():
    def half(conn, _server):
        conn.sendall(frame(2, b"0123456789")[:5])
        time.sleep(1.0)

    server = RawServer(half)
    link = WsLink(f"ws://127.0.0.1:{server.port}/", timeout=2)
    try:
        link.open()
        time.sleep(0.1)
        started = time.monotonic()
        result = link.read_available()
        assert result.frames == [] and not result.closed
        assert time.monotonic() - started < 0.1
    finally:
        link.close()
        server.close()


def test_ping_is_answered_and_close_frame_reported():
    def script(conn, server):
        conn.sendall(frame(9, b"hi") + frame(10, b"") + frame(8, struct.pack("!H", 1000) + b"bye"))
        conn.settimeout(2)
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                server.received += data
        except OSError:
            pass

    server = RawServer(script)
    link = WsLink(f"ws://127.0.0.1:{server.port}/", timeout=2)
    try:
        link.open()
        end = time.monotonic() + 3
        pongs, closed = 0, None
        while closed is None and time.monotonic() < end:
            select.select([link.fileno()], [], [], 0.05)
            result = link.read_available()
            pongs += result.pongs
            if result.closed:
                closed = result
        assert pongs == 1
        assert closed is not None and closed.close_code == 1000 and closed.close_reason == "bye"
    finally:
        link.close()
        server.close()
    # The client's pong to "hi" is a masked frame with opcode 0xA.
    assert server.received[0] == 0x8A


def test_abrupt_end_is_closed_without_code():
    server = RawServer(lambda conn, _s: conn.sendall(frame(2, b"{}")))
    link = WsLink(f"ws://127.0.0.1:{server.port}/", timeout=2)
    try:
        link.open()
        frames, closed = read_until(link, 2)
        assert frames == [b"{}"]
        assert closed is not None and closed.close_code is None
    finally:
        link.close()
        server.close()


@pytest.mark.parametrize("status", [401, 429, 503])
def test_http_refusal_is_typed(status):
    server = RawServer(lambda conn, _s: None, status=status)
    link = WsLink(f"ws://127.0.0.1:{server.port}/", timeout=2)
    try:
        with pytest.raises(HandshakeRejected) as info:
            link.open()
        assert info.value.status == status
        assert not link.is_open
    finally:
        server.close()


def test_connect_refused_and_repr_hides_headers():
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    link = WsLink(f"ws://127.0.0.1:{port}/", headers=["Authorization: Bearer SECRET"], timeout=1)
    with pytest.raises(LinkError):
        link.open()
    assert "SECRET" not in repr(link)


@pytest.fixture
def tls_pair(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1, trusted by websocket-client for this test only."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    monkeypatch.setenv("WEBSOCKET_CLIENT_CA_BUNDLE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_tls_bulk_reads_never_leave_decrypted_bytes_where_select_cannot_see_them(tls_pair):
    # Upbit is wss://. Bytes TLS has decrypted into its own buffer do not wake select: a read that
    # stopped with some left there would stall until the server sent more (THESPIAN.md). Each
    # read asks for more than a TLS record holds (CHUNK), so a read capped at max_frames leaves
    # only encrypted bytes, in the kernel, where select sees them.
    payloads = [b'{"type":"trade","n":%d}' % i for i in range(3000)] + [b"y" * 70000]

    def burst(conn, _server):
        conn.sendall(b"".join(frame(2, p) for p in payloads))
        time.sleep(1.5)

    server = RawServer(burst, tls=tls_pair)
    link = WsLink(f"wss://127.0.0.1:{server.port}/", timeout=5)
    try:
        link.open()
        got, end = [], time.monotonic() + 5
        while len(got) < len(payloads) and time.monotonic() < end:
            select.select([link.fileno()], [], [], 0.5)
            got += link.read_available(max_frames=50).frames
            assert link._ws.sock.pending() == 0  # nothing left where select cannot see it
        assert got == payloads
    finally:
        link.close()
        server.close()

"""Tests of system.wire.codec: decoding Upbit frames, the converter, and the decode command."""

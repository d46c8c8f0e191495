"""Tests of system.codec: decoding Upbit frames, the converter, and the decode command."""

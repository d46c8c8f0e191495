"""upbit_actors.system.connection.auth: error frames, refused tokens, confirmation and keys versions (SPEC §6-7)."""

from __future__ import annotations

from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.connection.auth import AUTH_CONFIRM_AFTER, FrameCheck, PrivateAuth, check_frames

INVALID_AUTH = b'{"error":{"name":"INVALID_AUTH","message":"bad token"}}'
WRONG_FORMAT = b'[{"error":{"name":"WRONG_FORMAT","message":"bad request"}}]'
DATA = b'{"type":"myOrder","code":"KRW-BTC"}'


def configured(max_failures: int = 3) -> PrivateAuth:
    auth = PrivateAuth()
    auth.configure(HubConfig(max_auth_failures=max_failures, backoff_initial=0.5, backoff_max=30.0))
    return auth


def test_confirmation_waits_past_the_error_close() -> None:
    # SPEC §6: Upbit closes ~150-180 ms after an error frame.
    assert AUTH_CONFIRM_AFTER > 0.2


def test_check_frames() -> None:
    assert check_frames([]) == FrameCheck(served=False, error=None, refused=False)
    assert check_frames([DATA]) == FrameCheck(served=True, error=None, refused=False)
    assert check_frames([WRONG_FORMAT, DATA]) == FrameCheck(
        served=True, error="WRONG_FORMAT: bad request", refused=False)
    # INVALID_AUTH stops the scan: what follows is not looked at.
    assert check_frames([DATA, INVALID_AUTH, WRONG_FORMAT]) == FrameCheck(
        served=True, error="INVALID_AUTH: bad token", refused=True)
    assert check_frames([INVALID_AUTH, DATA]).served is False


def test_refused_gives_growing_floors_then_stops() -> None:
    auth = configured(max_failures=3)
    assert auth.failures == 0
    assert [auth.refused(), auth.refused(), auth.refused()] == [0.5, 1.0, None]
    assert auth.failures == 3
    assert auth.reset() and auth.failures == 0


def test_nothing_before_configure() -> None:
    auth = PrivateAuth()
    assert auth.failures == 0
    assert not auth.reset()


def test_confirmation_only_after_failures_and_for_the_same_socket() -> None:
    auth = configured()
    assert not auth.await_confirmation(epoch=1)  # no failure: nothing to confirm
    auth.refused()
    assert auth.await_confirmation(epoch=2)
    auth.confirm(epoch=3)  # another socket: proves nothing
    assert auth.failures == 1
    auth.confirm(epoch=2)
    assert auth.failures == 0


def test_a_data_frame_is_proof() -> None:
    auth = configured()
    auth.refused()
    auth.served()
    assert auth.failures == 0


def test_keys_versions() -> None:
    auth = PrivateAuth()
    assert not auth.on_keys(version=1, loaded=True)  # the first heard is no change
    assert (auth.keys_version, auth.keys_loaded) == (1, True)
    assert not auth.on_keys(version=1, loaded=True)
    assert auth.on_keys(version=2, loaded=False)
    assert (auth.keys_version, auth.keys_loaded) == (2, False)

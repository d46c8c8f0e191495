"""What the private connection knows about its token: refusals, confirmation, keys (SPEC §6-7).

Upbit refuses a bad token with HTTP 401 at the upgrade or, after accepting the upgrade, with an
INVALID_AUTH error frame in answer to the request, then closes the socket ~150-180 ms later. So
an open socket proves nothing: the failure count of ``AuthFailurePolicy`` resets only once the
server has shown it took the token: a data frame, or ``AUTH_CONFIRM_AFTER`` seconds open after
the request without INVALID_AUTH. New keys (another ``KeysState.version``) or ``ResetAuth``
forget the failures.

``check_frames`` reads the error frames of a batch for either endpoint (``last_error``, and
INVALID_AUTH, which the connection treats as a refused token wherever it comes from).

Pure: no I/O, no clock. Exception tree: none of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrs import define, frozen

from upbit_actors.messages import UpbitError
from upbit_actors.messages.lifecycle import HubConfig
from upbit_actors.system.connection.backoff import AuthFailurePolicy
from upbit_actors.system.wire.codec import decode

__all__ = ["AUTH_CONFIRM_AFTER", "FrameCheck", "PrivateAuth", "check_frames"]

AUTH_CONFIRM_AFTER = 2.0
"""Seconds the private socket must stay open after its request, with no INVALID_AUTH, for the
token to count as accepted. Upbit answers a bad request at once and closes ~150-180 ms later
(SPEC §6); 2 s leaves room for a loaded machine."""

_ERROR_PREFIXES = (b'{"error"', b'[{"error"')


@frozen
class FrameCheck:
    """What the error frames of one batch say."""

    served: bool
    """Some frame was not an error: the server is serving us (when not ``refused``)."""
    error: str | None
    """``NAME: message`` of the last error frame read; None when there was none."""
    refused: bool
    """An INVALID_AUTH frame: the token was refused (frames after it were not looked at)."""


def check_frames(frames: Sequence[bytes]) -> FrameCheck:
    """Look at the error frames of a batch (only those are decoded: cheap on the data path)."""
    served = False
    error = None
    for frame in frames:
        if not frame.startswith(_ERROR_PREFIXES):
            served = True
            continue
        for item in decode(frame):
            if isinstance(item, UpbitError):
                error = f"{item.name}: {item.message}"
                if item.name == "INVALID_AUTH":
                    return FrameCheck(served=served, error=error, refused=True)
    return FrameCheck(served=served, error=error, refused=False)


@define
class PrivateAuth:
    """The token's standing on the private connection (see the module docstring)."""

    policy: AuthFailurePolicy | None = None
    """Set by ``configure``; None until the connection is configured."""
    confirm_epoch: int = -1
    """The socket epoch whose request waits for ``AUTH_CONFIRM_AFTER`` to count as accepted."""
    keys_version: int | None = None
    """The last ``KeysState.version`` heard; a different one means new keys."""
    keys_loaded: bool | None = None

    def configure(self, config: HubConfig) -> None:
        self.policy = AuthFailurePolicy.from_config(config)

    @property
    def failures(self) -> int:
        """Consecutive refused tokens (0 before ``configure``)."""
        return self.policy.failures if self.policy else 0

    def await_confirmation(self, epoch: int) -> bool:
        """The request went out on socket ``epoch``; True when, after failures, the token now
        waits for ``AUTH_CONFIRM_AFTER`` (call ``confirm`` then)."""
        if not self.policy.failures:
            return False
        self.confirm_epoch = epoch
        return True

    def confirm(self, epoch: int) -> None:
        """``AUTH_CONFIRM_AFTER`` passed with socket ``epoch`` still open and no INVALID_AUTH."""
        if self.confirm_epoch == epoch:
            self.policy.record_success()

    def served(self) -> None:
        """A data frame arrived: the token was accepted."""
        self.policy.record_success()

    def refused(self) -> float | None:
        """One more refused token: the least delay before the retry, None once retrying stops."""
        return self.policy.retry_floor() if self.policy.record_failure() else None

    def on_keys(self, version: int, loaded: bool) -> bool:
        """Record a ``KeysState``; True when its version differs from the last heard."""
        changed = self.keys_version is not None and version != self.keys_version
        self.keys_version, self.keys_loaded = version, loaded
        return changed

    def reset(self) -> bool:
        """Forget the failures (new keys, or ``ResetAuth``); False before ``configure``."""
        if self.policy is None:
            return False
        self.policy.reset()
        return True

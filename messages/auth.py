"""The auth protocol: keys into the JWT actor, tokens out to the private connection (SPEC §7).

Secrets never show: ``Credentials`` and ``TokenIssued`` hide their secret fields from ``repr``
and ``str``, so a log line or an exception that formats them leaks nothing. The secret key goes
into the JWT actor and never comes out; only short-lived signed tokens leave it.
"""

from __future__ import annotations

from attrs import field, frozen

from upbit_actors.messages.common import Endpoint

__all__ = [
    "AuthFailed",
    "Credentials",
    "JwtAlgorithm",
    "KeysState",
    "ResetAuth",
    "TokenIssued",
    "TokenRequest",
    "TokenUnavailable",
]

JwtAlgorithm = str
"""``HS256`` (what Upbit's own WebSocket examples produce) or ``HS512`` (the auth page's sample)."""


@frozen(kw_only=True)
class Credentials:
    """Upbit API keys, for the JWT actor only."""

    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    algorithm: JwtAlgorithm = "HS256"

    def __str__(self) -> str:
        return f"Credentials(algorithm={self.algorithm!r}, keys=<hidden>)"


@frozen(kw_only=True)
class TokenRequest:
    """Connection -> JWT actor: mint a fresh token (new nonce) for connection attempt ``attempt``."""

    endpoint: Endpoint
    attempt: int


@frozen(kw_only=True)
class TokenIssued:
    """JWT actor -> connection: the bearer token for one handshake; never cached, never logged."""

    endpoint: Endpoint
    attempt: int
    token: str = field(repr=False)

    def __str__(self) -> str:
        return f"TokenIssued(endpoint={self.endpoint.value!r}, attempt={self.attempt}, token=<hidden>)"


@frozen(kw_only=True)
class TokenUnavailable:
    """JWT actor -> connection: no keys are configured, so no private connection."""

    endpoint: Endpoint
    attempt: int
    reason: str


@frozen(kw_only=True)
class AuthFailed:
    """Connection -> status and components: the server refused the token (INVALID_AUTH or 401)."""

    endpoint: Endpoint
    reason: str
    failures: int
    """Consecutive auth failures; retries stop at the configured bound."""
    retrying: bool


@frozen(kw_only=True)
class ResetAuth:
    """User (hub) -> supervisor -> private connection: forget the auth failures and try again.

    After ``HubConfig.max_auth_failures`` consecutive failures the private connection stops
    retrying until the keys change or this arrives (issue 5).
    """

    reason: str = ""


@frozen(kw_only=True)
class KeysState:
    """JWT actor -> registry and private connection: whether Upbit keys are loaded; no key material.

    Sent whenever the keys change (``Credentials`` arrive, keys loaded at ``Configure``) and again
    to a restarted registry or private connection. The registry rejects private subscriptions
    while ``loaded`` is False; the private connection takes a new ``version`` as "the keys
    changed" and retries after it stopped on auth failures (issue 5).
    """

    loaded: bool
    version: int
    """Increases whenever the JWT actor's keys change; the same keys keep their version."""

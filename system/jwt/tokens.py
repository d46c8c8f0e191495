"""Sign the bearer token for one private WebSocket handshake (SPEC §7).

The WebSocket upgrade to ``/websocket/v1/private`` carries ``Authorization: Bearer <JWT>``
whose payload is exactly ``{"access_key": ..., "nonce": <uuid4 string>}``: no ``query_hash``
(that is for REST calls with parameters) and no ``exp``. The nonce must be unique per token, so
every call mints a fresh one and nothing is cached: ccxt's cached token reuses its nonce on a
reconnect (SPEC §7, §10.14).

Upbit secret keys are 40 characters; PyJWT warns that this is below RFC 7518's recommendation for
HS512. The key length is Upbit's choice, not ours, so that one warning is silenced here.

Exception tree::

    ValueError
    └── TokenError      an algorithm Upbit does not accept
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable

import jwt

from upbit_actors.messages.auth import Credentials
from upbit_actors.system.errors import TokenError
from upbit_actors.system.jwt.credentials import ALGORITHMS

__all__ = ["TokenError", "mint_token", "new_nonce"]


def new_nonce() -> str:
    """A fresh uuid4 string (SPEC §7)."""
    return str(uuid.uuid4())


def mint_token(
    credentials: Credentials,
    algorithm: str | None = None,
    nonce_factory: Callable[[], str] = new_nonce,
) -> str:
    """A signed JWT for one handshake; ``algorithm`` defaults to ``credentials.algorithm``."""
    alg = algorithm or credentials.algorithm
    if alg not in ALGORITHMS:
        raise TokenError(f"algorithm {alg!r} is not one of {sorted(ALGORITHMS)} (SPEC §7)")
    payload = {"access_key": credentials.access_key, "nonce": nonce_factory()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(payload, credentials.secret_key, algorithm=alg)

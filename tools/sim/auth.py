"""JWT check of the private handshake (SPEC §7): ``Authorization: Bearer <JWT>``.

The payload is ``{"access_key": ..., "nonce": ...}`` signed with the secret key; HS256 and HS512
are both accepted (the docs sample says HS512, the official examples and ccxt sign HS256). No
``exp`` is required. A reused nonce can optionally be refused ([UNVERIFIED] for WebSocket).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping

import jwt

__all__ = ["AuthResult", "NonceLedger", "check_authorization"]


@dataclasses.dataclass(frozen=True)
class AuthResult:
    """Outcome of one handshake's token check."""

    ok: bool
    access_key: str | None = None
    reason: str = ""
    """Why it failed: ``missing``, ``malformed``, ``unknown_key``, ``bad_signature``, ``algorithm``,
    ``no_nonce``, ``nonce_used``."""


class NonceLedger:
    """Nonces seen per access key, bounded: the oldest are forgotten past ``limit``."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._seen: collections.OrderedDict[tuple[str, str], None] = collections.OrderedDict()

    def use(self, access_key: str, nonce: str) -> bool:
        """Record a nonce; False if it was already used."""
        key = (access_key, nonce)
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.limit:
            self._seen.popitem(last=False)
        return True

    def clear(self) -> None:
        self._seen.clear()


def check_authorization(
    header: str | None,
    keys: Mapping[str, str],
    algorithms: tuple[str, ...] = ("HS256", "HS512"),
    nonces: NonceLedger | None = None,
) -> AuthResult:
    """Verify an ``Authorization`` header value against the known access/secret keys."""
    if not header:
        return AuthResult(False, reason="missing")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return AuthResult(False, reason="malformed")
    token = token.strip()
    try:
        header_fields = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return AuthResult(False, reason="malformed")
    if header_fields.get("alg") not in algorithms:
        return AuthResult(False, reason="algorithm")
    access_key = claims.get("access_key")
    secret = keys.get(access_key) if isinstance(access_key, str) else None
    if secret is None:
        return AuthResult(False, reason="unknown_key")
    try:
        claims = jwt.decode(token, secret, algorithms=list(algorithms), options={"verify_exp": False})
    except jwt.PyJWTError:
        return AuthResult(False, access_key, reason="bad_signature")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        return AuthResult(False, access_key, reason="no_nonce")
    if nonces is not None and not nonces.use(access_key, nonce):
        return AuthResult(False, access_key, reason="nonce_used")
    return AuthResult(True, access_key)

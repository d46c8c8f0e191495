"""The JWT actor: the only place the secret key lives; mints one fresh token per handshake.

| Accepts              | Emits                                                              |
|----------------------|--------------------------------------------------------------------|
| ``Configure``        | loads keys from env / key file if none; ``KeysState`` (see below)  |
| ``Credentials``      | keys replace the old ones; ``KeysState`` with a new version        |
| ``Directory``        | ``KeysState`` again to a restarted registry or private connection  |
| ``TokenRequest``     | ``TokenIssued`` or ``TokenUnavailable``                            |
| ``StatusRequest``    | ``ActorStatus`` (never any key material)                           |
| (keys changed)       | ``Checkpoint`` (version and source only) to the supervisor         |

Tokens are never cached: every connection attempt gets a new uuid4 nonce (SPEC §7; a cached
token reuses its nonce on reconnect, which ccxt does and which a strict server may reject).

``KeysState(loaded, version)`` tells the registry (reject private subscriptions without keys)
and the private connection (a new version means new keys: retry after auth failures) what it
needs to know, and nothing about the keys themselves. The version survives a restart of this
actor through the supervisor's checkpoint, so a restart alone never looks like new keys.
"""

from __future__ import annotations

from typing import Any

from upbit_actors.actors.base import BaseActor
from upbit_actors.messages import Checkpoint, Credentials, KeysState, TokenIssued, TokenRequest, TokenUnavailable
from upbit_actors.system.jwt.credentials import CredentialsError, load_credentials
from upbit_actors.system.jwt.tokens import TokenError, mint_token

__all__ = ["KEYS_SETTLE", "JwtActor"]

KEYS_SETTLE = 1.0
"""Seconds after ``Configure`` before announcing that there are NO keys. The supervisor sends
``Credentials`` right after ``Configure``, and at start the hub's keys reach it just after the
tree is created; announcing "no keys" before they land would make the registry reject (and
drop) private subscriptions for nothing. Keys found are announced at once."""

_PEERS = ("registry", "connection.private")
"""Who hears ``KeysState``."""


class JwtActor(BaseActor):
    """Holds the Upbit keys and signs handshake tokens."""

    def __init__(self) -> None:
        super().__init__()
        self._credentials: Credentials | None = None
        self._source = ""
        """Where the keys came from: ``message`` (Credentials), ``loaded`` (env / key file), ''."""
        self._version = 0
        self._issued = 0
        self._load_error = ""
        self._configured = False
        self._restoring = False
        """A restart whose keys came by message: the supervisor's resend is not a change."""
        self._announced = False
        self._told: dict[str, Any] = {}
        """Role -> the address last sent ``KeysState``."""

    def on_configure(self, msg) -> None:
        if self._configured:
            self._announce(force=True)
            return
        self._configured = True
        state = msg.state if isinstance(msg.state, dict) else {}
        self._version = int(state.get("version", 0))
        restarted_source = state.get("source", "")
        self._restoring = restarted_source == "message"
        if self._credentials is None and not self._restoring:
            # Keys given by the embedding bot arrive as a Credentials message; otherwise the
            # environment or the configured key file (loaded here, inside this process).
            key_file = dict(msg.config.extra).get("key_file")
            try:
                credentials = load_credentials(key_file=key_file)
            except CredentialsError as exc:
                credentials = None
                self._load_error = str(exc)
                self.log.warning("jwt: keys not loaded: %s", type(exc).__name__)
            if credentials is not None:
                # The same source as before a restart keeps its version.
                self._keys(credentials, "loaded", changed=restarted_source != "loaded")
        if self._credentials is not None:
            self._checkpoint()
            self._announce(force=True)
        else:
            self.schedule(KEYS_SETTLE, "settle")

    def receiveMsg_Credentials(self, msg: Credentials, sender) -> None:
        changed = not self._restoring
        self._restoring = False
        self._keys(msg, "message", changed=changed)
        if self.config is not None:
            self._announce(force=True)

    def _keys(self, credentials: Credentials, source: str, *, changed: bool) -> None:
        self._credentials = credentials
        self._source = source
        self._load_error = ""
        if changed:
            self._version += 1
        self._checkpoint()

    def on_tick(self, purpose: str) -> None:
        if purpose == "settle" and not self._announced:
            self._announce(force=True)

    def on_directory(self) -> None:
        if self._announced:
            self._announce(force=False)

    def _announce(self, *, force: bool) -> None:
        """``KeysState`` to every peer (``force``), or only to peers with a new address."""
        if self.directory is None:
            return
        self._announced = True
        state = KeysState(loaded=self._credentials is not None, version=self._version)
        for role in _PEERS:
            address = self.directory.get(role)
            if address is not None and (force or self._told.get(role) != address):
                self.send(address, state)
                self._told[role] = address

    def _checkpoint(self) -> None:
        supervisor = self.directory.get("supervisor") if self.directory is not None else None
        if supervisor is not None:
            self.send(supervisor, Checkpoint(role=self.role or "jwt",
                                             state={"version": self._version, "source": self._source}))

    def receiveMsg_TokenRequest(self, msg: TokenRequest, sender) -> None:
        if self._credentials is None:
            self.send(sender, TokenUnavailable(endpoint=msg.endpoint, attempt=msg.attempt,
                                               reason=self._load_error
                                               or "no Upbit API keys are configured"))
            return
        try:
            token = mint_token(self._credentials, algorithm=self._credentials.algorithm)
        except TokenError as exc:  # an algorithm Upbit does not take: no retry can help
            self.send(sender, TokenUnavailable(endpoint=msg.endpoint, attempt=msg.attempt, reason=str(exc)))
            return
        self._issued += 1
        self.send(sender, TokenIssued(endpoint=msg.endpoint, attempt=msg.attempt, token=token))

    def status_state(self) -> str:
        return "ready" if self._credentials is not None else "no_keys"

    def status_details(self) -> dict:
        algorithm = self._credentials.algorithm if self._credentials else None
        return {"keys_loaded": self._credentials is not None, "keys_version": self._version,
                "keys_source": self._source, "algorithm": algorithm, "tokens_issued": self._issued}

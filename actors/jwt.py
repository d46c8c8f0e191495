"""The JWT actor: the only place the secret key lives; mints one fresh token per handshake.

| Accepts              | Emits                                   |
|----------------------|-----------------------------------------|
| ``Credentials``      | (nothing; keys replace the old ones)    |
| ``Configure``        | (loads keys from env / key file if none) |
| ``TokenRequest``     | ``TokenIssued`` or ``TokenUnavailable``  |
| ``StatusRequest``    | ``ActorStatus`` (never any key material) |

Tokens are never cached: every connection attempt gets a new uuid4 nonce (SPEC §7; a cached
token reuses its nonce on reconnect, which ccxt does and which a strict server may reject).
"""

from __future__ import annotations

from actors.base import HubActor
from messages import Credentials, TokenIssued, TokenRequest, TokenUnavailable
from system.credentials import CredentialsError, load_credentials
from system.tokens import mint_token

__all__ = ["JwtActor"]


class JwtActor(HubActor):
    """Holds the Upbit keys and signs handshake tokens."""

    def __init__(self) -> None:
        super().__init__()
        self._credentials: Credentials | None = None
        self._issued = 0
        self._load_error = ""

    def on_configure(self, msg) -> None:
        if self._credentials is None:
            # Keys given by the embedding bot arrive as a Credentials message; otherwise the
            # environment or the configured key file (loaded here, inside this process).
            key_file = dict(msg.config.extra).get("key_file")
            try:
                self._credentials = load_credentials(key_file=key_file)
            except CredentialsError as exc:
                self._credentials = None
                self._load_error = str(exc)
                self.log.warning("jwt: keys not loaded: %s", type(exc).__name__)

    def receiveMsg_Credentials(self, msg: Credentials, sender) -> None:
        self._credentials = msg

    def receiveMsg_TokenRequest(self, msg: TokenRequest, sender) -> None:
        if self._credentials is None:
            self.send(sender, TokenUnavailable(endpoint=msg.endpoint, attempt=msg.attempt,
                                               reason=self._load_error
                                               or "no Upbit API keys are configured"))
            return
        token = mint_token(self._credentials, algorithm=self._credentials.algorithm)
        self._issued += 1
        self.send(sender, TokenIssued(endpoint=msg.endpoint, attempt=msg.attempt, token=token))

    def status_state(self) -> str:
        return "ready" if self._credentials is not None else "no_keys"

    def status_details(self) -> dict:
        algorithm = self._credentials.algorithm if self._credentials else None
        return {"keys_loaded": self._credentials is not None, "algorithm": algorithm,
                "tokens_issued": self._issued}

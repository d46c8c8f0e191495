"""upbit_actors.system.jwt.tokens: the handshake JWT, checked by decoding it with PyJWT (SPEC §7)."""

from __future__ import annotations

import uuid
import warnings

import jwt
import pytest

from upbit_actors.messages.auth import Credentials
from upbit_actors.system.jwt.tokens import TokenError, mint_token, new_nonce

CREDS = Credentials(access_key="access-key-0123456789", secret_key="s" * 40)


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")  # PyJWT's decode, on Upbit's 40-char keys
@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_payload_is_exactly_access_key_and_a_uuid4_nonce(algorithm: str) -> None:
    token = mint_token(CREDS, algorithm)
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT"}
    payload = jwt.decode(token, CREDS.secret_key, algorithms=[algorithm])
    assert set(payload) == {"access_key", "nonce"}  # no query_hash, no exp (SPEC §7)
    assert payload["access_key"] == CREDS.access_key
    assert uuid.UUID(payload["nonce"]).version == 4


def test_a_fresh_nonce_every_call() -> None:
    # SPEC §7/§10.14: a cached token reuses its nonce on reconnect.
    a, b = mint_token(CREDS), mint_token(CREDS)
    assert a != b
    na = jwt.decode(a, CREDS.secret_key, algorithms=["HS256"])["nonce"]
    nb = jwt.decode(b, CREDS.secret_key, algorithms=["HS256"])["nonce"]
    assert na != nb


def test_algorithm_defaults_to_the_credentials_and_is_checked() -> None:
    token = mint_token(Credentials(access_key="a", secret_key="s" * 40, algorithm="HS512"))
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    with pytest.raises(TokenError):
        mint_token(CREDS, "none")
    with pytest.raises(TokenError):
        mint_token(CREDS, "RS256")


def test_signature_uses_the_secret_key() -> None:
    token = mint_token(CREDS, nonce_factory=lambda: "fixed")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "wrong" * 10, algorithms=["HS256"])
    assert jwt.decode(token, CREDS.secret_key, algorithms=["HS256"])["nonce"] == "fixed"


def test_short_upbit_secret_gives_no_warning_with_hs512() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mint_token(CREDS, "HS512")


def test_new_nonce() -> None:
    assert new_nonce() != new_nonce() and uuid.UUID(new_nonce()).version == 4

"""upbit_actors.system.jwt.credentials: key sources, key files, permission checks and redaction (SPEC §7)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from upbit_actors.messages.auth import Credentials
from upbit_actors.system.jwt.credentials import (
    ACCESS_KEY_ENV,
    KEY_FILE_ENV,
    SECRET_KEY_ENV,
    CredentialsError,
    InsecureKeyFileWarning,
    load_credentials,
    read_key_file,
    redact,
)

ACCESS = "AcCeSs0123456789abcdefABCDEF0123456789xy"
SECRET = "SeCrEt0123456789abcdefABCDEF0123456789zw"


def key_file(tmp_path: Path, text: str, mode: int = 0o600, name: str = "keys") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(mode)
    return path


def assert_no_key_text(exc: BaseException) -> None:
    text = str(exc) + repr(exc) + str(exc.__cause__) + str(exc.__context__)
    for secret in (ACCESS, SECRET, ACCESS[:12], SECRET[:12]):
        assert secret not in text


def test_explicit_values_win() -> None:
    env = {ACCESS_KEY_ENV: "other", SECRET_KEY_ENV: "other"}
    creds = load_credentials(ACCESS, SECRET, environ=env, algorithm="HS512")
    assert creds == Credentials(access_key=ACCESS, secret_key=SECRET, algorithm="HS512")
    assert ACCESS not in repr(creds) and SECRET not in str(creds)
    assert pickle.loads(pickle.dumps(creds)) == creds


def test_half_explicit_is_an_error() -> None:
    with pytest.raises(CredentialsError):
        load_credentials(ACCESS, None, environ={})


def test_environment() -> None:
    creds = load_credentials(environ={ACCESS_KEY_ENV: ACCESS, SECRET_KEY_ENV: f" {SECRET}\n"})
    assert creds is not None and (creds.access_key, creds.secret_key) == (ACCESS, SECRET)
    with pytest.raises(CredentialsError, match=SECRET_KEY_ENV) as info:
        load_credentials(environ={ACCESS_KEY_ENV: ACCESS})
    assert_no_key_text(info.value)


def test_nothing_configured_is_none() -> None:
    assert load_credentials(environ={}) is None


def test_json_key_file(tmp_path: Path) -> None:
    path = key_file(tmp_path, f'{{"access_key": "{ACCESS}", "secret_key": "{SECRET}", "algorithm": "HS512"}}')
    creds = load_credentials(key_file=path, environ={ACCESS_KEY_ENV: "x", SECRET_KEY_ENV: "y"})
    assert creds == Credentials(access_key=ACCESS, secret_key=SECRET, algorithm="HS512")


def test_key_value_file_variants(tmp_path: Path) -> None:
    text = f"# my keys\n\nexport UPBIT_ACCESS_KEY={ACCESS}\nsecret_key = '{SECRET}'\n"
    creds = read_key_file(key_file(tmp_path, text))
    assert (creds.access_key, creds.secret_key, creds.algorithm) == (ACCESS, SECRET, "HS256")
    creds = read_key_file(key_file(tmp_path, f'ACCESS_KEY="{ACCESS}"\r\nSECRET_KEY={SECRET}\r\n', name="k2"))
    assert creds.secret_key == SECRET


def test_key_file_named_by_environment(tmp_path: Path) -> None:
    path = key_file(tmp_path, f"ACCESS_KEY={ACCESS}\nSECRET_KEY={SECRET}\n")
    assert load_credentials(environ={KEY_FILE_ENV: str(path)}).access_key == ACCESS


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"{ACCESS}\n{SECRET}\n", ":1: expected"),  # bare keys, no names
        (f"ACCESS_KEY={ACCESS}\n{SECRET}\n", ":2: expected"),
        (f"ACCESS_KEY={ACCESS}\nPASSWORD={SECRET}\n", ":2: expected"),
        (f"ACCESS_KEY={ACCESS}\nACCESS_KEY={SECRET}\n", ":2: access_key given twice"),
        (f"ACCESS_KEY={ACCESS}\n", "no secret_key"),
        (f"ACCESS_KEY={ACCESS}\nSECRET_KEY=\n", "secret_key is empty"),
        (f"ACCESS_KEY={ACCESS}\nSECRET_KEY={SECRET} {SECRET}\n", "secret_key is empty or contains spaces"),
        (f'{{"access_key": "{ACCESS}", "secret_key": {SECRET}}}', "not valid JSON (line 1"),
        (f'{{"access_key": "{ACCESS}",\n "secret_key": "{SECRET}",}}', "not valid JSON (line 2"),
        (f'{{"access_key": "{ACCESS}"}}', "no secret_key"),
        (f'{{"access_key": "{ACCESS}", "secret_key": 5}}', "must be a string"),
        (f'{{"access_key": "{ACCESS}", "secret_key": "{SECRET}", "algorithm": "none"}}', "algorithm"),
    ],
)
def test_malformed_files_name_the_place_never_the_content(tmp_path: Path, text: str, fragment: str) -> None:
    path = key_file(tmp_path, text)
    with pytest.raises(CredentialsError) as info:
        read_key_file(path)
    assert fragment in str(info.value) and str(path) in str(info.value)
    assert_no_key_text(info.value)


def test_json_array_is_refused(tmp_path: Path) -> None:
    path = key_file(tmp_path, f'[{{"access_key": "{ACCESS}"}}]\n')
    with pytest.raises(CredentialsError, match="expected ACCESS_KEY"):
        read_key_file(path)  # does not start with "{": read as lines, line 1 is not KEY=VALUE


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="cannot read"):
        read_key_file(tmp_path / "missing")
    path = tmp_path / "bin"
    path.write_bytes(b"ACCESS_KEY=\xff\xfe\n")
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match="not UTF-8"):
        read_key_file(path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_file_others_can_read_is_refused_or_warned(tmp_path: Path) -> None:
    path = key_file(tmp_path, f"ACCESS_KEY={ACCESS}\nSECRET_KEY={SECRET}\n", mode=0o644)
    with pytest.raises(CredentialsError, match="chmod 600") as info:
        read_key_file(path)
    assert_no_key_text(info.value)
    with pytest.warns(InsecureKeyFileWarning):
        assert load_credentials(key_file=path, strict=False).secret_key == SECRET
    path.chmod(0o640)
    with pytest.raises(CredentialsError):
        load_credentials(key_file=path, environ={})


def test_redact() -> None:
    creds = Credentials(access_key=ACCESS, secret_key=SECRET)
    text = f"handshake failed: token for {ACCESS} signed with {SECRET}!"
    assert redact(text, creds) == "handshake failed: token for <redacted> signed with <redacted>!"
    assert redact(text, [ACCESS, None, ""]) == f"handshake failed: token for <redacted> signed with {SECRET}!"
    assert redact("abcabc", ["abc", "abcabc"]) == "<redacted>"  # longest first
    assert redact("nothing here", []) == "nothing here"

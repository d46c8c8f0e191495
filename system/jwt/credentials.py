"""Load the Upbit API keys, and keep them out of every message, log line and exception.

Sources, first match wins:

1. explicit values (an embedding bot passes them);
2. an explicit key file;
3. the environment: ``UPBIT_ACCESS_KEY`` and ``UPBIT_SECRET_KEY``;
4. a key file named by ``UPBIT_KEY_FILE``;
5. nothing: ``None`` (public streams only).

A key file is either JSON ``{"access_key": "...", "secret_key": "...", "algorithm": "HS512"?}``
or ``KEY=VALUE`` lines (``ACCESS_KEY``/``UPBIT_ACCESS_KEY`` and ``SECRET_KEY``/``UPBIT_SECRET_KEY``,
case-insensitive; blank lines, ``#`` comments, ``export`` and quotes allowed). A file that group
or others may read is refused (as ssh does), or only warned about with ``strict=False``.

Errors never quote file content: they give the path, the line number and what was expected, so a
mistyped file cannot leak a key into a log. ``redact`` scrubs keys from any text that might.

Exception tree::

    ValueError
    └── CredentialsError      keys missing, half given, malformed, or the file unsafe/unreadable

Warnings: ``InsecureKeyFileWarning`` (a ``UserWarning``) for a loose file mode with ``strict=False``.
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import orjson

from upbit_actors.messages.auth import Credentials
from upbit_actors.system.errors import CredentialsError

__all__ = [
    "ACCESS_KEY_ENV",
    "ALGORITHMS",
    "KEY_FILE_ENV",
    "REDACTED",
    "SECRET_KEY_ENV",
    "CredentialsError",
    "InsecureKeyFileWarning",
    "load_credentials",
    "read_key_file",
    "redact",
]

ACCESS_KEY_ENV: str = "UPBIT_ACCESS_KEY"
SECRET_KEY_ENV: str = "UPBIT_SECRET_KEY"
KEY_FILE_ENV: str = "UPBIT_KEY_FILE"
REDACTED: str = "<redacted>"
ALGORITHMS: frozenset[str] = frozenset({"HS256", "HS512"})
"""JWT algorithms Upbit accepts (SPEC §7: its examples sign HS256, its auth page shows HS512)."""

_NAMES = {
    "access_key": "access_key",
    "upbit_access_key": "access_key",
    "secret_key": "secret_key",
    "upbit_secret_key": "secret_key",
}


class InsecureKeyFileWarning(UserWarning):
    """The key file is readable by group or others."""


def _checked(value: object, what: str, where: str) -> str:
    if not isinstance(value, str):
        raise CredentialsError(f"{where}: {what} must be a string")
    value = value.strip()
    if not value or not value.isprintable() or any(c.isspace() for c in value):
        raise CredentialsError(f"{where}: {what} is empty or contains spaces or control characters")
    return value


def _make(access: object, secret: object, algorithm: object, where: str) -> Credentials:
    if algorithm not in ALGORITHMS:
        raise CredentialsError(f"{where}: algorithm must be one of {sorted(ALGORITHMS)}")
    return Credentials(
        access_key=_checked(access, "access_key", where),
        secret_key=_checked(secret, "secret_key", where),
        algorithm=str(algorithm),
    )


def _check_mode(path: Path, strict: bool) -> None:
    if os.name != "posix":
        return  # no POSIX modes to judge (e.g. Windows ACLs)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        message = f"{path}: key file is readable by group or others (mode {mode:03o}); run: chmod 600 {path}"
        if strict:
            raise CredentialsError(message)
        warnings.warn(message, InsecureKeyFileWarning, stacklevel=3)


def _parse_json(text: str, path: Path) -> dict[str, object]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        # Position only: the decoder's own message may quote the text.
        raise CredentialsError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"{path}: expected a JSON object with access_key and secret_key")
    return {name: data[name] for name in ("access_key", "secret_key", "algorithm") if name in data}


def _parse_lines(text: str, path: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        field = _NAMES.get(name.strip().lower())
        if not sep or field is None:
            raise CredentialsError(
                f"{path}:{number}: expected ACCESS_KEY=... or SECRET_KEY=... (or UPBIT_ prefixed)"
            )
        if field in found:
            raise CredentialsError(f"{path}:{number}: {field} given twice")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[field] = value
    return found


def read_key_file(
    path: str | os.PathLike[str], *, algorithm: str = "HS256", strict: bool = True
) -> Credentials:
    """Keys from a JSON or KEY=VALUE file; a JSON ``algorithm`` field overrides ``algorithm``."""
    path = Path(path).expanduser()
    try:
        _check_mode(path, strict)
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CredentialsError(f"{path}: cannot read key file ({reason})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CredentialsError(f"{path}: key file is not UTF-8 text") from None
    fields = _parse_json(text, path) if text.lstrip().startswith("{") else _parse_lines(text, path)
    for name in ("access_key", "secret_key"):
        if name not in fields:
            raise CredentialsError(f"{path}: no {name}")
    return _make(fields["access_key"], fields["secret_key"], fields.get("algorithm", algorithm), str(path))


def load_credentials(
    access_key: str | None = None,
    secret_key: str | None = None,
    *,
    key_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    algorithm: str = "HS256",
    strict: bool = True,
) -> Credentials | None:
    """The keys from the first source that has them (see the module docstring), or None.

    ``environ`` defaults to ``os.environ`` (pass a dict in tests). A source that has only one of
    the two keys is an error, not a fall-through: half a configuration is a mistake to report.
    """
    env = os.environ if environ is None else environ
    if access_key is not None or secret_key is not None:
        if access_key is None or secret_key is None:
            raise CredentialsError("explicit keys: give both access_key and secret_key")
        return _make(access_key, secret_key, algorithm, "explicit keys")
    if key_file is not None:
        return read_key_file(key_file, algorithm=algorithm, strict=strict)
    env_access, env_secret = env.get(ACCESS_KEY_ENV), env.get(SECRET_KEY_ENV)
    if env_access or env_secret:
        if not (env_access and env_secret):
            raise CredentialsError(f"environment: set both {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}")
        return _make(env_access, env_secret, algorithm, "environment")
    if env.get(KEY_FILE_ENV):
        return read_key_file(env[KEY_FILE_ENV], algorithm=algorithm, strict=strict)
    return None


def redact(text: str, secrets: Iterable[str | None] | Credentials) -> str:
    """``text`` with every occurrence of each secret replaced by ``<redacted>``.

    Pass the key strings, or a ``Credentials`` for both of its keys. Longer secrets go first, so
    a secret that contains another is scrubbed whole. Empty values are skipped.
    """
    if isinstance(secrets, Credentials):
        secrets = (secrets.access_key, secrets.secret_key)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text

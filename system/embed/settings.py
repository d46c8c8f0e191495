"""``HubConfig`` from a TOML file, a named preset and the environment, checked key by key.

::

    # bot.toml
    preset = "many-codes"            # optional: start from a named preset (PRESETS)
    public_url = "ws://127.0.0.1:9000/websocket/v1"
    merge_window = 0.2
    stall_timeout = "none"           # optional settings: "none" (or false) turns them off
    metrics_port = 9464

    [extra]                          # free-form settings for your components
    strategy = "momentum"

Precedence, lowest first: the field defaults, the preset (``preset=`` argument, else the file's
``preset`` key), the file, the environment (``UPBIT_PUBLIC_URL`` / ``UPBIT_PRIVATE_URL`` / ``UPBIT_REST_URL``,
``HubConfig.ENV_URLS``), then explicit fields (a bot's code, a command's options). Keys never go
in the file: they come from ``UPBIT_ACCESS_KEY`` / ``UPBIT_SECRET_KEY`` or a key file
(``system.jwt.credentials``), and a file that holds one is refused.

Every value is checked against its field's type and range; a bad one is a ``ConfigError`` that
names the key and where it came from (the file, the variable, the preset). Values are never
echoed for a key that looks like a secret. ``settings_table`` renders the README's table of
settings from the field docstrings (a test keeps the two equal).

This module takes the config class as an argument and imports nothing of ``messages``: it is
what ``HubConfig.from_file`` calls (no import cycle). Exception tree: ``ConfigError`` only.
"""

from __future__ import annotations

import ast
import enum
import inspect
import logging
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs

from upbit_actors.system.members.exposure import settings_problem as convention_problem
from upbit_actors.system.errors import ConfigError

__all__ = ["OFF_WORDS", "PRESETS", "build_config", "check_config", "field_docs", "presets_table",
           "settings_table"]

PRESETS: dict[str, dict[str, Any]] = {
    "low-latency": {"merge_window": 0.02, "pong_timeout": 5.0, "stall_timeout": 8.0,
                    "connect_timeout": 3.0, "backoff_initial": 0.1, "backoff_max": 5.0},
    "many-codes": {"format": "SIMPLE", "merge_window": 0.5, "buffer_limit": 100_000,
                   "stall_timeout": 300.0},
    "gui": {"merge_window": 0.2, "buffer_limit": 1_000, "component_log_level": "WARNING"},
}
"""Named starting points; a file's or a caller's own settings override them."""
PRESET_DOCS: dict[str, str] = {
    "low-latency": "subscription changes sent within 20 ms, a dead link noticed and re-dialled "
                   "sooner (pong 5 s, stall 8 s, backoff 0.1-5 s)",
    "many-codes": "SIMPLE frames (smaller), changes folded over 0.5 s (far from the rate limit), "
                  "100k events buffered per component, stall judged after 300 s (quiet codes)",
    "gui": "changes of clicks folded over 0.2 s, 1,000 events buffered per component (a view "
           "wants the latest, not history), only warnings from components",
}
"""One line per preset for the README (``presets_table``)."""
OFF_WORDS = ("none", "off")
"""Strings that turn an optional setting off (TOML has no null); ``false`` does too."""
SECRET_KEYS = re.compile(r"secret|access_key|password|token", re.I)

_POSITIVE = ("ping_interval", "pong_timeout", "stall_timeout", "connect_timeout", "backoff_initial",
             "backoff_max", "live_check_interval", "backfill_window")
_AT_LEAST_ONE = ("max_auth_failures", "buffer_limit")
_URLS = ("public_url", "private_url")
_REST_POSITIVE = ("rest_timeout", "market_refresh", "snapshot_timeout")


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _optional(tp: Any) -> tuple[bool, Any]:
    """(True, inner) for ``X | None``; (False, tp) otherwise."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return True, args[0]
    return False, tp


def _coerce(name: str, value: Any, tp: Any, where: str) -> Any:
    """``value`` as the field's type, or ConfigError naming ``name``."""
    optional, inner = _optional(tp)
    if optional and (value is False or (isinstance(value, str) and value.lower() in OFF_WORDS)):
        return None
    if optional and value is None:
        return None

    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {name} = {value!r}: expected {expected}")

    if inner is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if inner is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number" + (' or "none"' if optional else ""))
        return value
    if inner is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number of seconds" + (' or "none"' if optional else ""))
        return float(value)
    if inner is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        choices = [m.value for m in inner]
        text = str(value).upper() if isinstance(value, str) else value
        if text not in choices:
            raise bad("one of " + ", ".join(map(str, choices)))
        return inner(text)
    if name == "extra":
        if not isinstance(value, Mapping):
            raise bad("a table of free-form settings ([extra])")
        return tuple(value.items())
    from upbit_actors.system.wire.codec.convert import converter  # a type this module does not know

    try:
        return converter.structure(value, tp)
    except Exception as exc:
        raise bad(f"a value of type {tp}") from exc


def _problem(config: Any) -> tuple[str, str] | None:
    """The first setting out of range, and why; None when all are fine."""
    for name in _URLS:
        if not str(getattr(config, name, "ws://")).startswith(("ws://", "wss://")):
            return name, "expected a ws:// or wss:// URL"
    rest_url = getattr(config, "rest_url", None)
    if rest_url is not None and not str(rest_url).startswith(("http://", "https://")):
        return "rest_url", "expected an http:// or https:// URL"
    for name in _POSITIVE + _REST_POSITIVE:
        value = getattr(config, name, 1.0)
        if value is not None and not value > 0:
            return name, "must be more than 0 seconds"
    if not getattr(config, "merge_window", 0.0) >= 0:
        return "merge_window", "must be 0 seconds or more"
    for name in _AT_LEAST_ONE:
        if getattr(config, name, 1) < 1:
            return name, "must be at least 1"
    if getattr(config, "backoff_max", 1.0) < getattr(config, "backoff_initial", 0.0):
        return "backoff_max", f"must be at least backoff_initial ({config.backoff_initial})"
    port = getattr(config, "metrics_port", None)
    if port is not None and not 0 <= port < 65536:
        return "metrics_port", "not a TCP port (0 picks a free one)"
    level = getattr(config, "component_log_level", "INFO")
    if not isinstance(logging.getLevelName(str(level).upper()), int):
        return "component_log_level", "expected DEBUG, INFO, WARNING, ERROR or CRITICAL"
    if (found := convention_problem(config)) is not None:  # listen_host, leader, member_name
        return found
    return None


def check_config(config: Any, origins: Mapping[str, str] | None = None) -> None:
    """Range checks of a built config; ConfigError naming the first bad setting and where it
    came from (``origins``: setting -> file, variable or preset; the class name otherwise)."""
    found = _problem(config)
    if found is not None:
        name, why = found
        where = (origins or {}).get(name, type(config).__name__)
        raise ConfigError(f"{where}: {name} = {getattr(config, name)!r}: {why}")


def _read(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _typed(cls: type, items: Mapping[str, Any], where: str) -> dict[str, Any]:
    hints = _hints(cls)
    names = {f.name for f in attrs.fields(cls)}
    out = {}
    for key, value in items.items():
        if key not in names:
            if SECRET_KEYS.search(key):
                raise ConfigError(f"{where}: {key}: keys never go in the config file; set "
                                  "UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY, or use a key file")
            raise ConfigError(f"{where}: unknown setting {key!r}; known: {', '.join(sorted(names))}")
        out[key] = _coerce(key, value, hints[key], where)
    return out


def build_config(cls: type, *, path: str | os.PathLike[str] | None = None, preset: str | None = None,
                 environ: Mapping[str, str] | None = None, fields: Mapping[str, Any] | None = None) -> Any:
    """A checked ``cls`` instance from the layers in the module docstring."""
    document = dict(_read(path)) if path is not None else {}
    file_preset = document.pop("preset", None)
    name = preset if preset is not None else file_preset
    layers: dict[str, Any] = {}
    origins: dict[str, str] = {}

    def add(items: Mapping[str, Any], where: str) -> None:
        typed = _typed(cls, items, where)
        layers.update(typed)
        origins.update(dict.fromkeys(typed, where))

    if name is not None:
        if name not in PRESETS:
            where = f"{path}: preset" if preset is None else "preset"
            raise ConfigError(f"{where} {name!r}: unknown; presets: {', '.join(PRESETS)}")
        add(PRESETS[name], f"preset {name!r}")
    add(document, str(path))
    environ = os.environ if environ is None else environ
    for var, field_name in getattr(cls, "ENV_URLS", {}).items():
        if environ.get(var):
            add({field_name: environ[var]}, f"environment {var}")
    layers.update(fields or {})
    for key in fields or {}:
        origins.pop(key, None)
    try:
        config = cls(**layers)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{cls.__name__}: {exc}") from None
    check_config(config, origins)
    return config


# -- the README's tables ---------------------------------------------------------------------------
def field_docs(cls: type) -> dict[str, str]:
    """Each field's attribute docstring (the string under it in the class body), one line each."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in zip(body, body[1:] + [None]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            text = ""
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) \
                    and isinstance(after.value.value, str):
                text = " ".join(after.value.value.split())
            docs[node.target.id] = text
    names = [f.name for f in attrs.fields(cls)]
    return {name: docs.get(name, "") for name in names}


def _toml(value: Any) -> str:
    if value is None:
        return '"none"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return f'"{value.value}"'
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "{}" if not value else "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value) + "}"
    return f"{value:_}" if isinstance(value, int) and abs(value) >= 10_000 else repr(value)


def settings_table(cls: type) -> str:
    """Markdown: one row per field, its TOML default and its docstring."""
    docs = field_docs(cls)
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for f in attrs.fields(cls):
        meaning = (docs.get(f.name) or "(undocumented)").replace("|", "\\|")
        rows.append(f"| `{f.name}` | `{_toml(f.default)}` | {meaning} |")
    return "\n".join(rows) + "\n"


def presets_table() -> str:
    """Markdown: one row per preset, its settings and what it is for."""
    rows = ["| preset | settings | for |", "|---|---|---|"]
    for name, values in PRESETS.items():
        settings = ", ".join(f"`{k} = {_toml(v)}`" for k, v in values.items())
        rows.append(f"| `{name}` | {settings} | {PRESET_DOCS[name]} |")
    return "\n".join(rows) + "\n"

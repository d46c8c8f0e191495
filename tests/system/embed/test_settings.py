"""``HubConfig.from_file`` / ``from_env``: TOML, presets, environment, checks that name the key;
and the README's table of settings, kept equal to the field docstrings."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from tests.paths import REPO
from upbit_actors import ConfigError, HubConfig
from upbit_actors.messages import WireFormat
from upbit_actors.system.embed.settings import PRESETS, field_docs, presets_table, settings_table


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(text)
    return path


def test_a_file_round_trips_every_kind_of_setting(tmp_path: Path) -> None:
    path = write(tmp_path, """
public_url = "ws://127.0.0.1:9000/websocket/v1"
format = "simple"
merge_window = 1          # an integer is fine for seconds
stall_timeout = "none"
metrics_port = 0
component_output = false
component_log_level = "warning"

[extra]
strategy = "momentum"
size = 3
""")
    config = HubConfig.from_file(path, environ={})
    assert config.public_url == "ws://127.0.0.1:9000/websocket/v1"
    assert config.format is WireFormat.SIMPLE and config.merge_window == 1.0
    assert config.stall_timeout is None and config.metrics_port == 0
    assert config.component_output is False and config.component_log_level == "warning"
    assert dict(config.extra) == {"strategy": "momentum", "size": 3}
    # the file's settings written back give the same config
    again = write(tmp_path, "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in (
        ("public_url", config.public_url), ("format", config.format.value),
        ("merge_window", config.merge_window), ("metrics_port", config.metrics_port))))
    assert HubConfig.from_file(again, environ={}, stall_timeout=None, component_output=False,
                               component_log_level="warning", extra=config.extra) == config


@pytest.mark.parametrize(("text", "key"), [
    ('merge_window = "fast"', "merge_window"),
    ("ping_interval = 0", "ping_interval"),
    ("buffer_limit = 0", "buffer_limit"),
    ("buffer_limit = 1.5", "buffer_limit"),
    ('format = "XML"', "format"),
    ('public_url = "http://example.com"', "public_url"),
    ("metrics_port = 70000", "metrics_port"),
    ('component_log_level = "LOUD"', "component_log_level"),
    ("component_output = 1", "component_output"),
    ("backoff_max = 0.1", "backoff_max"),
    ("no_such_setting = 1", "no_such_setting"),
])
def test_a_bad_value_is_rejected_naming_the_key_and_the_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text + "\n")
    with pytest.raises(ConfigError) as caught:
        HubConfig.from_file(path, environ={})
    assert key in str(caught.value) and str(path) in str(caught.value)


def test_keys_never_go_in_the_file_and_are_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, 'secret_key = "SKfake-do-not-echo"\n')
    with pytest.raises(ConfigError) as caught:
        HubConfig.from_file(path, environ={})
    assert "secret_key" in str(caught.value) and "SKfake" not in str(caught.value)
    assert "UPBIT_SECRET_KEY" in str(caught.value)


def test_not_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        HubConfig.from_file(write(tmp_path, "merge_window = [\n"), environ={})
    with pytest.raises(ConfigError, match="cannot read"):
        HubConfig.from_file(tmp_path / "missing.toml", environ={})


def test_precedence_defaults_preset_file_environment_fields(tmp_path: Path) -> None:
    path = write(tmp_path, 'preset = "gui"\nbuffer_limit = 500\npublic_url = "ws://file/v1"\n')
    env = {"UPBIT_PUBLIC_URL": "ws://env/v1", "UPBIT_PRIVATE_URL": "ws://env/v1/private"}
    config = HubConfig.from_file(path, environ=env, merge_window=0.5)
    assert config.component_log_level == PRESETS["gui"]["component_log_level"]  # the preset
    assert config.buffer_limit == 500                       # the file over the preset
    assert config.public_url == "ws://env/v1"                # the environment over the file
    assert config.private_url == "ws://env/v1/private"
    assert config.merge_window == 0.5                        # explicit fields over everything
    assert HubConfig.from_file(path, preset="many-codes", environ={}).format is WireFormat.SIMPLE
    assert HubConfig.from_file(None, preset="low-latency", environ={}).merge_window == 0.02


def test_a_bad_environment_url_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="UPBIT_PRIVATE_URL.*private_url"):
        HubConfig.from_env({"UPBIT_PRIVATE_URL": "https://not-a-websocket"})
    assert HubConfig.from_env({}) == HubConfig()


def test_an_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="low-latency"):
        HubConfig.from_file(None, preset="turbo", environ={})


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_a_valid_config(name: str) -> None:
    assert isinstance(HubConfig.from_file(None, preset=name, environ={}), HubConfig)


def test_every_field_has_a_docstring() -> None:
    docs = field_docs(HubConfig)
    assert set(docs) == {f.name for f in attrs.fields(HubConfig)}
    assert [name for name, text in docs.items() if not text] == []


def _between(text: str, marker: str) -> str:
    m = re.search(rf"<!-- {marker}:begin -->\n(.*?)<!-- {marker}:end -->", text, re.S)
    assert m, f"README.md lacks the {marker} markers"
    return m.group(1)


def test_the_readme_tables_match_the_fields_and_presets() -> None:
    """Regenerate with: python -c "from upbit_actors import HubConfig; from
    upbit_actors.system.embed.settings import settings_table; print(settings_table(HubConfig))" """
    readme = (REPO / "README.md").read_text()
    assert _between(readme, "settings") == settings_table(HubConfig)
    assert _between(readme, "presets") == presets_table()

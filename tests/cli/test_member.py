"""``upbit-actors member``: the command line (the running member is tests/integration/test_convention.py)."""

from __future__ import annotations

import pytest

from upbit_actors.system.errors import UsageError
from upbit_actors.tools.cli import main
from upbit_actors.tools.member_cmd import parse_components


def test_components_and_their_parameters() -> None:
    parsed = parse_components(["board=upbit_actors.actors.examples:TickerBoard", "tape=pkg.mod.Tape"],
                              ['board.codes=["KRW-BTC"]', "board.every=0", "tape.label=fast lane"])
    assert parsed == {"board": ("upbit_actors.actors.examples.TickerBoard", {"codes": ["KRW-BTC"], "every": 0}),
                      "tape": ("pkg.mod.Tape", {"label": "fast lane"})}


@pytest.mark.parametrize(("components", "params"), [(["board"], []), (["=a.B"], []),
                                                    (["board=a.B"], ["other.x=1"]), (["board=a.B"], ["board=1"])])
def test_malformed_components_are_usage_errors(components, params) -> None:
    with pytest.raises(UsageError):
        parse_components(components, params)


def test_a_bad_leader_or_listen_address_is_refused_before_anything_starts(capsys) -> None:
    assert main(["member", "--leader", "nowhere:1900"]) == 2
    assert "leader" in capsys.readouterr().err
    assert main(["member", "--leader", "10.0.0.1:1900", "--listen", "0.0.0.0"]) == 2
    assert "all interfaces" in capsys.readouterr().err

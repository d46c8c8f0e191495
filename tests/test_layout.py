"""The house's shape (issue 10): one import root, each role in one place, no cycles, small modules.

Static checks over the source tree; nothing is started.
"""

from __future__ import annotations

import ast
import configparser
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import upbit_actors
from tests.paths import REPO

FOLDERS = ("actors", "messages", "system", "tools")
"""The subpackages of ``upbit_actors`` that the repository keeps at its top level."""
MAX_LINES = 320
"""Modules stay near 300 lines (STYLE.md §12); a little slack for a docstring table."""


def _modules() -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module of the package."""
    yield "upbit_actors", REPO / "__init__.py"
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(("upbit_actors", *parts)), path


def _imports(path: Path, name: str) -> Iterator[str]:
    """Every module ``path`` imports (absolute names; relative ones resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


MODULES = dict(_modules())


def test_setup_cfg_lists_every_package_and_maps_the_root() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert listed == found
    assert config["options"]["package_dir"].split() == ["upbit_actors", "=", "."]
    assert "upbit_actors.tools.cli:main" in config["options.entry_points"]["console_scripts"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_bare_top_level_import(name: str) -> None:
    """Every import of the project's own code names the root: a bot's own ``messages`` or
    ``tools`` package can never be taken for ours."""
    bare = [m for m in _imports(MODULES[name], name) if m.split(".")[0] in FOLDERS]
    assert bare == []


def test_system_never_imports_the_actor_shells() -> None:
    offenders = {name: m for name, path in MODULES.items() if name.startswith("upbit_actors.system")
                 for m in _imports(path, name) if m.startswith("upbit_actors.actors")}
    assert offenders == {}


def test_each_actor_role_has_its_decisions_under_the_same_name() -> None:
    # A part split off a role's shell is named ROLE_PART (``connection_live``): it belongs to ROLE.
    shells = {p.stem.partition("_")[0] for p in (REPO / "actors").glob("*.py")} - {
        "", "base", "component", "examples", "tree"}
    roles = {p.name for p in (REPO / "system").iterdir() if (p / "__init__.py").exists()}
    assert shells <= roles, shells - roles


def test_no_import_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        graph[name] = {m for m in _imports(path, name) if m in MODULES and m != name}
    # Package __init__ re-exports point down into their own package; only module -> module
    # edges outside that make a cycle a reader has to untangle.
    for name in graph:
        graph[name] = {m for m in graph[name] if not (name in MODULES and m.startswith(name + "."))}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES


def test_the_public_face_exports_what_a_bot_needs() -> None:
    for name in upbit_actors.__all__:
        assert getattr(upbit_actors, name) is not None, name
    for name in ("Hub", "Component", "EventStream", "HubConfig", "DataType", "Credentials",
                 "UpbitActorsError"):
        assert name in upbit_actors.__all__
    with pytest.raises(AttributeError):
        upbit_actors.NoSuchThing  # noqa: B018


def test_every_error_derives_from_the_root() -> None:
    errors = importlib.import_module("upbit_actors.system.errors")
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.UpbitActorsError), name
    raised = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                    and isinstance(node.exc.func, ast.Name):
                raised.add((name, node.exc.func.id))
    builtin = {(n, e) for n, e in raised if e in {"ValueError", "TypeError", "RuntimeError",
                                                  "Exception", "KeyError", "OSError"}}
    assert builtin == set()

"""Actor class paths, taken from the classes themselves.

Thespian creates an actor in its own process by importing the class from a dotted path, so every
place that spawns one by path (child specs, ``Hub.spawn``, the demo, the CLI, the bench) asks the
class for it here instead of writing the string by hand: a rename then breaks at import time, in
a test, not at run time when a crashed actor is restarted.

Exception tree: ``HubError`` for a class that another process cannot import.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from upbit_actors.system.errors import HubError

__all__ = ["actor_path", "import_actor_class"]


def actor_path(actor_class: type | str) -> str:
    """``module.QualName`` of ``actor_class`` (a string is returned as it is).

    A class of the script that was run (``__main__``) is named by the script's module name,
    which the actor processes import from the same ``sys.path``: the script must then keep its
    start-up under ``if __name__ == "__main__":``. A class without an importable home (defined
    in a function, in an interactive session) raises ``HubError`` with one line that says so.
    """
    if isinstance(actor_class, str):
        return actor_class
    module, qualname = actor_class.__module__, actor_class.__qualname__
    if "<locals>" in qualname:
        raise HubError(f"{qualname} is defined inside a function: actor classes must be defined at "
                       "the top level of an importable module (each actor process imports it)")
    if module == "__main__":
        module = _main_module_name()
    return f"{module}.{qualname}"


def _main_module_name() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        return spec.name.removesuffix(".__main__")  # python -m package.module
    path = getattr(main, "__file__", None)
    if path is None:
        raise HubError("actor classes must live in an importable module, not in an interactive "
                       "session: put the class in a .py file")
    folder = str(Path(path).resolve().parent)
    if not any(Path(p or ".").resolve() == Path(folder) for p in sys.path):
        raise HubError(f"the folder of {Path(path).name} is not on sys.path: the actor processes "
                       "could not import its classes")
    return Path(path).stem


def import_actor_class(path: str, base: type | None = None) -> type:
    """The class at dotted ``path``, imported here; ``HubError`` with one line when it cannot be.

    Thespian's ``createActor`` swallows an exception raised while importing the class (it logs it
    and hands back an address that never works), so a spawner imports the class first and turns
    a failure into an answer.
    """
    module, _, name = path.rpartition(".")
    if not module:
        raise HubError(f"{path!r} is not a dotted class path (module.Class)")
    try:
        cls = getattr(importlib.import_module(module), name)
    except HubError as exc:
        raise HubError(f"importing {module} failed: {exc}") from None
    except Exception as exc:  # whatever the user's module raises at import
        raise HubError(f"{path} cannot be imported by the actor processes: "
                       f"{type(exc).__name__}: {exc}") from None
    if not isinstance(cls, type):
        raise HubError(f"{path} is not a class")
    if base is not None and not issubclass(cls, base):
        raise HubError(f"{path} is not a {base.__name__} subclass")
    return cls

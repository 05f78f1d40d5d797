"""Photoplay: YAML scene files in, talking and dancing photos out.

The API reads like the pipeline: ``load`` a scene file, ``validate`` it into a
Scene, ``compile`` that into a render graph, ``render`` the graph to an MP4,
``verify`` a video's label, watermark and provenance, and ``qc`` it as a viewer
sees it.
"""

import sys
import types

__version__ = "0.1.0"

_API = ("load", "validate", "compile", "render", "verify", "qc")


def __getattr__(name: str):
    # Lazy: importing a node module (engine.nodes...) must not pull in the spec and jsonschema.
    if name in _API:
        from engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


class _Package(types.ModuleType):
    """The ``engine`` package, whose API verbs are never shadowed by its submodules.

    Importing ``engine.compile`` (a package) or ``engine.render`` (a module) makes
    Python set that submodule as an attribute of ``engine``, which would hide the
    verb of the same name from then on ("'module' object is not callable"). The
    submodules stay reachable through imports (``from engine.render import ...``);
    the attribute always stays the verb, served by ``__getattr__`` above.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = ["__version__", *_API]

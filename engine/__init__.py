"""Photoplay: YAML scene files in, talking and dancing photos out.

The API reads like the pipeline: ``load`` a scene file, ``validate`` it into a
Scene, ``compile`` that into a render graph, ``render`` the graph to an MP4, and
``verify`` a video's label, watermark and provenance.
"""

__version__ = "0.1.0"

_API = ("load", "validate", "compile", "render", "verify")


def __getattr__(name: str):
    # Lazy: importing a node module (engine.nodes...) must not pull in the spec and jsonschema.
    if name in _API:
        from engine import api

        return getattr(api, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


__all__ = ["__version__", *_API]

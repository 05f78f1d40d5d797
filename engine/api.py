"""The Python API, with the same verbs as the command line.

    scene = engine.validate("scenes/talking-portrait.yaml")   # load + check → Scene

``load`` reads a scene file (YAML with positions, extends, variables);
``validate`` checks it into a typed Scene or raises SceneError with every
problem. ``compile``, ``render`` and ``verify`` join them as they land.
"""

from engine.spec import load, validate

__all__ = ["load", "validate"]

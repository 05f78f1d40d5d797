"""The scene language: load a YAML scene file and validate it into a typed Scene.

Pure data: imports nothing of the engine but ``engine.errors``.

    doc = load("scenes/hello.yaml", sets={"name": "Ada"})
    scene = validate(doc)          # raises SceneError with every problem found
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping

from engine.errors import SceneError
from engine.spec.build import PRESETS, build_scene
from engine.spec.checks import run_checks
from engine.spec.document import Document, load
from engine.spec.model import Scene
from engine.spec.schema_check import SCHEMA_PATH, scene_schema, schema_diagnostics

__all__ = ["PRESETS", "SCHEMA_PATH", "Document", "Scene", "load", "scene_schema", "validate"]


def validate(
    doc_or_path: Document | str | os.PathLike,
    *,
    strict: bool = False,
    max_duration_s: float = 1800.0,
    style_catalog: Mapping[str, str] | None = None,
    voice_catalog: Collection[str] | None = None,
    sets: Mapping[str, str] | None = None,
    variants: str | os.PathLike | None = None,
    row: int | None = None,
    live: str | None = None,
) -> Scene:
    """Validate a scene (a loaded Document, or a path to load) into a typed Scene.

    Parameters
    ----------
    doc_or_path : a Document from ``load``, or a scene file path.
    strict : missing licences/sources become errors instead of warnings.
    max_duration_s : float > 0, longest estimated video allowed, in seconds.
    style_catalog : dance style name → context ("social", "ceremonial",
        "sacred"). When given, unknown styles are errors and ceremonial or
        sacred ones need ``ethics.cultural_review``.
    voice_catalog : names of the installed TTS voices. When given, a scene
        naming another voice is refused (espeak-ng would silently fall back).
    sets, variants, row : passed to ``load`` when a path is given.
    live : the name of a character to present live (``photoplay live``): it must
        have a photo and a TTS voice, and its consent must grant ``live`` and
        ``speech``.

    Raises
    ------
    SceneError listing every diagnostic: schema errors first (in file order),
    then semantic errors, then warnings. Warnings of a valid scene are kept on
    ``Scene.warnings``.
    """
    if isinstance(doc_or_path, Document):
        doc = doc_or_path
    else:
        doc = load(doc_or_path, sets=sets, variants=variants, row=row)
    schema_errors = schema_diagnostics(doc)
    found = run_checks(
        doc,
        strict=strict,
        max_duration_s=max_duration_s,
        style_catalog=style_catalog,
        voice_catalog=voice_catalog,
        live=live,
    )
    semantic = sorted(found.errors, key=lambda d: (d.file, d.line, d.col))
    typed = {d.path for d in schema_errors}  # a NaN that is also the wrong type: say it once
    semantic = [
        d
        for d in dict.fromkeys(semantic)
        if d not in schema_errors and not (d.code == "schema.not-finite" and d.path in typed)
    ]
    errors = schema_errors + semantic
    if errors:
        raise SceneError(errors + found.warnings)
    return build_scene(doc, found, found.warnings)

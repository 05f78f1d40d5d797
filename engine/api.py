"""The Python API, with the same verbs as the command line.

    scene = engine.validate("scenes/talking-portrait.yaml")   # load + check → Scene
    compiled = engine.compile(scene)                          # → render graph
    result = engine.render("scenes/photo-story.yaml", "out/story.mp4")

``load`` reads a scene file (YAML with positions, extends, variables);
``validate`` checks it into a typed Scene or raises SceneError with every
problem, including what only the engine knows (which TTS voices are
installed); ``compile`` turns a Scene into a render graph; ``render`` runs it
and writes the MP4 with its provenance, captions and poster beside it.
"""

from __future__ import annotations

import os
from collections.abc import Collection

from engine import spec
from engine.spec import Document, Scene, load


def installed_voices() -> Collection[str]:
    """espeak-ng voices ("en-us", ...) and neural voices ("piper:en_US-joe") installed here."""
    from engine.nodes.speech.neural import list_neural_voices
    from engine.nodes.speech.tts import list_voices

    return frozenset(list_voices()) | frozenset(list_neural_voices())


def dance_styles() -> dict[str, str]:
    from engine.nodes.motion.choreo import catalog

    return catalog()


def validate(doc_or_path: Document | str | os.PathLike, **options) -> Scene:
    """``engine.spec.validate`` with the engine's catalogs filled in: the installed
    voices, and the dance styles with their cultural context (ceremonial and sacred
    styles need a cultural review)."""
    options.setdefault("voice_catalog", installed_voices())
    options.setdefault("style_catalog", dance_styles())
    return spec.validate(doc_or_path, **options)


def compile(scene: Scene):  # noqa: A001  (the pipeline's verb)
    from engine.compile.compiler import compile_scene

    return compile_scene(scene)


def render(scene_or_path, out=None, **options):
    """Validate (when given a path), compile and render one scene; see ``engine.render``."""
    from engine.render import render as render_scene

    if not isinstance(scene_or_path, Scene):
        keys = ("sets", "variants", "row", "strict", "max_duration_s")
        checks = {k: options.pop(k) for k in keys if k in options}
        scene_or_path = validate(scene_or_path, **checks)
    return render_scene(scene_or_path, out, **options)


def verify(video, **options):
    """Read a video's watermark, embedded manifest and C2PA signature; see ``engine.verifier``."""
    from engine.verifier import verify as verify_video

    return verify_video(video, **options)


def qc(video, **options):
    """Judge a rendered video as a viewer sees it; see ``engine.quality.judge``.

    Returns a Report: ``report.passed``, ``report.checks``, ``report.figures``,
    ``report.exit_code`` (0 passed, 6 a check failed).
    """
    from engine.quality import judge

    return judge(video, **options)


__all__ = ["compile", "load", "qc", "render", "validate", "verify"]

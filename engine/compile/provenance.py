"""The provenance manifest: what went into a video, written beside it and inside it.

It holds hashes, licences and consent references, never personal documents
themselves, and no clock time, so the same scene renders to the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import platform
from importlib import metadata

from engine import __version__
from engine.compile.assets import file_sha256
from engine.spec.model import Asset, RecordedVoice, Scene, TtsVoice

FORMAT = "photoplay-provenance/1"
WATERMARK_KEY = 0x50504C59  # public key: anyone can check a video Photoplay made
WATERMARK_SCHEME = "photoplay-ss-luma/1"
_PACKAGES = (
    "numpy",
    "numba",
    "av",
    "pillow",
    "librosa",
    "torch",
    "ai-edge-litert",
    "espeakng-loader",
)


def lineage_id(scene: Scene) -> int:
    """48-bit watermark payload: the scene's lineage (file, title, variables).

    It stays the same when dialogue or timing is edited, so cached segments
    stay valid; variants of a campaign get different ids through their vars.
    """
    body = f"{scene.file.name}\n{scene.title or ''}\n{sorted(scene.vars.items())!r}"
    return int.from_bytes(hashlib.sha256(body.encode()).digest()[:6], "big")


def asset_record(asset: Asset, role: str) -> dict:
    return {
        "role": role,
        "path": asset.rel,
        "sha256": file_sha256(asset.path),
        "licence": asset.licence,
        "source": asset.source,
    }


def _versions() -> dict:
    found = {"photoplay": __version__, "python": platform.python_version()}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def voice_record(voice) -> dict | None:
    if isinstance(voice, TtsVoice):
        engine = "piper" if voice.tts.startswith("piper:") else "espeak-ng"
        return {"engine": engine, "voice": voice.tts, "variant": voice.variant}
    if isinstance(voice, RecordedVoice):
        return {"recording": voice.audio.rel, "speaker": voice.speaker}
    return None


def manifest(scene: Scene, *, models: list[dict], styles: list[dict], voices: list[dict]) -> dict:
    characters = []
    assets = []
    for name, ch in scene.characters.items():
        consent = ch.consent
        record = None
        if consent.record is not None:
            record = {"path": consent.record.rel, "sha256": file_sha256(consent.record.path)}
        characters.append(
            {
                "name": name,
                "display_name": ch.display_name,
                "photo": ch.photo.rel if ch.photo else None,
                "consent": {
                    "basis": consent.basis,
                    "granted_by": consent.granted_by,
                    "date": consent.date,
                    "scope": list(consent.scope),
                    "source": consent.source,
                    "record": record,
                },
                "voice": voice_record(ch.voice),
            }
        )
        if ch.photo:
            assets.append(asset_record(ch.photo, f"photo of {name}"))
    for shot in scene.shots:
        if isinstance(shot.background, Asset):
            assets.append(asset_record(shot.background, f"background of shot {shot.index + 1}"))
    if scene.music:
        assets.append(asset_record(scene.music.file, "music"))
    label = scene.ethics.label
    return {
        "format": FORMAT,
        "title": scene.title,
        "scene": {
            "file": scene.file.name,
            "sha256": scene.source_sha256,
            "vars": {k: scene.vars[k] for k in sorted(scene.vars)},
        },
        "disclosure": {"text": label.text, "language": label.language},
        "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic",
        "characters": characters,
        "assets": assets,
        "voices": voices,
        "models": models,
        "dance_styles": styles,
        "watermark": {
            "scheme": WATERMARK_SCHEME,
            "key": WATERMARK_KEY,
            "payload": f"{lineage_id(scene):012x}",
        },
        "software": _versions(),
    }

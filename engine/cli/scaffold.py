"""``photoplay new``: a scene folder that validates, written all at once.

The folder is built under a temporary name beside the target, validated, and
renamed into place, so a failure never leaves a half-written folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import soundfile as sf

from engine.errors import PhotoplayError
from engine.nodes.music.synth import synth_music

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
MODELINE = "# yaml-language-server: $schema=scene.schema.json\n"

_CHARACTER = """\
characters:
  grace:
    name: "Grace Hopper"
    photo: {file: assets/portrait.jpg, licence: "public domain (US Navy photograph)"}
    voice: {tts: en-us, rate: 160}
    body: {mode: upper}
    consent:
      basis: public-domain
      source: "US Navy photograph of Grace Hopper, via matplotlib sample data"
      scope: [SCOPE]
"""
_MUSIC = """\
music:
  file: assets/music-120bpm.wav
  licence: "CC0, synthesised by photoplay new"
  bpm: 120
"""

TALKING = (
    MODELINE
    + """\
# A talking portrait. Validate: photoplay validate scene.yaml
photoplay: 1
title: "Hello from a photo"
output: {size: [720, 720], fps: 25, seed: 1}
"""
    + _CHARACTER.replace("SCOPE", "speech, expressions")
    + """\
ethics:
  label: {text: "AI-animated photo", position: bottom-right}
shots:
  - cast: [grace]
    camera: {zoom: [1.0, 1.1]}
    do:
      - emote: {who: grace, expression: happy, duration: 1}
      - say: {who: grace, text: "Hello! This photo was animated, and the label says so.", mood: happy}
"""
)

DANCE = (
    MODELINE
    + """\
# A dance to synthesised music at 120 bpm. Validate: photoplay validate scene.yaml
photoplay: 1
title: "A dance"
output: {size: [720, 720], fps: 25, seed: 1}
"""
    + _CHARACTER.replace("SCOPE", "speech, dance, expressions")
    + _MUSIC
    + """\
ethics:
  label: "AI-animated photo"
shots:
  - cast: [grace]
    background: "#1b2a41"
    do:
      - say: {who: grace, text: "Music, please!"}
      - dance: {who: grace, style: hiphop, bars: 4}
"""
)

CAMPAIGN_BASE = (
    MODELINE
    + """\
# The campaign template. scene.yaml extends it; variants.csv fills its vars.
photoplay: 1
title: "Thank you, ${name}"
vars: {name: friend, city: "our town", colour: "#203040"}
output: {preset: vertical-720, fps: 25, seed: 1}
"""
    + _CHARACTER.replace("SCOPE", "speech, expressions")
    + _MUSIC
    + """\
ethics:
  label: {text: "AI-animated photo", position: bottom}
shots:
  - cast: [grace]
    background: "${colour}"
    do:
      - say: {who: grace, text: "Thank you, ${name}, for joining us in ${city}!", mood: happy}
"""
)

CAMPAIGN = (
    MODELINE
    + """\
# One video per row of variants.csv:
#   photoplay validate scene.yaml --variants variants.csv --row 1
photoplay: 1
extends: base.yaml
output: {seed: "${seed:-1}"}
shots:
  - cast: [grace]
    background: "${colour}"
    title: {text: "${city}", position: top}
    do:
      - say: {who: grace, text: "Thank you, ${name}, for joining us in ${city}!", mood: happy}
"""
)

VARIANTS = "name,city,colour,seed\nAda,London,#2a3b4c,11\nLinus,Helsinki,#113355,12\n"

TEMPLATES = {
    "talking": {"scene.yaml": TALKING},
    "dance": {"scene.yaml": DANCE},
    "campaign": {"scene.yaml": CAMPAIGN, "base.yaml": CAMPAIGN_BASE, "variants.csv": VARIANTS},
}


def scaffold(target: Path, template: str, schema: dict) -> list[Path]:
    """Create the folder ``target`` from ``template``; return the scene files written.

    Raises PhotoplayError if the template is unknown or ``target`` exists and is not empty.
    """
    from engine.spec import validate  # the CLI may know the spec; scaffolds are checked

    if template not in TEMPLATES:
        raise PhotoplayError(
            f"unknown template {template!r}", hint="use one of: " + ", ".join(TEMPLATES)
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PhotoplayError(f"{str(target)!r} already exists", hint="pick a new folder name")
    parent = target.absolute().parent
    if not parent.is_dir():
        raise PhotoplayError(f"folder {str(parent)!r} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        (tmp / "assets").mkdir()
        shutil.copyfile(TEMPLATES_DIR / "portrait.jpg", tmp / "assets" / "portrait.jpg")
        files = TEMPLATES[template]
        if "music:" in "".join(files.values()):
            music, _truth = synth_music(
                120.0, 6, sr_hz=16000, sections=("drums", "full"), bars_per_section=4
            )
            sf.write(tmp / "assets" / "music-120bpm.wav", music, 16000, subtype="PCM_16")
        (tmp / "scene.schema.json").write_text(json.dumps(schema, indent=2) + "\n", "utf-8")
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        checks = [dict(doc_or_path=tmp / "scene.yaml")]
        if "variants.csv" in files:
            checks.append(
                dict(doc_or_path=tmp / "scene.yaml", variants=tmp / "variants.csv", row=1)
            )
        for kwargs in checks:
            validate(**kwargs)
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; give the usual folder mode
        if target.exists():
            target.rmdir()  # empty (checked above)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [target / name for name in files if name.endswith(".yaml")]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

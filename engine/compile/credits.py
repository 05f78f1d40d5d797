"""The end card's text: who and what the video draws on, and under which consent.

Photos with their sources and consent bases, voices, dance styles with their
origins and cultural context, the music and its licence, and the disclosure.
"""

from __future__ import annotations

from engine.spec.model import Asset, Scene


def dance_credits(styles: list[str]) -> list[dict]:
    """Origin, context and credit of each dance style used (none: no library load)."""
    if not styles:
        return []
    from engine.nodes.motion.choreo import style_origins

    return style_origins(styles)


def credits_text(scene: Scene, voices: dict, styles: list[dict] | None = None) -> str:
    """The end card: photos and consent, voices, music, and the disclosure."""
    lines = [scene.title or "", scene.ethics.label.text, ""]
    for ch in scene.characters.values():
        consent = ch.consent
        who = f" ({consent.granted_by})" if consent.granted_by else ""
        photo = ""
        if ch.photo:
            photo = f" photo: {ch.photo.source or ch.photo.licence or ch.photo.rel};"
        lines.append(f"{ch.display_name}:{photo} consent: {consent.basis}{who}")
    for shot in scene.shots:
        if isinstance(shot.background, Asset):
            bg = shot.background
            lines.append(f"Photo: {bg.rel} ({bg.source or bg.licence or 'source not given'})")
    for voice in voices.values():
        engine = voice.get("engine", "espeak-ng")
        name = voice["voice"].removeprefix("piper:")
        lines.append(
            f"Voice: {engine} {name}{'+' + voice['variant'] if voice.get('variant') else ''}"
            + (f" ({voice['licence']})" if voice.get("licence") else "")
        )
    for style in styles or []:
        lines.append(f"Dance: {style['title']} ({style['context']}). {style['origin']}")
    if scene.music:
        music = scene.music.file
        lines.append(f"Music: {music.rel} ({music.licence or music.source or 'licence not given'})")
    lines.append("Made with Photoplay")
    return "\n".join(line for line in lines if line is not None).strip()

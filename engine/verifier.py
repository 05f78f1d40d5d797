"""``verify``: read a video's watermark, provenance manifest and C2PA manifest back.

Three witnesses, checked against each other:

1. the **C2PA manifest** (signed; its hard binding hashes every byte of the
   frames, audio and moov): valid, invalid (a byte changed), or absent (a
   re-encode or remux drops it);
2. the **provenance manifest** in the container's ``comment`` tag (or, after a
   re-encode, ``NAME.provenance.json`` beside the file or in a folder of them);
3. the **invisible watermark**, read in 2-second windows spread over the video
   (each window alone carries the 48-bit payload); it survives re-encoding.

Verdicts:

- ``authentic``: C2PA valid, watermark present throughout with the payload the
  manifests name: the file is as Photoplay wrote it.
- ``marked``: no C2PA (re-encoded or remuxed), the watermark is there and
  agrees with any manifest; the payload names the render.
- ``tampered``: C2PA present but invalid (content hash mismatch), or the
  watermark contradicts a manifest, or the watermark is missing from a textured
  part of a video whose manifest claims the whole of it.
- ``unknown``: nothing of ours: no Photoplay manifest, no watermark.

A local signing certificate is not publicly trusted: its signature reads valid
but ``signingCredential.untrusted`` unless its CA is passed as ``trust_anchor``.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from engine.errors import AssetError
from engine.verify_input import (
    MAX_VIDEO_BYTES,
    VideoFacts,
    decoded_frames,
    dig,
    open_regular,
    read_json_map,
    read_text,
    video_facts,
)

WINDOW_SEC = 2.0  # the watermark detector needs about this much video
MAX_WINDOWS = 12  # spread over the video; covers every frame up to ~13 s at 1 s hops
DETECT_SIDE_PX = 360  # frames are shrunk to this short side first: ~4x faster at 720p
FLAT_TEXTURE = 2.0  # mean |high-pass luma| (0-255 levels) below which a frame is flat
PROVENANCE_PREFIX = "photoplay-provenance/"
DEFAULT_KEY = 0x50504C59  # engine.compile.provenance.WATERMARK_KEY: public, fixed
UNTRUSTED = "signingCredential.untrusted"


@dataclass
class Verdict:
    """What verify found.

    status: "authentic" | "marked" | "tampered" | "unknown".
    reasons: one short sentence per finding, most important first.
    watermark: {"found", "payload" (12 hex digits or None), "score", "windows"}.
    manifest: the provenance manifest (embedded, else found beside the file) or None.
    c2pa: {"state", "trusted", "errors", "signer", "payload", "manifest_sha256"} or None.
    render: where the matching manifest came from ({"source", "title", "scene"}) or None.
    """

    status: str
    reasons: list[str]
    watermark: dict
    manifest: dict | None
    c2pa: dict | None
    render: dict | None = None
    video: str = ""
    exit_code: int = field(default=0, repr=False)

    def to_json(self) -> dict:
        out = asdict(self)
        out.pop("exit_code")
        return out


EXIT_CODES = {"authentic": 0, "marked": 3, "tampered": 4, "unknown": 5}


def verify(
    video_path: str | os.PathLike,
    *,
    trust_anchor: str | os.PathLike | None = None,
    manifests_dir: str | os.PathLike | None = None,
) -> Verdict:
    """Check a video's C2PA manifest, provenance manifest and watermark against each other.

    video_path: an MP4 (or any file PyAV decodes).
    trust_anchor: a PEM file of CA certificates to trust (e.g. the local CA
        ``~/.local/share/photoplay/signing/ca.pem``).
    manifests_dir: a folder of ``*.provenance.json`` to look a re-encoded
        video's payload up in (``NAME.provenance.json`` beside the video is
        always looked at).

    Raises AssetError for a missing, non-regular, oversized or undecodable file, or an
    unreadable trust anchor. A damaged but readable video gets a verdict.
    """
    path = Path(video_path)
    facts = video_facts(path)  # AssetError when not a bounded regular file of video
    anchors = _read_anchors(trust_anchor) if trust_anchor is not None else None
    if manifests_dir is not None and not Path(manifests_dir).is_dir():
        raise AssetError(f"--manifests {manifests_dir} is not a folder", hint="give a folder")
    embedded = _embedded_manifest(facts.metadata)
    c2pa_info = read_c2pa(path, anchors)
    key = _watermark_key(embedded, c2pa_info)
    # A C2PA hash that holds (or already fails) settles whether frames changed; then
    # one window is enough to read the payload. Otherwise scan the whole video.
    settled = c2pa_info is not None and c2pa_info.get("payload") is not None
    windows = scan_watermark(path, facts, key, max_windows=1 if settled else MAX_WINDOWS)
    return judge(path, embedded, c2pa_info, windows, manifests_dir)


# ---------------------------------------------------------------- witnesses


def _read_anchors(path: str | os.PathLike) -> str:
    try:
        text = read_text(path, "trust anchor").decode("ascii")
    except UnicodeDecodeError:
        raise AssetError(
            f"cannot read trust anchor {path}: not ASCII text",
            hint="give a PEM file of CA certificates",
        ) from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise AssetError(f"{path} holds no PEM certificate", hint="give the CA's .pem file")
    return text


def _embedded_manifest(metadata: dict) -> dict | None:
    text = metadata.get("comment")
    if not text:
        return None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(doc, dict) and str(doc.get("format", "")).startswith(PROVENANCE_PREFIX):
        return doc
    return None


def read_c2pa(path: Path, anchors: str | None) -> dict | None:
    """The C2PA manifest's validation, or None when the file has none.

    Returns {"state": "Trusted"|"Valid"|"Invalid"|"Unreadable", "trusted": bool,
    "errors": [failure codes other than untrusted], "untrusted": bool,
    "signer": common name, "claim_generator": str, "payload": str | None,
    "manifest_sha256": str | None}.
    """
    import c2pa

    from engine.nodes.ethics.c2pa_sign import ASSERTION_LABEL

    context = None
    if anchors is not None:
        context = c2pa.Context(c2pa.Settings.from_dict({"trust": {"trust_anchors": anchors}}))
    try:
        with open_regular(path, "video", MAX_VIDEO_BYTES) as stream:
            reader = c2pa.Reader("video/mp4", stream, None, context)
            try:
                state = reader.get_validation_state()
                results = reader.get_validation_results() or {}
                active = _active_manifest(reader)
            finally:
                reader.close()
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "ManifestNotFound" in str(exc):
            return None
        return _unreadable_c2pa(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    failures = dig(results, "activeManifest", "failure")
    failures = [f.get("code") for f in failures or [] if isinstance(f, dict)]
    if active is None:
        failures.append("claim.missing (the store names an active manifest it does not hold)")
        active = {}
    assertions = active.get("assertions") if isinstance(active, dict) else None
    ours = next(
        (
            a.get("data")
            for a in assertions or []
            if isinstance(a, dict) and a.get("label") == ASSERTION_LABEL
        ),
        None,
    )
    generator = (dig(active, "claim_generator_info") or [{}])[0]
    generator = generator if isinstance(generator, dict) else {}
    payload = dig(ours, "watermark", "payload")
    return {
        "state": state if isinstance(state, str) else "Unreadable",
        "trusted": state == "Trusted",
        "untrusted": UNTRUSTED in failures,
        "errors": [str(code) for code in failures if code != UNTRUSTED],
        "signer": dig(active, "signature_info", "common_name"),
        "claim_generator": f"{generator.get('name')}/{generator.get('version')}",
        "payload": payload if isinstance(payload, str) else None,
        "manifest_sha256": dig(ours, "manifest_sha256"),
        "manifest": dig(ours, "manifest") if isinstance(dig(ours, "manifest"), dict) else None,
    }


def _active_manifest(reader) -> dict | None:
    """The active manifest; {} when the file has none, None when the store is damaged."""
    try:
        active = reader.get_active_manifest()
    except KeyError:  # c2pa documents this for a store without its active manifest
        return None
    return active if isinstance(active, dict) else {}


def _unreadable_c2pa(error: str) -> dict:
    return {
        "state": "Unreadable",
        "trusted": False,
        "untrusted": False,
        "errors": [error],
        "signer": None,
        "claim_generator": None,
        "payload": None,
        "manifest_sha256": None,
    }


def _watermark_key(embedded: dict | None, c2pa_info: dict | None) -> int:
    for source in (embedded, (c2pa_info or {}).get("manifest")):
        key = dig(source, "watermark", "key")
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < 1 << 64:
            return key
    return DEFAULT_KEY


def window_starts(n_frames: int, window: int, max_windows: int = MAX_WINDOWS) -> list[int]:
    """First frame of each detection window: half-overlapping, the last ending at the end.

    Beyond max_windows they are spread evenly (a long video is sampled, not scanned).
    """
    if n_frames <= window or max_windows == 1:
        return [0]
    last = n_frames - window
    n = min(max_windows, int(np.ceil(last / (window / 2))) + 1)
    return sorted({int(round(s)) for s in np.linspace(0, last, n)})


def scan_watermark(
    path: Path, facts: VideoFacts, key: int, max_windows: int = MAX_WINDOWS
) -> list[dict]:
    """Detect the watermark in 2-s windows: [{"t0", "t1", "found", "payload", "score", "flat"}].

    Frames that do not decode are skipped; a window left with too few frames, or
    frames of another size than the first (a damaged header), is reported as not
    found rather than failing the whole verify.
    """
    from engine.nodes.ethics.watermark_detect import MIN_SIDE_PX, detect

    fps = facts.fps
    window = max(1, round(WINDOW_SEC * fps))
    n_frames = facts.n_frames
    if n_frames <= 0:  # the container does not say: count by decoding
        n_frames = sum(1 for _ in decoded_frames(path))
    starts = window_starts(n_frames, window, max_windows)
    wanted: dict[int, list[int]] = {}  # frame index -> windows that need it
    for w, s in enumerate(starts):
        for i in range(s, min(s + window, n_frames)):
            wanted.setdefault(i, []).append(w)
    frames: list[list[np.ndarray]] = [[] for _ in starts]
    times: list[list[float]] = [[] for _ in starts]
    last = max(wanted, default=-1)
    shape = None
    for i, (t_sec, frame) in enumerate(decoded_frames(path)):
        if i > last:
            break  # the rest of the video is not sampled: stop decoding
        shape = shape or frame.shape
        if frame.shape != shape or min(shape[:2]) < MIN_SIDE_PX:
            continue
        frame = _shrink(frame)
        for w in wanted.get(i, ()):
            frames[w].append(frame)
            times[w].append(t_sec)
    out = []
    for w, group in enumerate(frames):
        if not group:
            continue
        found = detect(group, key, max_frames=len(group))
        t0, t1 = _finite(times[w][0]), _finite(times[w][-1]) + 1.0 / fps
        out.append(
            {
                "t0": round(t0, 3),
                "t1": round(t1, 3),
                "found": bool(found.found),
                "payload": f"{found.payload:012x}" if found.found else None,
                "score": round(float(found.score), 2),
                "flat": bool(np.median([_texture(f) for f in group]) < FLAT_TEXTURE),
            }
        )
    return out


def _finite(t_sec: float) -> float:
    """A frame time for the report; a damaged timestamp reads as 0."""
    return float(t_sec) if np.isfinite(t_sec) else 0.0


def _shrink(frame: np.ndarray) -> np.ndarray:
    """Area-downscale so the short side is DETECT_SIDE_PX (the mark survives 0.5x resizes)."""
    import cv2

    scale = DETECT_SIDE_PX / min(frame.shape[:2])
    if scale >= 1.0:
        return frame
    size = (round(frame.shape[1] * scale), round(frame.shape[0] * scale))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _texture(frame: np.ndarray) -> float:
    """Mean |luma - 5x5 box blur| in 0-255 levels: ~0 on flat cards, >4 on photos."""
    import cv2

    y = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.mean(np.abs(y - cv2.blur(y, (5, 5)))))


# ---------------------------------------------------------------- judgement


MAX_MANIFEST_FILES = 10_000  # --manifests folders are searched up to this many files


def _find_render(path: Path, payload: str | None, manifests_dir) -> tuple[dict | None, dict | None]:
    """A provenance manifest for this payload: beside the video, else in manifests_dir.

    Candidates that are not small regular JSON maps are skipped, not read.
    """
    candidates = [Path(f"{path.with_suffix('')}.provenance.json")]
    if manifests_dir is not None:
        found = Path(manifests_dir).glob("*.provenance.json")
        candidates += sorted(itertools.islice(found, MAX_MANIFEST_FILES))
    for candidate in candidates:
        doc = read_json_map(candidate)
        if doc is None or payload is None or dig(doc, "watermark", "payload") != payload:
            continue
        scene = dig(doc, "scene", "file")
        title = doc.get("title")
        return doc, {
            "source": str(candidate),
            "title": title if isinstance(title, str) else None,
            "scene": scene if isinstance(scene, str) else None,
        }
    return None, None


def judge(
    path: Path,
    embedded: dict | None,
    c2pa_info: dict | None,
    windows: list[dict],
    manifests_dir=None,
) -> Verdict:
    """Combine the three witnesses into a Verdict (pure; see the module docstring)."""
    from engine.nodes.ethics.c2pa_sign import canonical_sha256

    tampered: list[str] = []
    notes: list[str] = []
    hits = [w for w in windows if w["found"]]
    payloads = sorted({w["payload"] for w in hits})
    payload = max(payloads, key=lambda p: sum(w["payload"] == p for w in hits)) if hits else None
    watermark = {
        "found": bool(hits),
        "payload": payload,
        "score": max((w["score"] for w in windows), default=0.0),
        "windows": windows,
    }
    claimed = dig(embedded, "watermark", "payload")
    claimed = claimed if isinstance(claimed, str) else None
    ours_c2pa = c2pa_info is not None and c2pa_info.get("payload") is not None

    # C2PA: the signature and the hard binding over every byte.
    if c2pa_info is not None:
        if c2pa_info["errors"]:
            tampered.append(
                "C2PA manifest no longer matches the file: " + ", ".join(c2pa_info["errors"])
            )
        elif ours_c2pa:
            trust = (
                "trusted"
                if c2pa_info["trusted"]
                else "not publicly trusted (signingCredential.untrusted; "
                "pass the CA with --trust to trust it)"
            )
            notes.append(
                f"C2PA manifest valid, signed by {c2pa_info['signer']!r}, certificate {trust}"
            )
            if embedded is not None and c2pa_info["manifest_sha256"] != canonical_sha256(embedded):
                tampered.append("the embedded provenance manifest differs from the signed one")
            if claimed is not None and c2pa_info["payload"] != claimed:
                tampered.append(
                    f"signed payload {c2pa_info['payload']} differs from manifest payload {claimed}"
                )
        else:
            notes.append(f"C2PA manifest by {c2pa_info['claim_generator']}, not Photoplay's")
    expected = claimed or (c2pa_info or {}).get("payload")

    # Watermark against the manifests.
    if len(payloads) > 1:
        tampered.append(f"watermark payloads disagree across the video: {', '.join(payloads)}")
    if hits and expected is not None and payload != expected:
        tampered.append(f"watermark payload {payload} contradicts the manifest's {expected}")
    claims_photoplay = embedded is not None or ours_c2pa
    missing = [w for w in windows if not w["found"] and not w["flat"]]
    if claims_photoplay and missing:
        spans = ", ".join(f"{w['t0']:.1f}-{w['t1']:.1f} s" for w in missing)
        what = "parts" if hits else "the whole video"
        tampered.append(
            f"the manifest claims Photoplay made it, but the watermark is missing in "
            f"{what} ({spans}): frames replaced"
        )
    elif hits and missing:
        notes.append(
            "watermark only in "
            + ", ".join(f"{w['t0']:.1f}-{w['t1']:.1f} s" for w in hits)
            + " (no mark read in the rest: edited or spliced, or too plain or degraded to read,"
            " e.g. a text card after heavy re-encoding)"
        )

    manifest, render = embedded, None
    if manifest is None and c2pa_info is not None and c2pa_info.get("manifest"):
        manifest = c2pa_info["manifest"]
    if payload is not None:
        found_doc, render = _find_render(path, payload, manifests_dir)
        if manifest is None:
            manifest = found_doc
    if hits:
        where = f" ({render['title']!r}, {render['source']})" if render else ""
        notes.insert(0, f"watermark found, payload {payload}{where}")

    c2pa_out = None
    if c2pa_info is not None:
        c2pa_out = {k: v for k, v in c2pa_info.items() if k != "manifest"}

    if tampered:
        status = "tampered"
        reasons = tampered + notes
    elif c2pa_info is not None and ours_c2pa:
        status, reasons = "authentic", notes
        if not hits:  # only flat frames (else "missing" above): the bytes are signed intact
            reasons.append("watermark unreadable on these flat frames; the C2PA hash holds")
    elif hits:
        status = "marked"
        why = (
            "no C2PA manifest (re-encoded or remuxed)"
            if c2pa_info is None
            else "C2PA manifest is not Photoplay's"
        )
        reasons = [why, *notes]
    elif claims_photoplay:  # manifest but no watermark at all, flat video: cannot tell
        status = "tampered"
        reasons = ["the manifest claims Photoplay made it, but no watermark was found", *notes]
    else:
        status = "unknown"
        reasons = ["no Photoplay watermark, provenance manifest or C2PA manifest found", *notes]
    return Verdict(
        status=status,
        reasons=reasons,
        watermark=watermark,
        manifest=manifest,
        c2pa=c2pa_out,
        render=render,
        video=str(path),
        exit_code=EXIT_CODES[status],
    )

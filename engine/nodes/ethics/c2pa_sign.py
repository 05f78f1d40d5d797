"""Sign a finished MP4 with a C2PA manifest (c2pa-python, ES256, offline).

What the manifest says
----------------------
- ``c2pa.actions`` (written as ``c2pa.actions.v2``): one ``c2pa.created`` action
  whose digitalSourceType is the provenance manifest's ``digital_source_type``,
  by default IPTC **compositeSynthetic**: a Photoplay video is a real photo
  (captured media) brought to life with synthetic motion, a synthetic voice and
  generated titles, i.e. a composite that includes synthetic elements. It is
  not **trainedAlgorithmicMedia**, which means the pixels were made wholly by a
  generative model: ours are the photo's own pixels, warped, and the models we
  run (face and pose landmarks) locate features but draw nothing.
- ``cawg.training-mining``: AI training, generative training and data mining
  ``notAllowed``. The consent records cover what the scene makes a person do,
  never training on their likeness. (C2PA 2.x moved the old
  ``c2pa.training-mining`` assertion to the CAWG label.)
- ``dev.photoplay.provenance``: our provenance manifest whole, its sha256 over
  canonical JSON, and the watermark scheme, key and payload, so a reader can tie
  the signature to the invisible mark.
- The claim generator is ``photoplay/<version>``; the signature is ES256 with
  no timestamp server, so signing works offline.

The hard binding (``c2pa.hash.bmff.v3``) hashes every box except the manifest's
own ``uuid`` box (and ftyp, free, skip, mfra, which c2pa excludes by default), so
any change to the frames, the audio or the moov (our comment tag included) reads
``assertion.bmffHash.mismatch``. A remux or re-encode drops the manifest: sign
the final file, last.

Determinism (measured with c2pa-python 0.38.1 / c2pa-rs 0.91.3)
----------------------------------------------------------------
We fix what we can: the manifest label and instance id are UUIDs derived from
the unsigned file's sha256 and the manifest (not random), there is no
timestamp, and the callback signs ECDSA deterministically (RFC 6979). Still,
two signings of the same file differ in **the manifest box only**: c2pa-rs puts
a fresh 16-byte random salt (a ``c2sh`` box, as the C2PA spec requires for
privacy) in every assertion's JUMBF box; the claim holds each assertion's salted
hash, so the claim and the 64-byte signature over it differ too. Nothing in
c2pa-python 0.38 lets a caller choose the salts. The manifest's size does not
vary, so every byte outside the top-level ``uuid`` box (ftyp, moov with its
chunk offsets, mdat) is identical from run to run, and the decoded frames and
audio are bit-exact; ``unsigned_view`` returns a file's bytes with that box's
payload zeroed, for tests that compare signed files.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

from engine import __version__
from engine.errors import AssetError, NodeError
from engine.hashing import sha256_file
from engine.nodes.ethics.signing_keys import Identity

ASSERTION_LABEL = "dev.photoplay.provenance"
COMPOSITE_SYNTHETIC = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic"
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")  # the manifest store's box


def canonical_sha256(manifest: dict) -> str:
    """sha256 hex of the manifest as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_definition(manifest: dict, *, title: str, label: str) -> dict:
    """The c2pa Builder definition (JSON-able dict) for one Photoplay video."""
    source_type = manifest.get("digital_source_type") or COMPOSITE_SYNTHETIC
    watermark = manifest.get("watermark") or {}
    return {
        "claim_generator_info": [{"name": "photoplay", "version": __version__}],
        "title": title,
        "format": "video/mp4",
        "label": label,
        "instance_id": "xmp:iid:" + label.rsplit(":", 1)[-1],
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": source_type,
                            "softwareAgent": {"name": "photoplay", "version": __version__},
                            "description": "photo animated by Photoplay from a scene file",
                        }
                    ]
                },
            },
            {
                "label": "cawg.training-mining",
                "data": {
                    "entries": {
                        "cawg.ai_generative_training": {"use": "notAllowed"},
                        "cawg.ai_training": {"use": "notAllowed"},
                        "cawg.data_mining": {"use": "notAllowed"},
                    }
                },
            },
            {
                "label": ASSERTION_LABEL,
                "data": {
                    "format": manifest.get("format"),
                    "manifest_sha256": canonical_sha256(manifest),
                    "watermark": {
                        "scheme": watermark.get("scheme"),
                        "key": watermark.get("key"),
                        "payload": watermark.get("payload"),
                    },
                    "manifest": manifest,
                },
            },
        ],
    }


def sign_video(
    src_mp4: str | os.PathLike,
    dst_mp4: str | os.PathLike,
    manifest: dict,
    identity: Identity | tuple[str, str, str | None],
    *,
    title: str | None = None,
) -> dict:
    """Embed a signed C2PA manifest in an MP4 and write it atomically to ``dst_mp4``.

    src_mp4: the finished H.264 + AAC MP4 (nothing may touch it afterwards:
        a remux drops the manifest). May equal dst_mp4 (sign in place).
    manifest: the provenance manifest (``photoplay-provenance/1`` dict).
    identity: an Identity or ``(chain_pem, key_pem, ca_pem)``
        (``signing_keys.local_signing_identity`` or ``load_identity``).

    Returns ``{"file": Path, "label": str, "manifest_bytes": int,
    "manifest_sha256": str, "digital_source_type": str}``.

    Raises AssetError for a missing source, NodeError when c2pa refuses to sign
    (e.g. a certificate that breaks the C2PA profile); dst_mp4 is then untouched.
    """
    import c2pa
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from engine.nodes.output.atomic import commit, discard, make_temp_path

    if not isinstance(identity, Identity):
        identity = Identity(*identity)
    src = Path(src_mp4)
    if not src.is_file():
        raise AssetError(f"video to sign not found: {src}", hint="sign the final muxed MP4")
    content_sha256 = sha256_file(src)
    # c2pa-rs accepts only version-4 GUIDs: take 122 bits of a hash, not of the RNG.
    seed = hashlib.sha256((content_sha256 + canonical_sha256(manifest)).encode()).digest()
    label = f"urn:c2pa:{uuid.UUID(bytes=seed[:16], version=4)}"
    definition = manifest_definition(manifest, title=title or Path(dst_mp4).name, label=label)
    key = serialization.load_pem_private_key(identity.key_pem.encode(), password=None)

    def sign_es256(data: bytes) -> bytes:
        # RFC 6979: the same claim gives the same signature (the claim itself varies
        # only by c2pa-rs's random assertion salts; see the module docstring).
        return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))

    temp = make_temp_path(dst_mp4)
    try:
        signer = c2pa.Signer.from_callback(
            sign_es256, c2pa.C2paSigningAlg.ES256, identity.chain_pem
        )
        with (
            signer,
            c2pa.Builder(definition) as builder,
            open(src, "rb") as source,
            open(temp, "w+b") as dest,
        ):
            manifest_bytes = builder.sign(signer, "video/mp4", source, dest)
        commit(temp, dst_mp4)
    except c2pa.C2paError as exc:
        discard(temp)
        raise NodeError(
            f"C2PA signing failed: {str(exc).splitlines()[0]}",
            kind="ethics.c2pa_sign",
            hint="the certificate must be issued by a CA (not self-signed), with key usage "
            "digitalSignature and extended key usage emailProtection or documentSigning",
        ) from None
    except BaseException:
        discard(temp)
        raise
    return {
        "file": Path(dst_mp4),
        "label": label,
        "manifest_bytes": len(manifest_bytes),
        "manifest_sha256": canonical_sha256(manifest),
        "digital_source_type": definition["assertions"][0]["data"]["actions"][0][
            "digitalSourceType"
        ],
    }


def manifest_box_span(data: bytes) -> tuple[int, int] | None:
    """(offset, size) in bytes of the top-level C2PA ``uuid`` box of an MP4, or None."""
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        header = 8
        if size == 1:
            size, header = int.from_bytes(data[offset + 8 : offset + 16], "big"), 16
        elif size == 0:
            size = len(data) - offset
        if size < header:
            return None
        if kind == b"uuid" and data[offset + header : offset + header + 16] == C2PA_UUID:
            return offset, size
        offset += size
    return None


def unsigned_view(path: str | os.PathLike) -> bytes:
    """The file's bytes with the C2PA manifest box's payload zeroed (its header kept).

    Two signings of one file give equal views (see Determinism above).
    """
    data = bytearray(Path(path).read_bytes())
    span = manifest_box_span(bytes(data))
    if span is not None:
        offset, size = span
        data[offset + 24 : offset + size] = bytes(size - 24)
    return bytes(data)

"""Sign a real render, then alter it every way verify must tell apart."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest
import typer
from skimage import data
from typer.testing import CliRunner

from engine.cli.verify_cmd import verify as verify_command
from engine.errors import AssetError
from engine.nodes.ethics.c2pa_sign import sign_video, unsigned_view
from engine.nodes.ethics.signing_keys import load_identity, local_identity, local_signing_identity
from engine.nodes.output.probe import probe, read_audio, read_frames
from engine.render import render
from engine.verifier import verify
from tests.ethics.media import encode, mdat_span, resize_all, two_photo_scene

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"

pytestmark = pytest.mark.slow  # the module's fixture renders and signs a video


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 3 s 448x448 render, signed with a fresh local identity."""
    root = tmp_path_factory.mktemp("verify")
    scene = two_photo_scene(root / "scene")
    out = root / "out" / "story.mp4"
    out.parent.mkdir()
    render(scene, out, cache_dir=root / "cache")
    manifest = json.loads(probe(out)["metadata"]["comment"])
    identity = local_identity(root / "signing")
    signed = root / "signed.mp4"
    result = sign_video(out, signed, manifest, identity)
    return {
        "root": root,
        "unsigned": out,
        "signed": signed,
        "manifest": manifest,
        "payload": manifest["watermark"]["payload"],
        "identity": identity,
        "ca": root / "signing" / "ca.pem",
        "result": result,
    }


def test_local_identity_is_made_once_with_private_keys(tmp_path):
    first = local_signing_identity(tmp_path / "id")
    assert local_signing_identity(tmp_path / "id") == first  # reused, not regenerated
    for name in ("leaf.key", "ca.key"):
        assert stat.S_IMODE(os.stat(tmp_path / "id" / name).st_mode) == 0o600
    assert first[0].count("BEGIN CERTIFICATE") == 2  # leaf first, then the CA
    assert first[0].endswith(first[2])


def test_user_identity_errors_are_clear(tmp_path, made):
    chain, other_key = tmp_path / "chain.pem", tmp_path / "other.key"
    chain.write_text(made["identity"].chain_pem)
    other_key.write_text(local_signing_identity(tmp_path / "other")[1])
    with pytest.raises(AssetError, match="does not belong"):
        load_identity(chain, other_key)
    with pytest.raises(AssetError, match="not found"):
        load_identity(tmp_path / "missing.pem", other_key)
    chain.write_text("not a certificate\n")
    with pytest.raises(AssetError, match="not a PEM certificate"):
        load_identity(chain, other_key)


def test_manifest_says_what_made_it(made):
    import c2pa

    with c2pa.Reader(str(made["signed"])) as reader:
        active = reader.get_active_manifest()
    assertions = {a["label"]: a["data"] for a in active["assertions"]}
    created = assertions["c2pa.actions.v2"]["actions"][0]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == IPTC + "compositeSynthetic"
    training = assertions["cawg.training-mining"]["entries"]
    assert training["cawg.ai_generative_training"]["use"] == "notAllowed"
    ours = assertions["dev.photoplay.provenance"]
    assert ours["watermark"]["payload"] == made["payload"]
    assert ours["manifest"] == made["manifest"]
    assert active["claim_generator_info"][0]["name"] == "photoplay"
    assert made["result"]["manifest_bytes"] < 64_000


def test_signing_changes_only_the_manifest_box(made, tmp_path):
    # Same name: the C2PA title is the file's name.
    again = sign_video(
        made["unsigned"], tmp_path / "signed.mp4", made["manifest"], made["identity"]
    )
    a, b = made["signed"].read_bytes(), again["file"].read_bytes()
    assert len(a) == len(b)
    assert a != b  # c2pa-rs salts each assertion at random
    assert unsigned_view(made["signed"]) == unsigned_view(again["file"])
    assert np.array_equal(read_frames(made["signed"]), read_frames(made["unsigned"]))
    assert np.array_equal(read_audio(made["signed"])[0], read_audio(made["unsigned"])[0])


def test_signed_render_is_authentic_untrusted_until_its_ca_is_given(made):
    verdict = verify(made["signed"])
    assert verdict.status == "authentic", verdict.reasons
    assert verdict.watermark["payload"] == made["payload"]
    assert verdict.c2pa["state"] == "Valid" and verdict.c2pa["untrusted"]
    assert not verdict.c2pa["trusted"]
    assert any("not publicly trusted" in r for r in verdict.reasons)
    trusted = verify(made["signed"], trust_anchor=made["ca"])
    assert trusted.status == "authentic"
    assert trusted.c2pa["state"] == "Trusted" and trusted.c2pa["trusted"]


def test_flipped_byte_in_mdat_is_tampered(made, tmp_path):
    raw = bytearray(made["signed"].read_bytes())
    offset, size = mdat_span(bytes(raw))
    raw[offset + size // 2] ^= 0x20
    flipped = tmp_path / "flipped.mp4"
    flipped.write_bytes(bytes(raw))
    verdict = verify(flipped)
    assert verdict.status == "tampered"
    assert "assertion.bmffHash.mismatch" in verdict.c2pa["errors"]


def test_reencoded_half_size_is_marked_with_the_same_payload(made, tmp_path, cli):
    frames = read_frames(made["signed"])
    small = encode(resize_all(frames, 0.5), tmp_path / "repost.mp4", crf=28)
    verdict = verify(small, manifests_dir=made["unsigned"].parent)
    assert verdict.status == "marked", verdict.reasons
    assert verdict.c2pa is None
    assert verdict.watermark["payload"] == made["payload"]
    assert verdict.render["title"] == made["manifest"]["title"]
    # The file beside a render adds the timeline (for qc) to the manifest it signed.
    found = {k: v for k, v in verdict.manifest.items() if k != "timeline"}
    assert found == made["manifest"] and "acts" in verdict.manifest["timeline"]
    assert cli(small, "--manifests", made["unsigned"].parent).exit_code == 3


def test_replaced_frames_under_the_same_manifest_are_tampered(made, tmp_path):
    frames = read_frames(made["signed"])
    other = np.stack([data.camera()] * 3, axis=-1)[: frames.shape[1], : frames.shape[2]]
    frames[10:61] = other
    comment = probe(made["signed"])["metadata"]["comment"]
    edited = encode(list(frames), tmp_path / "edited.mp4", crf=23, comment=comment)
    verdict = verify(edited)
    assert verdict.status == "tampered", verdict.reasons
    assert any("watermark is missing" in r for r in verdict.reasons)


def test_foreign_video_is_unknown(tmp_path, cli):
    picture = data.astronaut()[::2, ::2]
    frames = [np.roll(picture, 4 * i, axis=1) for i in range(30)]
    foreign = encode(frames, tmp_path / "foreign.mp4", crf=23)
    verdict = verify(foreign)
    assert verdict.status == "unknown"
    assert not verdict.watermark["found"] and verdict.manifest is None and verdict.c2pa is None
    assert cli(foreign).exit_code == 5


@pytest.fixture
def cli():
    app = typer.Typer()
    app.command()(verify_command)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_exit_codes_and_json(made, tmp_path, cli):
    result = cli(made["signed"], "--trust", made["ca"], "--json")
    assert result.exit_code == 0, result.output
    as_json = json.loads(result.output)
    assert as_json["status"] == "authentic" and as_json["c2pa"]["trusted"]
    raw = bytearray(made["signed"].read_bytes())
    offset, size = mdat_span(bytes(raw))
    raw[offset + size // 3] ^= 0x01
    (tmp_path / "bad.mp4").write_bytes(bytes(raw))
    bad = cli(tmp_path / "bad.mp4")
    assert bad.exit_code == 4
    assert (
        bad.output.splitlines()[0] == f"{tmp_path / 'bad.mp4'}: tampered, payload {made['payload']}"
    )
    missing = cli(tmp_path / "missing.mp4")
    assert missing.exit_code == 2
    assert len(missing.output.strip().splitlines()) == 1
    (tmp_path / "junk.mp4").write_bytes(b"not a video" * 50)
    assert cli(tmp_path / "junk.mp4").exit_code == 2

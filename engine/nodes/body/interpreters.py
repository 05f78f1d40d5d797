"""One tflite interpreter per body model per process, built on first use.

A tflite ``Interpreter`` holds its tensors in place and is not safe to call from two
threads at once, so each model has a lock; calls are short (~10 ms) and the body models
run a few times per photo or once per frame of a reference video.
"""

from __future__ import annotations

import threading

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from engine.models.litert import new_interpreter

_interpreters: dict[str, tuple[Interpreter, threading.Lock]] = {}
_build_lock = threading.Lock()


def _get(name: str) -> tuple[Interpreter, threading.Lock]:
    with _build_lock:
        if name not in _interpreters:
            _interpreters[name] = (new_interpreter(name), threading.Lock())
        return _interpreters[name]


def run_model(name: str, x: np.ndarray) -> list[np.ndarray]:
    """Run model ``name`` on one input ``x`` (1, H, W, 3) float32.

    Returns:
        Copies of every output tensor, in the model's output order.
    """
    interp, lock = _get(name)
    with lock:
        interp.set_tensor(interp.get_input_details()[0]["index"], np.ascontiguousarray(x))
        interp.invoke()
        return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]

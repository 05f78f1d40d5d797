"""One reusable tflite interpreter per model per thread.

Nodes call the face models many times a render (every frame when tracking), so an
interpreter is built once and kept. A tflite ``Interpreter`` holds its tensors in
place and is not safe to share between threads, so each thread gets its own
(Dask workers and the local scheduler both run nodes on thread pools).
"""

from __future__ import annotations

import threading

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from engine.models.litert import new_interpreter

_local = threading.local()


def interpreter(name: str) -> Interpreter:
    """The calling thread's interpreter for model ``name`` (tensors allocated).

    One CPU thread per interpreter: renders run several segments in parallel, and a
    single thread keeps the arithmetic order, and so the output, fixed.
    """
    cache = getattr(_local, "interpreters", None)
    if cache is None:
        cache = _local.interpreters = {}
    if name not in cache:
        cache[name] = new_interpreter(name)
    return cache[name]


def run_model(name: str, x: np.ndarray) -> list[np.ndarray]:
    """Run model ``name`` on one input batch ``x`` (1, H, W, 3) float32.

    Returns:
        Copies of every output tensor, in the model's output order.
    """
    interp = interpreter(name)
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]

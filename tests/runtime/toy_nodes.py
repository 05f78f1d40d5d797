"""Tiny node kinds for scheduler and cache tests: hand-checkable outputs."""

from __future__ import annotations

import os
import time

import numpy as np

from engine.errors import NodeError
from engine.nodes.registry import Artifact, node


@node("test.number", version=1, cpu_bound=False)
def number(params, inputs, ctx):
    return params["value"]


@node("test.add", version=1)
def add(params, inputs, ctx):
    time.sleep(params.get("sleep_s", 0))
    return sum(inputs.values()) + params.get("plus", 0)


@node("test.noise_file", version=1)
def noise_file(params, inputs, ctx):
    """Writes seeded bytes to a file: a stand-in for an encoded segment."""
    rng = np.random.default_rng(params["seed"])
    (ctx.workdir / "noise.bin").write_bytes(rng.bytes(params["n_bytes"]))
    return {"file": Artifact("noise.bin"), "pid": os.getpid(), "upstream": inputs.get("x")}


@node("test.fail", version=1)
def fail(params, inputs, ctx):
    raise NodeError("refuses on purpose", kind="test.fail", hint="it always does")


@node("test.threads", version=1)
def threads(params, inputs, ctx):
    """How many threads OpenCV and numba may use in the process running this node."""
    import cv2
    import numba

    return {"cv2": cv2.getNumThreads(), "numba": numba.get_num_threads(), "seed": params["seed"]}


@node("test.big_array", version=1)
def big_array(params, inputs, ctx):
    """A seeded float32 array of ``n`` values (big ones travel by reference)."""
    return np.random.default_rng(params["seed"]).standard_normal(params["n"], dtype=np.float32)


@node("test.array_sum", version=1)
def array_sum(params, inputs, ctx):
    """The sum of input ``x`` (an array: never a reference) and the pid that summed it."""
    if not isinstance(inputs["x"], np.ndarray):
        raise TypeError(f"input x is a {type(inputs['x']).__name__}, not an array")
    return {"sum": float(inputs["x"].astype(np.float64).sum()), "pid": os.getpid()}


@node("test.array_len", version=1, cpu_bound=False)
def array_len(params, inputs, ctx):
    """A light node: the length of input ``x`` and the pid that measured it."""
    return {"len": len(inputs["x"]), "pid": os.getpid()}

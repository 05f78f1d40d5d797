"""A long fuzz run of the CLI: mutated scenes through validate and plan, damaged MP4s
through verify and qc. Every case must end in a documented exit code, one line per
problem, no traceback, no internal error, within its time and memory bounds.

    .venv/bin/python -m tests.fuzz.run --scenes 10000 --videos 1000

Cases run in worker processes (one per core) through the CLI's own entry point,
each under an alarm (``--timeout`` s) and an address-space limit (``--memory`` GB),
so a hang or a runaway allocation is counted, not waited for. The same seed gives
the same cases. tests/fuzz/test_fuzz.py runs a few hundred of them in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import multiprocessing
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCENES = ROOT / "scenes"
HOSTILE = [
    "../../etc/passwd", "/etc/hostname", "/dev/zero", "assets/astronaut.jpg",
    "assets/music-120bpm.wav", "assets", "${x}", "${name:-${y}}", "$${x}", "#12345",
    "#ffffff", "", " ", "\x00", "rosa", "eileen", "grace", "off", "ü" * 300, "2026-13-45",
    "1e309", "-0", "9" * 400, "take:1.mp4", "a" * 300, "NaN", "!!python/object:os.system",
]  # fmt: skip
VERBS = {"say", "sing", "emote", "look", "idle", "dance", "pause"}
EXIT_OK = {"validate": {0, 2}, "plan": {0, 2}, "verify": {0, 2, 3, 4, 5}, "qc": {0, 2, 6}}


class Timeout(BaseException):
    """The alarm: a BaseException, so the CLI's catch-all for internal errors lets it by."""


def _alarm(_signum, _frame):
    raise Timeout


# -- scenes --------------------------------------------------------------------


def _examples() -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted(SCENES.glob("*.yaml"))]


def _value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, -1, 7, 10**6, -(10**12), 2**63, 10**30])
    if kind == 3:
        return rng.choice([0.0, -0.5, 1e-9, 3.5, 1e300, float("inf"), float("nan")])
    if kind == 4:
        return rng.choice(HOSTILE)
    if kind == 5:
        return "".join(rng.choice("abcxyz019 ${}:#-/.\n") for _ in range(rng.randrange(12)))
    if kind in (6, 7):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        rng.choice(["who", "text", "file", "x", rng.choice(sorted(VERBS))]): _value(rng, depth + 1)
    }


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _at(data, path):
    for part in path:
        data = data[part]
    return data


def mutated_scene(rng: random.Random, examples: list[dict]) -> str:
    """An example scene with 1-5 mutations, or (one case in eight) YAML-ish noise."""
    if rng.random() < 0.125:
        alphabet = list("{}[]:,-&*!|>'\"#%@` \n\tabc019$.<~?") + [
            "photoplay: 1\n",
            "shots:\n",
            "  - ",
        ]
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(120)))
    data = copy.deepcopy(rng.choice(examples))
    for _ in range(rng.randint(1, 5)):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent, key = _at(data, path[:-1]), path[-1]
        op = rng.choice(["drop", "replace", "replace", "rename", "copy", "grow"])
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = _value(rng)
        elif op == "rename" and isinstance(parent, dict):
            parent[rng.choice(HOSTILE + sorted(VERBS))] = parent.pop(key)
        elif op == "copy":
            other = copy.deepcopy(_at(data, rng.choice(paths)))
            if isinstance(parent, list):
                parent.append(other)
            else:
                parent[key] = other
        elif op == "grow" and isinstance(parent, list):
            parent.extend(copy.deepcopy(parent[key]) for _ in range(rng.randrange(50)))
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except (yaml.YAMLError, ValueError):
        return "photoplay: 1\n"


# -- videos --------------------------------------------------------------------


def damaged(rng: random.Random, original: bytes) -> bytes:
    """One of: random byte runs overwritten, truncation, bytes inserted or deleted,
    a zeroed block, an MP4 box size field changed."""
    data = bytearray(original)
    op = rng.randrange(6)
    if op == 0:
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            data[at : at + 8] = rng.randbytes(min(8, len(data) - at))
    elif op == 1:
        data = data[: rng.randrange(len(data))]
    elif op == 2:
        at = rng.randrange(len(data))
        data[at:at] = rng.randbytes(rng.randint(1, 64))
    elif op == 3:
        at = rng.randrange(len(data))
        del data[at : at + rng.randint(1, 64)]
    elif op == 4:
        at = rng.randrange(len(data))
        data[at : at + 4096] = bytes(min(4096, len(data) - at))
    else:
        boxes = [
            i - 4
            for i in range(4, len(data) - 4)
            if data[i : i + 4] in (b"moov", b"mdat", b"trak", b"stsz", b"stco", b"uuid")
        ]
        at = rng.choice(boxes) if boxes else rng.randrange(len(data) - 4)
        data[at : at + 4] = rng.choice(
            [b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x00\x00\x00\x01", rng.randbytes(4)]
        )
    return bytes(data)


def make_renders(folder: Path) -> list[Path]:
    """Two short real renders to damage: a talking photo and a photo story."""
    import engine

    out = []
    for name in ("talking-portrait", "photo-story"):
        work = folder / name
        shutil.copytree(SCENES / "assets", work / "assets")
        doc = yaml.safe_load((SCENES / f"{name}.yaml").read_text())
        doc["output"] = {"size": [160, 160], "fps": 25, "seed": 1}
        doc["shots"] = doc["shots"][:1]
        scene = work / f"{name}.yaml"
        scene.write_text(yaml.safe_dump(doc, allow_unicode=True))
        out.append(engine.render(scene, work / f"{name}.mp4", cache_dir=folder / "cache").video)
    return out


# -- running -------------------------------------------------------------------


def _limit_memory(gigabytes: float) -> None:
    limit = int(gigabytes * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _run_cli(argv: list[str], timeout_s: float) -> tuple[str, int | None, str, float]:
    from engine.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(argv)
        outcome = "ok"
    except Timeout:
        code, outcome = None, "hang"
    except MemoryError:
        code, outcome = None, "memory"
    except BaseException as exc:  # anything escaping run() is a crash
        code, outcome = None, f"escaped {type(exc).__name__}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return outcome, code, out.getvalue() + err.getvalue(), time.perf_counter() - start


def _case(job: tuple) -> dict:
    verb, path, extra, timeout_s = job
    outcome, code, output, seconds = _run_cli([verb, str(path), *extra], timeout_s)
    bad = None
    if outcome != "ok":
        bad = outcome
    elif code not in EXIT_OK[verb]:
        bad = f"exit {code}"
    elif "Traceback" in output or "internal error" in output:
        bad = "traceback" if "Traceback" in output else "internal error"
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"verb": verb, "code": code, "bad": bad, "seconds": seconds, "rss_mb": rss_mb,
            "case": str(path), "output": output[-400:] if bad else ""}  # fmt: skip


def _init(memory_gb: float) -> None:
    _limit_memory(memory_gb)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fuzz(n_scenes: int, n_videos: int, *, seed: int = 1, timeout_s: float = 60.0,
         memory_gb: float = 4.0, workers: int = 2, folder: Path | None = None) -> dict:  # fmt: skip
    rng = random.Random(seed)
    own = folder is None
    folder = Path(tempfile.mkdtemp(prefix="photoplay-fuzz-")) if own else folder
    try:
        shutil.copytree(SCENES / "assets", folder / "assets", dirs_exist_ok=True)
        shutil.copy(SCENES / "campaign-base.yaml", folder / "campaign-base.yaml")
        examples = _examples()
        jobs = []
        for i in range(n_scenes):
            scene = folder / f"case{i:05d}.yaml"
            scene.write_text(mutated_scene(rng, examples), encoding="utf-8")
            jobs.append(("validate", scene, rng.choice([[], ["--json"], ["--strict"]]), timeout_s))
            jobs.append(("plan", scene, [], timeout_s))
        if n_videos:
            renders = make_renders(folder / "renders")
            for i in range(n_videos):
                original = rng.choice(renders)
                video = folder / f"damaged{i:05d}.mp4"
                video.write_bytes(damaged(rng, original.read_bytes()))
                prov = Path(f"{original.with_suffix('')}.provenance.json")
                if rng.random() < 0.5:
                    shutil.copy(prov, Path(f"{video.with_suffix('')}.provenance.json"))
                jobs.append(("verify", video, rng.choice([[], ["--json"]]), timeout_s))
                jobs.append(("qc", video, rng.choice([[], ["--json"]]), timeout_s))
        ctx = multiprocessing.get_context("forkserver")
        with ctx.Pool(
            workers, initializer=_init, initargs=(memory_gb,), maxtasksperchild=200
        ) as pool:
            results = list(pool.imap_unordered(_case, jobs, chunksize=4))
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
    return summarise(results)


def summarise(results: list[dict]) -> dict:
    by_verb: dict[str, dict] = {}
    for verb in sorted({r["verb"] for r in results}):
        mine = [r for r in results if r["verb"] == verb]
        by_verb[verb] = {
            "cases": len(mine),
            "exit_codes": dict(sorted(Counter(str(r["code"]) for r in mine).items())),
            "bad": dict(Counter(r["bad"] for r in mine if r["bad"])),
            "max_seconds": round(max(r["seconds"] for r in mine), 2),
            "max_worker_rss_mb": round(max(r["rss_mb"] for r in mine)),
        }
    bad = [r for r in results if r["bad"]]
    return {"by_verb": by_verb, "bad": bad[:20], "n_bad": len(bad)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=10000)
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--memory", type=float, default=4.0, help="GB of address space per worker")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report = fuzz(
        args.scenes, args.videos, seed=args.seed, timeout_s=args.timeout, memory_gb=args.memory
    )
    report["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=1))
    return 1 if report["n_bad"] else 0


if __name__ == "__main__":
    sys.exit(main())

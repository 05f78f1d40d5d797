"""Train the audio → viseme model on the set ``make_data.py`` wrote; save weights + sidecar.

    .venv/bin/python models/visemes/train.py --data /tmp/visemes_data --steps 2500

Seeded and deterministic (torch.use_deterministic_algorithms); runs on CUDA
when present, else CPU. Writes models/visemes/visemes.pt (float16 state_dict)
and visemes.json (architecture, feature parameters, sha256 of the weights,
training data, held-out metrics), then evaluates the saved weights on the
held-out voices and languages.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.hashing import sha256_file  # noqa: E402
from engine.nodes.speech import learned  # noqa: E402
from engine.nodes.speech.visemes import SHAPES  # noqa: E402

MODEL = {"n_mels": learned.N_MELS, "channels": 64, "kernel": 5, "dilations": [1, 2, 4, 8] * 2}
CONTROL_WEIGHTS = torch.tensor([2.0, 1.0, 1.0, 1.0])  # jaw_open matters most on screen
SHAPE_LOSS_WEIGHT = 0.3
SILENCE = math.log(learned.LOG_FLOOR)


def load_split(data: Path, split: str) -> dict:
    z = np.load(data / f"{split}.npz")
    fo, oo = z["feat_offsets"], z["out_offsets"]
    feats, controls, shapes = z["feats"], z["controls"], z["shapes"]
    return {
        "feats": [feats[fo[i] : fo[i + 1]] for i in range(len(fo) - 1)],
        "controls": [controls[oo[i] : oo[i + 1]] for i in range(len(oo) - 1)],
        "shapes": [shapes[oo[i] : oo[i + 1]] for i in range(len(oo) - 1)],
        "meta": json.loads((data / f"{split}.json").read_text()),
    }


def pad_batch(items: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_feat: int):
    """[(feats (T, M), controls (K, 4), shapes (K,))] → padded tensors and a (B, K) mask."""
    n_out = (n_feat + 1) // 2
    b = len(items)
    x = np.full((b, n_feat, learned.N_MELS), SILENCE, dtype=np.float32)
    y = np.zeros((b, n_out, 4), dtype=np.float32)
    s = np.zeros((b, n_out), dtype=np.int64)
    m = np.zeros((b, n_out), dtype=np.float32)
    for i, (f, c, sh) in enumerate(items):
        x[i, : len(f)] = f
        y[i, : len(c)] = c
        s[i, : len(sh)] = sh
        m[i, : len(sh)] = 1.0
    return (
        torch.from_numpy(x).transpose(1, 2),
        torch.from_numpy(y),
        torch.from_numpy(s),
        torch.from_numpy(m),
    )


def sample_batch(train: dict, rng: np.random.Generator, batch: int, n_feat: int):
    """Random crops of n_feat feature frames, starting on even frames (stride-2 alignment)."""
    items = []
    for _ in range(batch):
        i = int(rng.integers(len(train["feats"])))
        f, c, sh = train["feats"][i], train["controls"][i], train["shapes"][i]
        k0 = int(rng.integers(0, max(len(c) - n_feat // 2, 0) + 1))
        k1 = k0 + n_feat // 2
        items.append((f[2 * k0 : 2 * k1].astype(np.float32), c[k0:k1], sh[k0:k1]))
    return pad_batch(items, n_feat)


def loss_fn(out, y, s, m):
    controls = torch.sigmoid(out[:, :4].transpose(1, 2))  # (B, K, 4)
    l_ctrl = ((controls - y).abs() * CONTROL_WEIGHTS.to(out.device)).sum(-1)
    l_shape = torch.nn.functional.cross_entropy(out[:, 4:], s, reduction="none")
    return ((l_ctrl + SHAPE_LOSS_WEIGHT * l_shape) * m).sum() / m.sum()


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / max(np.sqrt((a * a).sum() * (b * b).sum()), 1e-12))


@torch.no_grad()
def evaluate(model, split: dict, device) -> dict:
    """Held-out metrics at MODEL_RATE_HZ, by group (held-out voice / held-out language)."""
    model.eval()
    groups: dict[str, dict[str, list]] = {}
    for i, meta in enumerate(split["meta"]):
        x, y, s, _ = pad_batch(
            [(split["feats"][i].astype(np.float32), split["controls"][i], split["shapes"][i])],
            len(split["feats"][i]),
        )
        out = model(x.to(device)).float().cpu()
        k = min(out.shape[2], len(split["shapes"][i]))
        pred = torch.sigmoid(out[0, :4, :k]).T.numpy()
        shape = out[0, 4:, :k].argmax(0).numpy()
        truth = split["controls"][i][:k].astype(np.float32)
        energy = np.log(np.exp(split["feats"][i][::2][:k].astype(np.float64)).sum(1))
        held_language = meta["language"] in ("sv", "el")
        names = ["held_out_language" if held_language else "held_out_voice", "all"]
        if meta["aug"].keys() <= {"gain_db"}:
            names.append("clean")
        for name in names:
            g = groups.setdefault(name, {k2: [] for k2 in ("acc", "mae", "r", "r_energy", "n")})
            g["acc"].append(float((shape == split["shapes"][i][:k]).mean()))
            g["mae"].append(np.abs(pred - truth).mean(0))
            g["r"].append(_pearson(pred[:, 0], truth[:, 0]))
            g["r_energy"].append(_pearson(energy, truth[:, 0]))
            g["n"].append(k)
    report = {}
    for name, g in groups.items():
        w = np.asarray(g["n"], dtype=np.float64)
        mae = np.average(np.stack(g["mae"]), axis=0, weights=w)
        report[name] = {
            "lines": len(w),
            "shape_accuracy": round(float(np.average(g["acc"], weights=w)), 3),
            "mae": dict(
                zip(
                    ["jaw_open", "lip_width", "rounding", "upper_lip_raise"],
                    [round(float(v), 3) for v in mae],
                    strict=True,
                )
            ),
            "jaw_open_r_median": round(float(np.median(g["r"])), 3),
            "energy_baseline_r_median": round(float(np.median(g["r_energy"])), 3),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/visemes_data"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "visemes.pt")
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--crop-s", type=float, default=4.0)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rng = np.random.default_rng(args.seed)
    train, held = load_split(args.data, "train"), load_split(args.data, "eval")

    model = learned.build_model(MODEL)
    all_feats = np.concatenate(train["feats"]).astype(np.float32)
    model.feat_mean[:] = torch.from_numpy(all_feats.mean(0)[:, None])
    model.feat_std[:] = torch.from_numpy(all_feats.std(0)[:, None] + 1e-3)
    del all_feats
    model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{n_params} parameters, {len(train['meta'])} training lines, device {device}")

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps)
    n_feat = int(args.crop_s * 100) // 2 * 2
    t0 = time.time()
    running = 0.0
    for step in range(1, args.steps + 1):
        model.train()
        x, y, s, m = (t.to(device) for t in sample_batch(train, rng, args.batch, n_feat))
        loss = loss_fn(model(x), y, s, m)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running += float(loss.detach())
        if step % 100 == 0:
            print(f"step {step} loss {running / 100:.4f} {time.time() - t0:.0f} s", flush=True)
            running = 0.0
    train_s = time.time() - t0

    # save float16 weights, then evaluate exactly what was saved
    state = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
    torch.save(state, args.out)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    metrics = evaluate(model, held, device)
    print(json.dumps(metrics, indent=1))
    summary = json.loads((args.data / "summary.json").read_text())
    sidecar = {
        "sha256": sha256_file(args.out),
        "model": MODEL,
        "parameters": n_params,
        "outputs": {
            "rate_hz": learned.MODEL_RATE_HZ,
            "controls": ["jaw_open", "lip_width", "rounding", "upper_lip_raise"],
            "shapes": list(SHAPES),
        },
        "features": {
            "sr_hz": learned.FEATURE_SR_HZ,
            "n_fft": learned.N_FFT,
            "win": learned.WIN,
            "hop": learned.HOP,
            "n_mels": learned.N_MELS,
            "fmin_hz": learned.FMIN_HZ,
            "fmax_hz": learned.FMAX_HZ,
            "log_floor": learned.LOG_FLOOR,
            "target_rms": learned.TARGET_RMS,
        },
        "training": {
            "data": summary,
            "generator": "models/visemes/make_data.py (espeak-ng via engine.nodes.speech.tts)",
            "steps": args.steps,
            "batch": args.batch,
            "crop_s": args.crop_s,
            "lr": args.lr,
            "seed": args.seed,
            "device": str(device),
            "torch": torch.__version__,
            "train_s": round(train_s),
        },
        "held_out_metrics": metrics,
        "licence": "Apache-2.0",
    }
    args.out.with_suffix(".json").write_text(json.dumps(sidecar, indent=1) + "\n")
    print(f"saved {args.out} ({args.out.stat().st_size} bytes), trained {train_s:.0f} s")


if __name__ == "__main__":
    main()

"""Judge one rendered video as a viewer would: one pass over its frames, then the checks.

    report = judge("out/talk.mp4")            # provenance beside it gives the timeline
    report.exit_code                          # 0 passed, 6 a check failed

The pass decodes every frame once (in a thread), tracks faces on every frame
and the body on dancing frames, and keeps a few numbers per frame plus small
thumbnails for the contact sheet. Everything else is measured afterwards.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from engine.errors import AssetError
from engine.quality import context, media
from engine.quality.blinks import eye_patches, find_blinks
from engine.quality.bodies import N_KEYPOINTS, Body, BodyTracker
from engine.quality.context import Act, Context
from engine.quality.dance import (
    STEADY_JOINT_SHARE,
    VISIBLE,
    beat_align_score,
    bone_cv,
    fill_gaps,
    foot_skate,
    in_frame,
    kinematic_beats,
    music_beats,
    shifted_baseline,
)
from engine.quality.dancers import whose_bodies
from engine.quality.faces import FaceTracker
from engine.quality.lipsync import ENVELOPE_HZ, measure_sync, speech_envelope
from engine.quality.loudness import integrated_lufs, true_peak_dbtp
from engine.quality.picture import PictureWatch
from engine.quality.report import Check, Report, thresholds

THUMB_W = 360
MAX_THUMBS = 96
MIN_BLINK_FACE_S = 10.0  # judge the blink rate only on this much visible face
FROZEN_CHANGE = 0.05  # mean level change of the small grey copy under which a frame is still
DANCE_MARGIN_S = 0.25


@dataclass
class Pass:
    """What one decoding pass keeps, per frame."""

    times: list[float] = field(default_factory=list)
    faces: list[list] = field(default_factory=list)  # per frame: [(track, mouth, eyes, inside)]
    main_face: list[int] = field(default_factory=list)  # track of the largest face or -1
    eye_patches: list = field(default_factory=list)  # per frame (D,) or None
    bodies: dict[int, list[Body]] = field(default_factory=dict)  # frames of dance spans
    thumbs: list[tuple[float, np.ndarray]] = field(default_factory=list)
    watch: PictureWatch | None = None


def judge(
    video: str | os.PathLike,
    *,
    scene: str | os.PathLike | None = None,
    fail_under: dict[str, str] | None = None,
    fail_over: dict[str, str] | None = None,
    sheet: str | os.PathLike | None = None,
) -> Report:
    """Measure ``video`` and check every figure against its bound; see ``engine.quality``."""
    started = time.perf_counter()
    bounds = thresholds(fail_under, fail_over)
    info = media.probe(video)
    ctx = context.load(info.path, scene)
    samples = media.audio(info)
    envelope = speech_envelope(samples, info.audio_sr_hz)
    acts = list(ctx.acts)
    if ctx.source != "provenance":
        who = ctx.speakers[0] if len(ctx.speakers) == 1 else "speaker"
        acts = list(context.voiced_acts(envelope, ENVELOPE_HZ, who))
    seen = _decode_pass(info, ctx, acts)
    if not seen.times:
        raise AssetError(
            f"{info.path}: not one frame of the video could be decoded",
            hint="the file is damaged; render it again",
        )
    if ctx.source == "video only" and not any(seen.faces) and not any(seen.bodies.values()):
        raise AssetError(
            f"{info.path}: no face or body in any frame, and no provenance to say why",
            hint="qc judges talking and dancing photos; keep the .provenance.json beside the "
            "video or pass --scene",
        )
    report = Report(str(video), ctx.source, round(info.duration_s, 3), notes=list(ctx.notes))
    report.figures["segments"] = [list(s) for s in ctx.segments]
    report.figures["video"] = {
        "size": [info.width, info.height],
        "fps": info.fps,
        "frames": len(seen.times),
    }
    _speech_checks(report, bounds, seen, acts, envelope, info)
    _blink_checks(report, bounds, seen, info)
    _dance_checks(report, bounds, seen, acts, samples, info, ctx)
    flags = _picture_checks(report, bounds, seen, acts, ctx, info)
    _audio_checks(report, bounds, samples, info)
    for check in report.checks:
        check.judge()
    report.seconds = time.perf_counter() - started
    report.figures["speed_x_realtime"] = round(info.duration_s / max(report.seconds, 1e-6), 2)
    if sheet is not None:
        from engine.quality.sheet import contact_sheet

        contact_sheet(report, seen.thumbs, acts, flags, info.duration_s, Path(sheet))
    return report


def _in_any(t: float, spans: list[tuple[float, float]]) -> bool:
    return any(a <= t < b for a, b in spans)


def _decode_pass(info: media.VideoInfo, ctx: Context, acts: list[Act]) -> Pass:
    seen = Pass()
    starts = [round(start * info.fps) for _, start, _ in ctx.segments]
    watch = PictureWatch(info.width, info.height, ctx.label_position, starts, ctx.label_size)
    faces = FaceTracker()
    dance_spans = [
        (a.start_s - DANCE_MARGIN_S, a.end_s + DANCE_MARGIN_S) for a in acts if a.verb == "dance"
    ]
    bodies = BodyTracker() if dance_spans else None
    thumb_every = max(1, int(np.ceil(info.n_frames / MAX_THUMBS)))
    thumb_h = max(1, round(THUMB_W * info.height / info.width))
    for index, t_s, frame in media.frames(info):
        watch.add(frame)
        seen.times.append(t_s)
        found = faces.step(frame)
        seen.faces.append(
            [
                (f.track, f.mouth_open(), f.eyes_open(), f.inside(info.width, info.height))
                for f in found
            ]
        )
        if found:
            main = max(found, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
            seen.main_face.append(main.track)
            seen.eye_patches.append(eye_patches(frame, main))
        else:
            seen.main_face.append(-1)
            seen.eye_patches.append(None)
        if bodies is not None:
            if _in_any(t_s, dance_spans):  # on a stage, every performer's body
                seen.bodies[index] = bodies.step(frame, most=max(1, len(ctx.stage_at(t_s))))
            else:
                bodies.reset()
        if index % thumb_every == 0:
            seen.thumbs.append((t_s, cv2.resize(frame, (THUMB_W, thumb_h), cv2.INTER_AREA)))
    watch.finish()
    seen.watch = watch
    return seen


# -- speech ------------------------------------------------------------------


def _frames_in(seen: Pass, start_s: float, end_s: float) -> np.ndarray:
    times = np.asarray(seen.times)
    return np.flatnonzero((times >= start_s) & (times < end_s))


def _mouth_series(seen: Pass, frames: np.ndarray, track: int) -> np.ndarray:
    out = np.full(len(frames), np.nan)
    for k, i in enumerate(frames):
        for tr, mouth, _eyes, inside in seen.faces[i]:
            if tr == track and inside:
                out[k] = mouth
    return out


def _speaker_track(seen: Pass, frames: np.ndarray, envelope: np.ndarray):
    """The face whose mouth follows this line's voice best: (track, sync) or (None, None)."""
    counts: dict[int, int] = {}
    for i in frames:
        for tr, _m, _e, inside in seen.faces[i]:
            if inside:
                counts[tr] = counts.get(tr, 0) + 1
    best = (None, None)
    times = np.asarray(seen.times)[frames]
    for track, count in counts.items():
        if count < 0.3 * len(frames):
            continue
        sync = measure_sync(_mouth_series(seen, frames, track), times, envelope)
        if best[0] is None or (sync is not None and (best[1] is None or sync.corr > best[1].corr)):
            best = (track, sync)
    return best


def _speech_checks(report, bounds, seen: Pass, acts, envelope, info) -> None:
    lines = [a for a in acts if a.verb in ("say", "sing") and a.on_screen]
    per_who: dict[str, list] = {}
    figures = []
    for number, act in enumerate(lines, 1):
        frames = _frames_in(seen, act.start_s, act.end_s)
        if len(frames) == 0:
            continue
        track, sync = _speaker_track(seen, frames, envelope)
        mouth = (
            _mouth_series(seen, frames, track)
            if track is not None
            else np.full(len(frames), np.nan)
        )
        found = float(np.isfinite(mouth).mean())
        subject = f"{act.who}, line {number}"
        report.checks.append(
            Check(
                "face.found",
                round(found, 3),
                bounds["face.found"],
                subject,
                (act.start_s, act.end_s),
            )
        )
        per_who.setdefault(act.who, []).append((frames, mouth))
        figures.append(
            {
                "who": act.who,
                "line": number,
                "start_s": act.start_s,
                "end_s": act.end_s,
                "text": act.text,
                "face_found": round(found, 3),
                "lag_ms": sync.lag_ms if sync else None,
                "corr": sync.corr if sync else None,
            }
        )
    report.figures["lines"] = figures
    times = np.asarray(seen.times)
    speakers = {}
    for who, parts in per_who.items():
        frames = np.concatenate([f for f, _ in parts])
        mouth = np.concatenate([m for _, m in parts])
        sync = measure_sync(mouth, times[frames], envelope)
        opening = mouth[np.isfinite(mouth)]
        p95 = round(float(np.percentile(opening, 95)), 3) if len(opening) >= 10 else None
        p5 = round(float(np.percentile(opening, 5)), 3) if len(opening) >= 10 else None
        span = (float(times[frames[0]]), float(times[frames[-1]]))
        note = "" if sync else "no face to measure"
        report.checks.append(
            Check(
                "lipsync.corr",
                sync.corr if sync else None,
                bounds["lipsync.corr"],
                who,
                span,
                note=note,
            )
        )
        report.checks.append(
            Check(
                "lipsync.abs_lag_ms",
                abs(sync.lag_ms) if sync else None,
                bounds["lipsync.abs_lag_ms"],
                who,
                span,
                note=f"mouth {'late' if sync.lag_ms > 0 else 'early'} by {abs(sync.lag_ms):.0f} ms"
                if sync
                else note,
            )
        )
        report.checks.append(Check("mouth.open_p95", p95, bounds["mouth.open_p95"], who, span))
        report.checks.append(Check("mouth.open_p5", p5, bounds["mouth.open_p5"], who, span))
        speakers[who] = {
            "lag_ms": sync.lag_ms if sync else None,
            "corr": sync.corr if sync else None,
            "corr_at_zero": sync.corr_at_zero if sync else None,
            "mouth_open_p5": p5,
            "mouth_open_p95": p95,
            "frames": int(len(frames)),
        }
    report.figures["speakers"] = speakers


# -- blinks ------------------------------------------------------------------


def _blink_checks(report, bounds, seen: Pass, info) -> None:
    tracks = np.asarray(seen.main_face)
    total, face_frames, blink_times = 0, 0, []
    for track in sorted(set(tracks.tolist()) - {-1}):
        frames = np.flatnonzero(tracks == track)
        patches = np.stack([seen.eye_patches[i] for i in frames])
        eyes = np.array(
            [next(e for tr, _m, e, _in in seen.faces[i] if tr == track) for i in frames]
        )
        found = find_blinks(patches, eyes, info.fps)
        total += len(found)
        face_frames += len(frames)
        blink_times += [seen.times[frames[k]] for k in found]
    face_s = face_frames / info.fps
    rate = round(total / face_s * 60.0, 1) if face_s >= MIN_BLINK_FACE_S else None
    note = (
        ""
        if rate is not None
        else f"only {face_s:.1f} s of face; judged from {MIN_BLINK_FACE_S:g} s"
    )
    report.checks.append(Check("blinks.per_min", rate, bounds["blinks.per_min"], note=note))
    report.figures["blinks"] = {
        "count": total,
        "face_s": round(face_s, 2),
        "per_min": rate,
        "at_s": [round(t, 2) for t in sorted(blink_times)],
    }


# -- dance -------------------------------------------------------------------


def _dance_spans(acts: list[Act]) -> list[Act]:
    """Consecutive dance acts of one dancer joined into one span."""
    spans: list[Act] = []
    for act in sorted((a for a in acts if a.verb == "dance"), key=lambda a: a.start_s):
        last = spans[-1] if spans else None
        if last and last.who == act.who and act.start_s - last.end_s < 0.05:
            spans[-1] = Act("dance", act.who, last.start_s, max(last.end_s, act.end_s))
        else:
            spans.append(act)
    return spans


def _dance_checks(report, bounds, seen: Pass, acts, samples, info, ctx: Context) -> None:
    figures = []
    owners = whose_bodies(seen.bodies, seen.times, ctx.stage_at, info.width)
    for span in _dance_spans(acts):
        frames = _frames_in(seen, span.start_s, span.end_s)
        if len(frames) < 5:
            continue
        subject, where = span.who, (span.start_s, span.end_s)
        points = np.full((len(frames), N_KEYPOINTS, 2), np.nan)
        visibility = np.zeros((len(frames), N_KEYPOINTS))
        for k, i in enumerate(frames):
            body = owners.get(i)
            if isinstance(body, dict):  # a stage shot: this dancer's own body
                body = body.get(span.who)
            if body is not None:
                points[k], visibility[k] = body.points, body.visibility
        found = float(np.isfinite(points[:, 0, 0]).mean())
        report.checks.append(
            Check("dance.body_found", round(found, 3), bounds["dance.body_found"], subject, where)
        )
        entry = {
            "who": span.who,
            "start_s": span.start_s,
            "end_s": span.end_s,
            "body_found": round(found, 3),
        }
        if found >= 0.5:
            entry |= _dance_figures(points, visibility, samples, span, info)
            z = entry["bas_z"]
            report.checks.append(
                Check(
                    "dance.bas_z",
                    z,
                    bounds["dance.bas_z"],
                    subject,
                    where,
                    note=f"BAS {entry['bas']} vs {entry['baseline_mean']} ± {entry['baseline_std']}",
                )
            )
            for bone, fig in entry["bones"].items():
                if fig["judged"]:
                    report.checks.append(
                        Check(
                            "dance.bone_cv",
                            fig["cv"],
                            bounds["dance.bone_cv"],
                            f"{subject}: {bone}",
                            where,
                        )
                    )
        figures.append(entry)
    report.figures["dances"] = figures


def _dance_figures(points, visibility, samples, span: Act, info) -> dict:
    filled = fill_gaps(points)
    ok_rows = np.isfinite(filled[:, 0, 0])
    filled, vis = filled[ok_rows], visibility[ok_rows]
    steady = (vis > VISIBLE) & in_frame(filled, info.width, info.height)
    seen_joints = steady.mean(axis=0) >= STEADY_JOINT_SHARE
    joints = filled[:, seen_joints] if seen_joints.any() else filled
    motion = kinematic_beats(joints, info.fps)
    sr = info.audio_sr_hz
    clip = samples[int(span.start_s * sr) : int(span.end_s * sr)]
    music = music_beats(clip, sr)
    length = span.end_s - span.start_s
    bas = beat_align_score(music, motion)
    mean, std = shifted_baseline(music, motion, length)
    z = round((bas - mean) / std, 2) if std > 0 else None
    return {
        "bas": round(bas, 3),
        "baseline_mean": round(mean, 3),
        "baseline_std": round(std, 3),
        "bas_z": z,
        "music_beats": int(len(music)),
        "motion_beats": int(len(motion)),
        "bones": bone_cv(points, visibility, info.width, info.height),
        "foot_skate": foot_skate(points, visibility, info.fps, info.width, info.height),
    }


# -- picture and sound ---------------------------------------------------------


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, on in enumerate(np.append(mask, False)):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _picture_checks(report, bounds, seen: Pass, acts, ctx: Context, info) -> list:
    watch = seen.watch
    fps = info.fps
    flags = []
    black = _runs(watch.black())
    longest = max((b - a for a, b in black), default=0) / fps
    worst = max(black, key=lambda r: r[1] - r[0], default=None)
    report.checks.append(
        Check(
            "frames.black_s",
            round(longest, 3),
            bounds["frames.black_s"],
            span_s=(worst[0] / fps, worst[1] / fps) if worst else None,
        )
    )
    flags += [
        (a / fps, b / fps, "black")
        for a, b in black
        if (b - a) / fps > bounds["frames.black_s"].get("max", 1e9)
    ]
    change = np.nan_to_num(np.asarray(watch.change), nan=1.0)
    performing = np.zeros(len(change), bool)
    for act in acts:
        if act.on_screen:  # a still picture under a voice-over is no fault
            performing[_frames_in(seen, act.start_s, act.end_s)] = True
    still = _runs(performing & (change < FROZEN_CHANGE))
    frozen = max((b - a for a, b in still), default=0) / fps
    worst = max(still, key=lambda r: r[1] - r[0], default=None)
    report.checks.append(
        Check(
            "frames.frozen_s",
            round(frozen, 3) if performing.any() else None,
            bounds["frames.frozen_s"],
            span_s=(worst[0] / fps, worst[1] / fps) if worst else None,
            note="" if performing.any() else "nobody performs",
        )
    )
    label = watch.label()
    share = float(label.visible.mean()) if len(label.visible) else 0.0
    missing = _runs(~label.visible)
    report.checks.append(
        Check(
            "label.visible",
            round(share, 4),
            bounds["label.visible"],
            ctx.label_text or "",
            note=f"missing on {int((~label.visible).sum())} frame(s)" if missing else "",
        )
    )
    flags += [(a / fps, b / fps, "label") for a, b in missing]
    repeats = np.asarray(watch.repeat, dtype=bool)
    report.figures["picture"] = {
        "black_runs_s": [[round(a / fps, 2), round(b / fps, 2)] for a, b in black],
        "longest_still_while_performing_s": round(frozen, 3),
        "repeated_frames_while_performing": int((repeats & performing).sum()),
        "label_box": label.box,
        "label_missing_s": [[round(a / fps, 2), round(b / fps, 2)] for a, b in missing],
    }
    for check in report.checks:
        check.judge()
        if not check.passed and check.span_s and check.key not in ("frames.black_s",):
            flags.append((check.span_s[0], check.span_s[1], check.key))
    return flags


def _audio_checks(report, bounds, samples, info) -> None:
    lufs = integrated_lufs(samples, info.audio_sr_hz)
    peak = true_peak_dbtp(samples)
    gap_ms = (
        abs(info.audio_duration_s - info.duration_s) * 1000.0 if info.audio_duration_s else None
    )
    report.checks.append(Check("audio.loudness_lufs", lufs, bounds["audio.loudness_lufs"]))
    report.checks.append(Check("audio.true_peak_dbtp", peak, bounds["audio.true_peak_dbtp"]))
    report.checks.append(
        Check(
            "av.duration_gap_ms",
            None if gap_ms is None else round(gap_ms, 1),
            bounds["av.duration_gap_ms"],
        )
    )
    report.figures["audio"] = {
        "loudness_lufs": lufs,
        "true_peak_dbtp": peak,
        "duration_gap_ms": gap_ms,
    }

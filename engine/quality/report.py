"""QC's verdict: named checks against thresholds, the figures behind them, an exit code.

Every check has a key (``lipsync.corr``), a measured value, and a bound it must
stay over (``min``) or under (``max``). Defaults catch what a viewer would call
broken; ``--fail-under KEY=VALUE`` and ``--fail-over KEY=VALUE`` tighten or
loosen them. Exit codes: 0 every check passed, 6 at least one failed (2 is bad
input, raised before any check runs).
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field

from engine.errors import PhotoplayError

EXIT_PASSED = 0
EXIT_FAILED = 6

# key: (bound kind, default, what it measures)
THRESHOLDS: dict[str, tuple[dict[str, float], str]] = {
    "face.found": (
        {"min": 0.95},
        "share of a line's frames with the speaker's face whole in frame",
    ),
    "lipsync.corr": ({"min": 0.5}, "correlation of mouth opening and speech envelope"),
    "lipsync.abs_lag_ms": ({"max": 80.0}, "mouth-to-voice offset, either way, ms"),
    "mouth.open_p95": ({"min": 0.08, "max": 0.8}, "widest usual opening / mouth width"),
    "mouth.open_p5": ({"max": 0.15}, "narrowest usual opening while speaking: lips meet at times"),
    "blinks.per_min": ({"min": 4.0, "max": 45.0}, "blinks per minute of visible face"),
    "dance.body_found": ({"min": 0.9}, "share of dancing frames with the body found"),
    "dance.bas_z": ({"min": 0.0}, "Beat Align Score over its random-shift baseline, in std"),
    "dance.bone_cv": ({"max": 0.1}, "bone-length coefficient of variation, per visible bone"),
    "label.visible": ({"min": 0.99}, "share of frames showing the disclosure label"),
    "frames.black_s": ({"max": 0.6}, "longest run of black frames, s"),
    "frames.frozen_s": ({"max": 1.0}, "longest still stretch while someone performs, s"),
    "audio.loudness_lufs": ({"min": -17.0, "max": -11.0}, "integrated loudness, LUFS"),
    "audio.true_peak_dbtp": ({"max": -0.3}, "true peak, dBTP"),
    "av.duration_gap_ms": ({"max": 60.0}, "sound and picture lengths differ by, ms"),
}


class ThresholdError(PhotoplayError):
    """A --fail-under / --fail-over option names no check or no number."""


def thresholds(fail_under: dict[str, str] | None = None, fail_over: dict[str, str] | None = None):
    """The default bounds with the user's overrides laid over them."""
    bounds = {key: dict(spec[0]) for key, spec in THRESHOLDS.items()}
    for kind, given, flag in (
        ("min", fail_under, "--fail-under"),
        ("max", fail_over, "--fail-over"),
    ):
        for key, text in (given or {}).items():
            if key not in THRESHOLDS:
                close = difflib.get_close_matches(key, THRESHOLDS, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(THRESHOLDS)}"
                raise ThresholdError(f"{flag} {key}: no such check", hint=hint)
            try:
                bounds[key][kind] = float(text)
            except ValueError:
                raise ThresholdError(
                    f"{flag} {key}={text}: not a number", hint=f"e.g. {flag} {key}=0.5"
                ) from None
    return bounds


@dataclass
class Check:
    key: str
    value: float | None
    bounds: dict[str, float]
    subject: str = ""  # who or what: "grace, line 2", "l_forearm"
    span_s: tuple[float, float] | None = None
    passed: bool = True
    note: str = ""

    def judge(self) -> Check:
        if self.value is None:
            self.passed = True  # nothing to judge; the note says why
            return self
        lo, hi = self.bounds.get("min"), self.bounds.get("max")
        self.passed = (lo is None or self.value >= lo) and (hi is None or self.value <= hi)
        return self

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        lo, hi = self.bounds.get("min"), self.bounds.get("max")
        bound = " and ".join(
            b
            for b in (
                f">= {lo:g}" if lo is not None else "",
                f"<= {hi:g}" if hi is not None else "",
            )
            if b
        )
        value = "n/a" if self.value is None else f"{self.value:.4g}"
        where = f" [{self.subject}]" if self.subject else ""
        span = f" at {self.span_s[0]:.2f}-{self.span_s[1]:.2f} s" if self.span_s else ""
        note = f" ({self.note})" if self.note else ""
        return f"{mark} {self.key}{where}: {value} (want {bound}){span}{note}"


@dataclass
class Report:
    video: str
    source: str
    duration_s: float
    checks: list[Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> int:
        return EXIT_PASSED if self.passed else EXIT_FAILED

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def lines(self) -> list[str]:
        verdict = "passed" if self.passed else f"FAILED {len(self.failures())} check(s)"
        head = f"{self.video}: qc {verdict} ({self.duration_s:.2f} s of video, timeline from {self.source})"
        return [
            head,
            *(f"  {c.line()}" for c in self.checks),
            *(f"  note: {n}" for n in self.notes),
        ]

    def to_json(self) -> dict:
        return {
            "video": self.video,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "source": self.source,
            "duration_s": self.duration_s,
            "qc_seconds": round(self.seconds, 2),
            "checks": [asdict(c) for c in self.checks],
            "figures": self.figures,
            "notes": self.notes,
        }

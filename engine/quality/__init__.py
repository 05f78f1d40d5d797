"""Quality control: judge a rendered video as a viewer sees it (``photoplay qc``).

This room reads only the MP4 and the provenance beside it. It runs the face and
pose models itself and never imports the animation, rig or warp code it judges:
a bug shared by the renderer and its judge would be invisible.

    from engine.quality import judge
    report = judge("out/talk.mp4", sheet="out/talk.qc.png")
    print("\\n".join(report.lines())); raise SystemExit(report.exit_code)
"""

from engine.quality.judge import judge
from engine.quality.report import EXIT_FAILED, EXIT_PASSED, THRESHOLDS, Report

__all__ = ["EXIT_FAILED", "EXIT_PASSED", "THRESHOLDS", "Report", "judge"]

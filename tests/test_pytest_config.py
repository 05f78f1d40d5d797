"""The test suite's own settings (issue 11, item 20): a hung test fails instead of
stalling CI, and every end-to-end render test can be deselected as ``slow``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_timeout_is_configured():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert options["timeout"] == 600 and options["timeout_method"] == "signal"


def test_a_hung_test_fails_and_the_run_goes_on(tmp_path):
    (tmp_path / "test_hang.py").write_text(
        "import time\n\ndef test_hangs():\n    time.sleep(60)\n\ndef test_after():\n    pass\n"
    )
    config = (ROOT / "pyproject.toml").read_text().replace("timeout = 600", "timeout = 2")
    (tmp_path / "pyproject.toml").write_text(config.replace('testpaths = ["tests"]', ""))
    result = _pytest(str(tmp_path), "--rootdir", str(tmp_path), cwd=tmp_path)
    assert "Timeout" in result.stdout and "1 failed, 1 passed" in result.stdout, result.stdout


def test_every_render_test_is_marked_slow():
    result = _pytest(
        "--collect-only", "-m", "not slow", "tests/render", "tests/ethics/test_verify.py"
    )
    assert "no tests collected" in result.stdout, result.stdout

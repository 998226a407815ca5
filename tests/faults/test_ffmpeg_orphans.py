"""An FFmpeg started by Pairframe dies with it: a process running ``run_ffmpeg`` is killed with SIGKILL, and its FFmpeg
is gone at once — started through ``setpriv --pdeathsig`` or, without it, asking the kernel itself (``prctl``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.processes import orphans_after, processes_mentioning

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")

ENCODE = """
import asyncio, sys
from app.core.media.ffmpeg import ffmpeg_command, run_ffmpeg
print(" ".join(ffmpeg_command()[:-1]) or "prctl", flush=True)
asyncio.run(run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30:d=600", "-c:v", "libx264", sys.argv[1]],
                       on_progress=lambda f: print("encoding", flush=True) if f > 0 else None, duration_s=600))
"""


@pytest.mark.parametrize("launcher", ["setpriv", "prctl"])
def test_ffmpeg_dies_with_the_process_that_started_it(launcher: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    if launcher == "prctl":
        env["PATH"] = str(tmp_path / "nothing")  # no setpriv to be found
    elif not any((Path(folder) / "setpriv").is_file() for folder in env.get("PATH", "").split(os.pathsep)):
        pytest.skip("util-linux's setpriv is not installed")
    output = tmp_path / "long.mp4"
    parent = subprocess.Popen([sys.executable, "-c", ENCODE, str(output)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT, env=env)
    try:
        assert parent.stdout is not None
        assert launcher in parent.stdout.readline()
        assert parent.stdout.readline().strip() == "encoding"
        assert processes_mentioning(str(output)), "FFmpeg is not running"
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
    assert orphans_after(str(output)) == [], "FFmpeg went on after the process that started it was killed"

"""Checks nobody waits to watch (a downloaded clip's decode, quality control) run FFmpeg in the background class,
so the app's threads always find a free core; renders the user waits for do not."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.media.ffmpeg import background_ffmpeg_command, ffmpeg_command, run_ffmpeg
from app.core.media.probe import verify_video
from tests.helpers.processes import ffmpeg_processes_mentioning, runs_in_background
from tests.helpers.qc_clips import ffmpeg

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _long_clip(path: Path) -> Path:
    """A 1080p clip that takes a while to decode, so its FFmpeg can be looked at while it runs."""
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=12", "-c:v", "libx264",
           "-preset", "ultrafast", "-crf", "30", str(path))
    return path


def _while_alive(pid: int, check: Callable[[int], bool]) -> list[bool]:
    """``[check(pid)]``, or nothing when the process ended between being listed and being looked at."""
    try:
        return [check(pid)]
    except (FileNotFoundError, ProcessLookupError):
        return []


def _normal_priority(pid: int) -> bool:
    return os.sched_getscheduler(pid) == os.SCHED_OTHER and os.getpriority(os.PRIO_PROCESS, pid) == 0


def test_the_background_command_runs_ffmpeg_itself() -> None:
    assert background_ffmpeg_command()[-len(ffmpeg_command()):] == ffmpeg_command()


async def test_checking_a_downloaded_clip_runs_in_the_background(tmp_path: Path) -> None:
    clip = _long_clip(tmp_path / "download.mp4")
    check = asyncio.create_task(verify_video(clip))
    seen: list[bool] = []
    while not check.done():
        for pid in ffmpeg_processes_mentioning(str(clip)):
            seen += _while_alive(pid, runs_in_background)
        await asyncio.sleep(0.005)
    assert (await check).duration_s == pytest.approx(12, abs=0.1)
    assert seen and all(seen)


async def test_a_render_the_user_waits_for_runs_at_normal_priority(tmp_path: Path) -> None:
    clip = _long_clip(tmp_path / "source.mp4")
    render = asyncio.create_task(run_ffmpeg(["-i", str(clip), "-f", "null", "-"]))
    seen: list[bool] = []
    while not render.done():
        for pid in ffmpeg_processes_mentioning(str(clip)):
            seen += _while_alive(pid, _normal_priority)
        await asyncio.sleep(0.005)
    await render
    assert seen and all(seen)

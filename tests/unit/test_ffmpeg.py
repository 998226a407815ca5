"""The FFmpeg wrapper against the real bundled binary: progress, errors, cancel, probing without ffprobe."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.media.ffmpeg import FFmpegError, run_ffmpeg
from app.core.media.probe import probe, verify_video
from app.core.qc.frames import scan_clip


async def _make_clip(path: Path, seconds: float = 2.0, audio: bool = True, size: str = "320x180") -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac"]
    args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-shortest", str(path)]
    await run_ffmpeg(args, duration_s=seconds)
    return path


async def test_progress_rises_to_one_and_probe_reads_the_result(tmp_path: Path) -> None:
    seen: list[float] = []
    out = tmp_path / "clip.mp4"
    await run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=3", "-c:v", "libx264",
                      str(out)], duration_s=3, on_progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0.0 <= p <= 1.0 for p in seen)
    assert seen == sorted(seen)
    info = await probe(out)
    assert (info.width, info.height, info.fps, info.video_codec) == (320, 180, 24.0, "h264")
    assert info.duration_s == pytest.approx(3.0, abs=0.1)
    assert not info.has_audio


async def test_audio_is_detected(tmp_path: Path) -> None:
    info = await probe(await _make_clip(tmp_path / "a.mp4", audio=True))
    assert info.has_audio and info.audio_codec == "aac" and info.audio_rate > 0


async def test_a_failure_names_what_failed_and_ends_with_ffmpegs_own_words(tmp_path: Path) -> None:
    with pytest.raises(FFmpegError, match=r"rendering failed: .*No such file"):
        await run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), str(tmp_path / "out.mp4")], what="rendering")


async def test_cancel_stops_the_process_promptly(tmp_path: Path) -> None:
    cancel = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, cancel.set)
    started = loop.time()
    with pytest.raises(asyncio.CancelledError):
        await run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=120", "-c:v", "libx264",
                          str(tmp_path / "long.mp4")], cancel=cancel)
    assert loop.time() - started < 5


async def test_cancelling_the_awaiting_task_terminates_ffmpeg(tmp_path: Path) -> None:
    task = asyncio.ensure_future(run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720:duration=120",
                                             "-c:v", "libx264", str(tmp_path / "long.mp4")]))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_probe_and_verify_reject_what_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"<html>not found</html>" * 20)
    with pytest.raises(FFmpegError, match="not a readable media file"):
        await probe(fake)
    with pytest.raises(FFmpegError, match="does not exist"):
        await probe(tmp_path / "nothing.mp4")
    good = await _make_clip(tmp_path / "good.mp4", seconds=1)
    assert (await verify_video(good)).has_video
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises(FFmpegError):
        await verify_video(truncated)


async def test_a_file_is_probed_once_until_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = await _make_clip(tmp_path / "clip.mp4", seconds=1)
    started = _count_ffmpeg_starts(monkeypatch)
    first = await probe(clip)
    assert await probe(clip) == first and len(started) == 1  # a draft, QC and a proxy ask again: no new FFmpeg
    await _make_clip(tmp_path / "longer.mp4", seconds=2, size="640x360")
    (tmp_path / "longer.mp4").replace(clip)  # a new file at the same path
    started.clear()
    again = await probe(clip)
    assert len(started) == 1 and (again.width, again.duration_s) == (640, pytest.approx(2.0, abs=0.1))


async def test_qcs_decoding_pass_spares_the_next_probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = await _make_clip(tmp_path / "clip.mp4", seconds=1, size="480x270")
    scan = await scan_clip(clip)
    started = _count_ffmpeg_starts(monkeypatch)
    assert await probe(clip) == scan.info and started == []
    assert (scan.info.width, scan.info.height) == (480, 270)


def _count_ffmpeg_starts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    started: list[tuple[object, ...]] = []
    real = asyncio.create_subprocess_exec

    async def counted(*args: object, **kwargs: object) -> asyncio.subprocess.Process:
        started.append(args)
        return await real(*args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(asyncio, "create_subprocess_exec", counted)
    return started

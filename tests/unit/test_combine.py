"""Combining real clips with the bundled FFmpeg: durations, geometry, audio, music, the stream-copy path."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.core.db.models import Job
from app.core.domain import JobStatus, Transition
from app.core.media.combine import CombineOptions
from app.core.media.probe import probe
from tests.helpers.combine_media import (
    add_job,
    frame_brightness,
    frame_pixel,
    make_clip,
    make_tone,
    mean_volume,
    video_packets,
)


async def job_row(services, job_id: int) -> tuple[str, str | None, dict]:
    def work(s: Session) -> tuple[str, str | None, dict]:
        row = s.get(Job, job_id)
        return row.status, row.output_path, dict(row.output_meta)
    return await services.db.run(work)


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part" in p.name]


async def test_identical_clips_with_cuts_are_joined_by_stream_copy(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", freq=300 + 100 * i) for i in range(3)]
    job_id = await add_job(services, files)
    progress: list[float] = []
    result = await services.generation.combine(job_id, CombineOptions(), on_progress=progress.append)
    assert result.stream_copy and result.clip_count == 3 and result.has_audio
    assert result.output_path == services.paths.job_dir(job_id) / "ad.mp4"
    assert result.duration_s == pytest.approx(3.0, abs=0.1)
    # No encoder ran: every non-key packet of every clip is in the output byte for byte, in order.
    out = video_packets(result.output_path)
    start = 0
    for file in files:
        packets = video_packets(file)
        assert out[start + 1:start + len(packets)] == packets[1:]
        start += len(packets)
    assert len(out) == start
    assert progress[0] == 0.0 and progress[-1] == 1.0
    status, stored, meta = await job_row(services, job_id)
    assert status == JobStatus.SUCCEEDED.value
    assert stored == str(result.output_path)
    assert meta["stream_copy"] is True and meta["clip_count"] == 3 and meta["joins"] == 2
    assert meta["transition"] == "cut" and meta["aspect"] == "source"
    assert meta["width"] == 320 and meta["height"] == 180 and meta["bytes"] == result.output_path.stat().st_size
    assert leftovers(services.paths.jobs) == []


async def test_mixed_sizes_rates_and_audio_are_normalised_in_one_encode(services, tmp_path) -> None:
    files = [make_clip(tmp_path / "a.mp4", duration=1.0),
             make_clip(tmp_path / "b.mp4", size=(640, 480), fps=25, duration=1.2, audio=False),
             make_clip(tmp_path / "c.mp4", size=(240, 320), fps=24, duration=0.8)]
    job_id = await add_job(services, files)
    result = await services.generation.combine(job_id, CombineOptions())
    assert not result.stream_copy
    info = await probe(result.output_path)
    assert (info.width, info.height) == (320, 180)
    assert info.fps == pytest.approx(30.0)  # the clips disagree: settings.output_fps
    assert info.video_codec == "h264" and info.pix_fmt == "yuv420p" and info.audio_codec == "aac"
    assert result.duration_s == pytest.approx(3.0, abs=0.1)
    assert mean_volume(result.output_path, 1.3, 0.6) < -80  # the silent clip stays silent
    assert mean_volume(result.output_path, 0.2, 0.6) > -40


async def test_crossfade_lasts_the_sum_minus_the_overlaps(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.5) for i in range(3)]
    job_id = await add_job(services, files)
    result = await services.generation.combine(job_id, CombineOptions(transition=Transition.CROSSFADE, crossfade_s=0.4))
    assert not result.stream_copy and result.transition is Transition.CROSSFADE
    assert result.duration_s == pytest.approx(4.5 - 2 * 0.4, abs=0.1)


async def test_fade_through_black_keeps_every_second_and_is_black_at_the_join(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.5) for i in range(2)]
    job_id = await add_job(services, files)
    result = await services.generation.combine(job_id, CombineOptions(transition=Transition.FADE, crossfade_s=0.6))
    assert result.duration_s == pytest.approx(3.0, abs=0.1)
    assert frame_brightness(result.output_path, 1.49) < 25
    assert frame_brightness(result.output_path, 0.7) > 60


@pytest.mark.parametrize(("aspect", "fit", "height", "size"), [
    ("16:9", "pad", 360, (640, 360)), ("9:16", "pad", None, (180, 320)), ("9:16", "crop", None, (180, 320)),
    ("1:1", "pad", None, (180, 180)), ("1:1", "crop", None, (180, 180)),
])
async def test_aspect_presets_pad_in_the_brand_colour_or_crop(services, tmp_path, aspect, fit, height, size) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", color="0x2040c0") for i in range(2)]
    job_id = await add_job(services, files, brand_colors=["#ff0000"])
    result = await services.generation.combine(job_id, CombineOptions(aspect=aspect, fit=fit, height=height))
    assert (result.width, result.height) == size
    red, _, blue = frame_pixel(result.output_path, 0.5, 2, 2)
    centre_red, _, centre_blue = frame_pixel(result.output_path, 0.5, size[0] // 2, size[1] // 2)
    assert centre_blue > 150 and centre_red < 80  # the picture itself, never stretched away
    if fit == "pad" and aspect != "16:9":
        assert red > 180 and blue < 70  # letterbox in the client's colour
    else:
        assert blue > 150 and red < 80  # the frame is filled with the picture


async def test_audio_is_present_only_when_it_should_be(services, tmp_path) -> None:
    silent = [make_clip(tmp_path / f"s{i}.mp4", audio=False) for i in range(2)]
    loud = [make_clip(tmp_path / f"l{i}.mp4") for i in range(2)]
    music = make_tone(tmp_path / "music.m4a")
    silent_job = await add_job(services, silent)
    loud_job = await add_job(services, loud)
    assert not (await services.generation.combine(silent_job, CombineOptions())).has_audio
    dropped = await services.generation.combine(loud_job, CombineOptions(clip_audio="drop"))
    assert dropped.stream_copy and not dropped.has_audio and not (await probe(dropped.output_path)).has_audio
    scored = await services.generation.combine(silent_job, CombineOptions(music_path=music))
    assert scored.has_audio and not scored.stream_copy


async def test_music_fades_in_at_the_start_and_out_ending_at_the_end(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=2.0, audio=False) for i in range(2)]
    music = make_tone(tmp_path / "music.m4a", duration=2.5)  # shorter than the video: it loops
    job_id = await add_job(services, files)
    result = await services.generation.combine(job_id, CombineOptions(music_path=music, music_volume=1.0))
    assert result.duration_s == pytest.approx(4.0, abs=0.1)
    middle = mean_volume(result.output_path, 1.8, 0.4)
    start = mean_volume(result.output_path, 0.0, 0.2)
    end = mean_volume(result.output_path, 3.8, 0.2)
    assert middle > -30
    assert middle - start > 10 and middle - end > 10
    assert mean_volume(result.output_path, 3.0, 0.2) > end  # still fading: the fade ends at the video's end
    meta = (await job_row(services, job_id))[2]
    assert meta["music"] == "music.m4a" and meta["music_volume"] == 1.0


async def test_clip_audio_mixed_under_the_music_is_quieter_than_kept(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.5, freq=3000) for i in range(2)]
    music = make_tone(tmp_path / "music.m4a", freq=200)
    job_id = await add_job(services, files)
    kept = await services.generation.combine(
        job_id, CombineOptions(music_path=music, music_volume=0.0, clip_audio="keep"), output=tmp_path / "kept.mp4")
    mixed = await services.generation.combine(
        job_id, CombineOptions(music_path=music, music_volume=0.0, clip_audio="mix"), output=tmp_path / "mixed.mp4")
    assert mean_volume(kept.output_path, 1.0, 0.5) - mean_volume(mixed.output_path, 1.0, 0.5) > 6


async def test_recombining_reuses_the_clips_and_replaces_the_video(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4") for i in range(2)]
    stamps = [f.stat().st_mtime_ns for f in files]
    job_id = await add_job(services, files)
    first = await services.generation.combine(job_id, CombineOptions())
    second = await services.generation.combine(job_id, CombineOptions(transition=Transition.CROSSFADE, aspect="1:1"))
    assert first.output_path == second.output_path
    assert (second.width, second.height) == (180, 180) and not second.stream_copy
    assert [f.stat().st_mtime_ns for f in files] == stamps
    meta = (await job_row(services, job_id))[2]
    assert meta["transition"] == "crossfade" and meta["aspect"] == "1:1"


async def test_a_job_still_generating_keeps_its_status(services, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / "c.mp4")])

    def set_running(s: Session) -> None:
        s.get(Job, job_id).status = "running"
    await services.db.run(set_running)
    seen: list[str] = []
    await services.generation.combine(job_id, CombineOptions(), on_progress=lambda _f: seen.append(
        services.db.run_sync(lambda s: s.get(Job, job_id).status)))
    assert set(seen) == {"running"}
    assert (await job_row(services, job_id))[0] == "running"


async def test_a_status_changed_by_someone_else_meanwhile_is_not_overwritten(services, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / f"c{i}.mp4") for i in range(2)])
    seen: list[str] = []

    def on_progress(_fraction: float) -> None:
        def work(s: Session) -> None:
            row = s.get(Job, job_id)
            seen.append(row.status)
            row.status = "failed"
        if not seen:
            services.db.run_sync(work)

    await services.generation.combine(job_id, CombineOptions(transition=Transition.FADE), on_progress=on_progress)
    assert seen == ["combining"]
    status, stored, _ = await job_row(services, job_id)
    assert status == "failed" and stored

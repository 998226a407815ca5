"""QC of real clips made by the bundled FFmpeg: faithful, black, frozen, off-picture, off-order, chained."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
from pathlib import Path

import pytest
from PIL import Image

from app.core.generation.frames import prepare_frame
from app.core.media.ffmpeg import FFmpegError
from app.core.qc.check import JobQc, check_clip, check_clips, check_seams
from app.core.qc.frames import ANALYSIS_PX, reference_luma, sample_frames, sample_times, scan_clip
from app.core.qc.levels import Verdict
from app.core.qc.similarity import luma, picture_similarity
from app.core.qc.thresholds import QcThresholds
from app.core.qc.verdict import Check, ClipOrder, ClipQc, FrameRef
from tests.helpers.images import make_image
from tests.helpers.processes import runs_in_background
from tests.helpers.qc_clips import black_clip, ffmpeg, frozen_clip, pictures, transition_clip, with_audio


@pytest.fixture
def pics(tmp_path: Path) -> list[Path]:
    return pictures(tmp_path / "pictures", 5)


def order(first: Path, last: Path, **terms) -> ClipOrder:
    return ClipOrder(FrameRef(first), FrameRef(last), **terms)


def checks(qc: ClipQc) -> set[Check]:
    return {reason.check for reason in qc.reasons}


async def test_a_faithful_transition_from_first_to_last_image_passes(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[0], pics[1], tmp_path / "good.mp4", duration_s=2.0)
    qc = await check_clip(clip, order(pics[0], pics[1], duration_s=2.0, resolution="180p", aspect="16:9",
                                      fps=30, audio=False))
    assert qc.verdict is Verdict.PASS and qc.reasons == ()
    assert qc.first_similarity > 0.95 and qc.last_similarity > 0.95
    assert (qc.width, qc.height, qc.fps, qc.has_audio) == (320, 180, 30.0, False)
    assert qc.duration_s == pytest.approx(2.0, abs=0.05)
    assert qc.black == () and all(i.duration_s < 1.0 for i in qc.frozen)  # the last picture's short hold
    assert ClipQc.from_json(json.loads(json.dumps(qc.to_json()))) == qc


async def test_an_all_black_clip_fails_as_black(pics: list[Path], tmp_path: Path) -> None:
    qc = await check_clip(black_clip(tmp_path / "black.mp4", duration_s=2.0), order(pics[0], pics[1]))
    assert qc.verdict is Verdict.FAIL
    assert "fail: the whole clip is black (2.0 s)" in qc.lines()
    assert "fail: starts on black instead of 01-picture.jpg" in qc.lines()
    assert "fail: ends on black instead of 02-picture.jpg" in qc.lines()
    assert Check.FROZEN not in checks(qc) and qc.frozen == ()  # black is still too, but it is reported as black


async def test_a_clip_frozen_for_three_seconds_fails_as_frozen(pics: list[Path], tmp_path: Path) -> None:
    clip = frozen_clip(pics[0], pics[1], tmp_path / "frozen.mp4", moving_s=2.0, frozen_s=3.0)
    qc = await check_clip(clip, order(pics[0], pics[1]))
    assert qc.verdict is Verdict.FAIL and checks(qc) == {Check.FROZEN}
    [frozen] = qc.frozen
    assert 3.0 <= frozen.duration_s <= 3.3  # the transition itself holds its last picture for its final 0.2 s
    assert frozen.end_s == pytest.approx(5.0, abs=0.05)
    [line] = qc.lines()
    assert line.startswith("fail: the picture freezes for 3.") and line.endswith(" s at the end")


async def test_a_shorter_freeze_only_warns(pics: list[Path], tmp_path: Path) -> None:
    clip = frozen_clip(pics[0], pics[1], tmp_path / "held.mp4", moving_s=2.0, frozen_s=1.8)
    qc = await check_clip(clip, order(pics[0], pics[1]))
    assert qc.verdict is Verdict.WARN and checks(qc) == {Check.FROZEN}


async def test_a_clip_starting_on_the_wrong_image_fails_on_its_first_frame(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[2], pics[1], tmp_path / "wrong-start.mp4")
    qc = await check_clip(clip, order(pics[0], pics[1]))
    assert qc.verdict is Verdict.FAIL and checks(qc) == {Check.FIRST_FRAME}
    assert qc.first_similarity < 0.45 and qc.last_similarity > 0.95
    [reason] = qc.reasons
    assert reason.text == f"starts on a different picture than 01-picture.jpg (similarity {qc.first_similarity:.2f})"


async def test_the_label_of_a_picture_names_it_in_the_reason(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[0], pics[2], tmp_path / "wrong-end.mp4")
    qc = await check_clip(clip, ClipOrder(FrameRef(pics[0]), FrameRef(pics[1], "06-can-hero.jpg")))
    [reason] = qc.reasons
    assert reason.check is Check.LAST_FRAME and reason.at_s == qc.duration_s
    assert reason.text.startswith("ends on a different picture than 06-can-hero.jpg (similarity 0.")


async def test_wrong_duration_size_aspect_and_sound_only_warn(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[0], pics[1], tmp_path / "off.mp4", size=(240, 240), duration_s=3.0)
    clip = with_audio(clip, tmp_path / "off-with-sound.mp4")
    qc = await check_clip(clip, order(pics[0], pics[1], duration_s=2.0, resolution="180p", aspect="16:9",
                                      fps=24, audio=False))
    assert qc.verdict is Verdict.WARN
    assert checks(qc) == {Check.DURATION, Check.RESOLUTION, Check.ASPECT, Check.FPS, Check.AUDIO}
    assert set(qc.lines()) == {
        "warn: lasts 3.0 s; 2 s was ordered", "warn: is 240×240 (240p); 180p was ordered",
        "warn: is 1:1 (240×240); 16:9 was ordered", "warn: plays at 30 fps; 24 fps was ordered",
        "warn: has a sound track although none was ordered"}
    assert qc.first_similarity > 0.95  # fitted to the clip's square shape the way the model got it


async def test_sound_missing_when_ordered_warns(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[0], pics[1], tmp_path / "silent.mp4")
    qc = await check_clip(clip, order(pics[0], pics[1], audio=True))
    assert qc.lines() == ["warn: has no sound; sound was ordered"]


async def test_an_unreadable_clip_or_picture_is_reported_not_raised(pics: list[Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    qc = await check_clip(broken, order(pics[0], pics[1]))
    assert qc.verdict is Verdict.FAIL and checks(qc) == {Check.READABLE}
    assert qc.reasons[0].text.startswith("the clip cannot be read: broken.mp4")
    missing = await check_clip(tmp_path / "missing.mp4", order(pics[0], pics[1]))
    assert missing.reasons[0].text == "the clip cannot be read: missing.mp4 does not exist"

    clip = transition_clip(pics[0], pics[1], tmp_path / "good.mp4")
    not_a_picture = tmp_path / "notes.jpg"
    not_a_picture.write_text("not a picture")
    qc = await check_clip(clip, ClipOrder(FrameRef(pics[0]), FrameRef(not_a_picture)))
    assert qc.verdict is Verdict.WARN and qc.last_similarity is None
    assert qc.lines() == ["warn: the last frame could not be compared: notes.jpg cannot be read"]


async def test_chain_mode_finds_the_seam_break_between_clips_2_and_3(pics: list[Path], tmp_path: Path) -> None:
    a, b, c, d, stray = pics
    files = [transition_clip(a, b, tmp_path / "1.mp4"), transition_clip(b, stray, tmp_path / "2.mp4"),
             transition_clip(c, d, tmp_path / "3.mp4")]
    orders = [ClipOrder(FrameRef(x), FrameRef(y), label=f"clip {n}") for n, (x, y) in enumerate(
        [(a, b), (b, c), (c, d)], 1)]
    reported: list[int] = []
    job = await check_clips(list(zip(files, orders, strict=True)), chain=True,
                            on_clip=lambda index, _qc: reported.append(index))

    assert sorted(reported) == [0, 1, 2]
    first, second, third = job.clips
    assert [s.verdict for s in job.seams] == [Verdict.PASS, Verdict.FAIL]
    assert job.seams[0].similarity > 0.95 and job.seams[1].similarity < 0.45
    assert job.seams[1].text.startswith("clip 3 does not start where clip 2 ends (similarity 0.")
    assert first.verdict is Verdict.PASS and first.seam_similarity is None
    assert second.verdict is Verdict.FAIL and checks(second) == {Check.LAST_FRAME}
    assert third.verdict is Verdict.FAIL and checks(third) == {Check.SEAM}
    assert third.seam_similarity == job.seams[1].similarity and third.first_similarity > 0.95
    assert job.verdict is Verdict.FAIL
    data = json.loads(json.dumps(job.to_json()))
    assert data["seams"][1]["between"] == [1, 2] and data["clips"][2]["reasons"][0]["check"] == "seam"
    assert JobQc(tuple(ClipQc.from_json(c) for c in data["clips"])).clips == job.clips


async def test_seams_of_clips_checked_one_by_one_and_a_missing_clip(pics: list[Path], tmp_path: Path) -> None:
    a, b, c, _d, _stray = pics
    one, two = transition_clip(a, b, tmp_path / "1.mp4"), transition_clip(b, c, tmp_path / "2.mp4")
    seams = await check_seams([one, two, None])
    assert [s.verdict for s in seams] == [Verdict.PASS, Verdict.WARN]
    assert seams[1].similarity is None and seams[1].text == "the seam between clip 2 and clip 3 could not be checked"
    job = await check_clips([(one, ClipOrder()), (None, ClipOrder())])
    assert job.clips[1].lines() == ["fail: the clip cannot be read: no file was delivered"]


async def test_reference_pictures_are_fitted_like_the_frames_a_model_gets(tmp_path: Path) -> None:
    """A portrait photo, rotated by EXIF, is cropped for a landscape clip exactly as ``prepare_frame`` crops it."""
    photo = make_image(tmp_path / "portrait.jpg", (300, 520), seed=7, fmt="JPEG", exif_orientation=6)
    prepared = prepare_frame(photo, tmp_path / "prepared.jpg", 640, 360)
    with Image.open(prepared) as img:
        model_frame = luma(img.resize((ANALYSIS_PX, 90), Image.Resampling.BOX))
    fitted = reference_luma(photo, (640, 360), (ANALYSIS_PX, 90))
    assert picture_similarity(fitted, model_frame) > 0.98
    stretched = luma(Image.open(photo).convert("RGB").resize((ANALYSIS_PX, 90), Image.Resampling.BOX))
    assert picture_similarity(stretched, model_frame) < 0.8


@pytest.mark.parametrize("matrix", ["bt709", "bt2020nc", "smpte170m"])
async def test_clips_of_any_colour_matrix_match_their_picture(matrix: str, tmp_path: Path) -> None:
    """Saturated colours weigh very differently in BT.601 and BT.709 luma: the comparison must not depend on it."""
    picture = tmp_path / "bars.png"
    bars = Image.new("RGB", (320, 180))
    for index, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]):
        bars.paste(colour, (index * 64, 0, index * 64 + 64, 180))
    bars.save(picture)
    clip = tmp_path / f"{matrix}.mp4"
    ffmpeg("-loop", "1", "-t", "0.5", "-i", str(picture), "-vf", "format=yuv420p", "-colorspace", matrix,
           "-c:v", "libx264", "-preset", "ultrafast", str(clip))
    scan = await scan_clip(clip)
    assert picture_similarity(scan.first, reference_luma(picture, (320, 180), scan.analysis_size)) > 0.99


async def test_stricter_thresholds_turn_a_short_hold_into_a_finding(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[0], pics[1], tmp_path / "good.mp4", duration_s=6.0)
    strict, _ = QcThresholds.from_values({"frozen_warn_s": 0.3, "frozen_fail_s": 5.0})
    qc = await check_clip(clip, order(pics[0], pics[1]), strict)
    assert qc.verdict is Verdict.WARN and checks(qc) == {Check.FROZEN}
    assert qc.frozen[0].end_s == pytest.approx(6.0, abs=0.05)


async def test_sampled_frames_for_the_brand_check(pics: list[Path], tmp_path: Path) -> None:
    clip = transition_clip(pics[0], pics[1], tmp_path / "good.mp4", duration_s=2.0)
    times = sample_times(2.0, 4)
    assert times == (0.25, 0.75, 1.25, 1.75)
    frames = await sample_frames(clip, [*times, 9.0], max_px=256)
    assert [f.time_s for f in frames] == pytest.approx(times, abs=0.04)
    for frame in frames:
        with Image.open(io.BytesIO(frame.jpeg)) as img:
            assert img.format == "JPEG" and img.size == (256, 144)


def ffmpeg_pids(argument: Path) -> list[int]:
    """The FFmpeg processes whose command line names ``argument`` (Linux)."""
    pids = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and str(argument).encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
    return pids


async def until(condition, timeout_s: float = 5.0) -> bool:
    for _ in range(int(timeout_s / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_cancelling_a_check_kills_its_ffmpeg(tmp_path: Path) -> None:
    stuck = tmp_path / "stuck.mp4"
    os.mkfifo(stuck)  # FFmpeg waits for a writer forever
    task = asyncio.create_task(check_clip(stuck, ClipOrder()))
    assert await until(lambda: ffmpeg_pids(stuck))
    [pid] = ffmpeg_pids(stuck)
    assert await until(lambda: runs_in_background(pid))  # it yields the cores to the app
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await until(lambda: not ffmpeg_pids(stuck))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
async def test_a_check_that_takes_too_long_is_stopped(tmp_path: Path) -> None:
    stuck = tmp_path / "stuck.mp4"
    os.mkfifo(stuck)
    with pytest.raises(FFmpegError, match=r"^checking stuck.mp4 took longer than 0.3 s$"):
        await scan_clip(stuck, timeout_s=0.3)
    assert await until(lambda: not ffmpeg_pids(stuck))

"""Draft proxies: made once per clip at the size any draft needs, read by drafts (never by finals), kept within a
budget, and made for a job's large clips by the generation service."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from app.core.domain import ClipStatus, JobStatus
from app.core.media import proxies, render
from app.core.media.brand_kit import BrandKit
from app.core.media.deliver_graph import GraphClip
from app.core.media.deliver_options import DeliverOptions
from app.core.media.probe import MediaInfo, probe
from app.core.media.proxies import (
    ProxyMaker,
    make_proxy,
    proxy_path,
    proxy_size,
    prune_proxies,
    with_proxies,
)
from app.core.media.render import DeliverClip, render_deliverables
from tests.helpers.combine_media import add_job, make_clip
from tests.helpers.deliver_media import frame, mean_difference
from tests.helpers.generation_data import seed_campaign

HD = (1920, 1080)


def info(width: int, height: int, path: Path = Path("clip.mp4")) -> MediaInfo:
    return MediaInfo(path, 1.0, width, height, 30.0, "h264", "yuv420p", "aac", 48000, "stereo")


def test_a_proxy_is_as_large_as_any_draft_needs_and_only_made_where_it_saves_decoding() -> None:
    # A 9:16 draft (360×640) crops a landscape clip to its middle: the clip is needed 640 pixels high.
    assert proxy_size(info(1920, 1080)) == (1136, 640)
    assert proxy_size(info(1080, 1920)) == (640, 1138)
    assert proxy_size(info(3840, 2160)) == (1136, 640)
    assert proxy_size(info(1280, 720)) is None  # 79 % of the pixels: too little saved
    assert proxy_size(info(640, 360)) is None  # smaller than a draft can need
    assert proxy_size(MediaInfo(Path("a.m4a"), 3.0, audio_codec="aac")) is None  # no picture


async def test_a_proxy_is_made_once_with_the_clips_length_and_audio(tmp_path, monkeypatch) -> None:
    clip = make_clip(tmp_path / "hd.mp4", size=HD, duration=1.0)
    source = await probe(clip)
    runs: list[list[str]] = []
    real = proxies.run_ffmpeg

    async def counted(args, **kwargs):
        runs.append(list(args))
        return await real(args, **kwargs)
    monkeypatch.setattr(proxies, "run_ffmpeg", counted)
    folder = tmp_path / "proxies"

    made = await make_proxy(folder, clip, source)
    assert made is not None and made == proxy_path(folder, clip)
    made_info = await probe(made)
    assert (made_info.width, made_info.height) == (1136, 640)
    assert abs(made_info.duration_s - source.duration_s) < 0.05 and made_info.has_audio
    assert await make_proxy(folder, clip, source) == made and len(runs) == 1  # kept, not made again
    assert [p.name for p in folder.iterdir()] == [made.name]  # no partial file left

    make_clip(clip, size=HD, duration=1.0, color="red")  # the clip changed: its proxy is another file
    assert proxy_path(folder, clip) != made


async def test_a_cancelled_proxy_leaves_no_file(tmp_path) -> None:
    clip = make_clip(tmp_path / "hd.mp4", size=HD, duration=2.0)
    cancel = asyncio.Event()
    cancel.set()
    with pytest.raises(asyncio.CancelledError):
        await make_proxy(tmp_path / "proxies", clip, await probe(clip), cancel=cancel)
    assert list((tmp_path / "proxies").iterdir()) == []


def test_a_proxy_too_small_for_the_draft_is_not_read(tmp_path) -> None:
    folder = tmp_path / "proxies"
    folder.mkdir()
    clips = []
    for name, size in (("wide.mp4", (1920, 1080)), ("tall.mp4", (1080, 1920))):
        path = tmp_path / name
        path.write_bytes(b"video")
        clip = GraphClip(path, info(*size, path), (0.5, 0.5))
        proxy = proxy_path(folder, path)
        assert proxy is not None
        proxy.write_bytes(b"proxy")
        clips.append(clip)
    # A 16:9 draft (640×360): both proxies hold enough.
    wide, tall = with_proxies(folder, clips, (640, 360), "crop")
    assert (wide.path.parent, (wide.info.width, wide.info.height)) == (folder, (1136, 640))
    assert (tall.path.parent, (tall.info.width, tall.info.height)) == (folder, (640, 1138))
    assert wide.info.path == wide.path and wide.focus == (0.5, 0.5)
    # A 9:16 draft of a landscape first clip joins at 1136×640: the tall clip's proxy (640 wide) would be
    # stretched, so the tall clip is read itself.
    wide, tall = with_proxies(folder, clips, (1136, 640), "crop")
    assert wide.path.parent == folder and tall == clips[1]


def test_the_least_recently_used_proxies_go_beyond_the_budget(tmp_path) -> None:
    for index in range(5):
        path = tmp_path / f"p{index}.mkv"
        path.write_bytes(b"x" * 100)
        os.utime(path, ns=(index * 10**9, index * 10**9))
    writing = tmp_path / ".p9.abc.part.mkv"  # another process's proxy, being written
    writing.write_bytes(b"x" * 500)
    assert prune_proxies(tmp_path, max_bytes=250) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [".p9.abc.part.mkv", "p3.mkv", "p4.mkv"]


@pytest.mark.slow
async def test_a_draft_reads_the_proxies_and_looks_like_one_read_from_the_clips(tmp_path, monkeypatch) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=HD, duration=1.0, freq=300 + 100 * i) for i in range(3)]
    clips = [DeliverClip(f, await probe(f)) for f in files]
    brand = BrandKit(campaign="Spring", colors=("#1a3c8f",), key_messages=("Fresh every morning",))
    draft = DeliverOptions(transition="crossfade", draft=True, supers="auto")
    folder = tmp_path / "proxies"
    inputs: list[list[str]] = []
    real = render.run_ffmpeg

    async def recorded(args, **kwargs):
        if kwargs.get("what") == "rendering the deliverables":
            inputs.append([args[i + 1] for i, a in enumerate(args) if a == "-i"])
        return await real(args, **kwargs)
    monkeypatch.setattr(render, "run_ffmpeg", recorded)

    [direct] = await render_deliverables(clips, draft, brand, tmp_path / "direct.mp4", proxy_dir=folder)
    made = [await make_proxy(folder, c.path, c.info) for c in clips]  # type: ignore[arg-type]
    [proxied] = await render_deliverables(clips, draft, brand, tmp_path / "proxied.mp4", proxy_dir=folder)
    await render_deliverables(clips, DeliverOptions(transition="crossfade", height=360), brand,
                              tmp_path / "final.mp4", proxy_dir=folder)

    assert inputs[0][:3] == [str(f) for f in files]
    assert inputs[1][:3] == [str(p) for p in made]  # the draft read the proxies
    assert inputs[2][:3] == [str(f) for f in files]  # a final never does
    assert (proxied.width, proxied.height, proxied.has_audio) == (direct.width, direct.height, True)
    assert abs(proxied.duration_s - direct.duration_s) < 0.05
    for at in (0.3, 0.75, 1.7):  # in a clip, in a crossfade, in the last clip; measured 2.0 (3.5–7.5 between
        # frames 0.1 s apart of one draft)
        assert mean_difference(frame(direct.video_path, at), frame(proxied.video_path, at)) < 3.0
    assert proxied.loudness_lufs is not None and abs(proxied.loudness_lufs - direct.loudness_lufs) < 0.5  # type: ignore[operator]


async def test_the_service_makes_the_proxies_a_jobs_large_clips_lack(services, tmp_path) -> None:
    large = make_clip(tmp_path / "large.mp4", size=HD, duration=0.5)
    small = make_clip(tmp_path / "small.mp4", duration=0.5)
    job_id = await add_job(services, [large, small])
    folder = services.paths.previews / "proxies"

    assert await services.generation.prepare_drafts(job_id) == 1
    [proxy] = list(folder.iterdir())
    assert proxy == proxy_path(folder, large)
    assert await services.generation.prepare_drafts(job_id) == 0  # nothing left to make


async def test_asking_again_probes_only_clips_not_seen_before(tmp_path, monkeypatch) -> None:
    large = make_clip(tmp_path / "large.mp4", size=HD, duration=0.5)
    small = make_clip(tmp_path / "small.mp4", duration=0.5)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    probed: list[str] = []
    real = proxies.probe

    async def counted(path: Path) -> MediaInfo:
        probed.append(path.name)
        return await real(path)
    monkeypatch.setattr(proxies, "probe", counted)
    maker = ProxyMaker(tmp_path / "proxies")

    assert await maker.prepare([large, small, broken]) == 1
    assert sorted(probed) == ["broken.mp4", "large.mp4", "small.mp4"]
    later = make_clip(tmp_path / "later.mp4", size=HD, duration=0.5)
    assert await maker.prepare([large, small, broken, later]) == 1  # a clip landed meanwhile
    assert sorted(probed) == ["broken.mp4", "large.mp4", "later.mp4", "small.mp4"]
    assert await ProxyMaker(tmp_path / "proxies").prepare([large, later]) == 0  # another process finds them
    proxy = proxy_path(tmp_path / "proxies", large)
    assert proxy is not None
    proxy.unlink()  # trimmed from the cache, or removed by hand
    assert await maker.prepare([large, small, broken, later]) == 1 and proxy.is_file()
    assert sorted(probed) == ["broken.mp4", "large.mp4", "large.mp4", "later.mp4", "small.mp4"]


async def test_a_clip_gets_its_draft_proxy_as_it_lands(services, tmp_path) -> None:
    gen = services.generation
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=1, resolution="1080p"))).value
    try:
        final = await gen.run_job(job.id)
    finally:
        await gen.aclose()
    folder = services.paths.previews / "proxies"
    for clip in final.clips:
        assert clip.status is ClipStatus.SUCCEEDED
        proxy = proxy_path(folder, services.paths.file(clip.file_path or ""))
        assert proxy is not None and proxy.is_file()  # the job's first draft reads it
    assert await gen.prepare_drafts(job.id) == 0  # nothing left for the Ad page to make


async def test_a_proxy_that_cannot_be_made_leaves_the_clip_landed(services, tmp_path, caplog) -> None:
    gen = services.generation
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=1, resolution="1080p"))).value
    folder = services.paths.previews / "proxies"
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the proxies' folder should be")
    try:
        final = await gen.run_job(job.id)
    finally:
        await gen.aclose()
    assert final.status is JobStatus.SUCCEEDED and final.clips[0].status is ClipStatus.SUCCEEDED
    assert "the draft proxy of" in caplog.text  # logged, with its traceback


async def test_two_asks_for_one_clip_make_its_proxy_once(tmp_path, monkeypatch) -> None:
    clip = make_clip(tmp_path / "large.mp4", size=HD, duration=0.5)
    made: list[Path] = []
    real = proxies.make_proxy

    async def counted(folder: Path, path: Path, info: MediaInfo, **kwargs: object) -> Path | None:
        made.append(path)
        return await real(folder, path, info)
    monkeypatch.setattr(proxies, "make_proxy", counted)
    maker = ProxyMaker(tmp_path / "proxies")

    # the clip lands while the Ad page asks for its job
    assert sorted(await asyncio.gather(maker.prepare([clip]), maker.prepare([clip]))) == [0, 1]
    assert made == [clip] and proxy_path(tmp_path / "proxies", clip).is_file()  # type: ignore[union-attr]


async def test_clips_landing_together_get_their_proxies_one_at_a_time(tmp_path, monkeypatch) -> None:
    clips = [make_clip(tmp_path / f"large-{i}.mp4", size=HD, duration=0.5) for i in range(3)]
    running, most = 0, 0
    real = proxies.make_proxy

    async def counted(folder: Path, path: Path, info: MediaInfo, **kwargs: object) -> Path | None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return await real(folder, path, info)
        finally:
            running -= 1
    monkeypatch.setattr(proxies, "make_proxy", counted)
    maker = ProxyMaker(tmp_path / "proxies")

    assert await asyncio.gather(*(maker.prepare([clip]) for clip in clips)) == [1, 1, 1]
    assert most == 1  # a job's clips landing at once never start one FFmpeg each

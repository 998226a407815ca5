"""Rendering deliverables with the bundled FFmpeg: formats, end card, supers, loudness, drafts, manifests."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from PIL import Image

from app.core.media.brand_kit import BrandKit
from app.core.media.captions import parse_srt
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.probe import probe
from app.core.media.render import DeliverClip, SkippedClip, render_deliverables
from app.core.media.safe_area import safe_rect
from tests.helpers.combine_media import make_clip, make_tone
from tests.helpers.deliver_media import (
    best_match,
    changed_box,
    dominant_color,
    ebur128,
    frame,
    make_logo,
    mean_difference,
)

BLUE = (26, 60, 143)
FORMATS = "16:9,9:16,1:1,4:5"


def brand(tmp_path: Path, **changes) -> BrandKit:
    values = dict(campaign="Spring Sale", colors=("#1a3c8f", "#ffcc00"), logo_path=make_logo(tmp_path / "logo.png"),
                  cta="Order today", product_url="acme.example",
                  key_messages=("Fresh every morning", "Roasted by the harbour", "At your door"))
    values.update(changes)
    return BrandKit(**values)


async def clips(tmp_path: Path, count: int = 3, duration: float = 1.5, audio: bool = True,
                **kwargs) -> list[DeliverClip]:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=duration, audio=audio, freq=300 + 150 * i, **kwargs)
             for i in range(count)]
    return [DeliverClip(f, await probe(f), focus=(0.25 + 0.25 * i, 0.5)) for i, f in enumerate(files)]


def manifest(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part" in p.name]


@pytest.mark.slow
async def test_every_format_of_one_export_has_its_size_duration_manifest_and_srt(tmp_path) -> None:
    source = await clips(tmp_path)
    options = DeliverOptions(transition="crossfade", formats=FORMATS, fit="crop", end_card=True, end_card_seconds=2.0,
                             loudness="off")
    progress: list[float] = []
    results = await render_deliverables(source, options, brand(tmp_path), tmp_path / "out",
                                        on_progress=progress.append)
    expected = 3 * 1.5 - 2 * 0.5 + 2.0  # clips + end card − overlaps
    sizes = {"16:9": (320, 180), "9:16": (180, 320), "1:1": (180, 180), "4:5": (180, 224)}
    assert [r.aspect for r in results] == ["16:9", "9:16", "1:1", "4:5"]
    for result in results:
        assert result.video_path.name == f"Spring-Sale-{result.aspect.replace(':', 'x')}.mp4"
        info = await probe(result.video_path)
        assert (info.width, info.height) == sizes[result.aspect]
        assert info.duration_s == pytest.approx(expected, abs=0.1)
        data = manifest(result.manifest_path)
        assert data["video"]["aspect"] == result.aspect and data["video"]["fit"] == "crop"
        assert [c["start_s"] for c in data["clips"]] == [0.0, 1.0, 2.0]
        assert data["end_card"]["start_s"] == 3.5 and data["end_card"]["duration_s"] == 2.0
        assert [j["transition"] for j in data["joins"]] == ["crossfade", "crossfade"]
        cues = parse_srt(result.srt_path.read_text(encoding="utf-8"))
        assert [(c.start_s, c.end_s, c.text) for c in cues] == [
            (s["start_s"], s["end_s"], s["text"]) for s in data["supers"]]
        assert [c.text for c in cues] == list(brand(tmp_path).key_messages)
        safe = safe_rect(result.aspect, info.width, info.height)
        for entry in data["supers"]:
            x, y, w, h = entry["box"]
            assert safe.x <= x and safe.y <= y and x + w <= safe.right and y + h <= safe.bottom
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert leftovers(tmp_path / "out") == []


@pytest.mark.slow
async def test_the_end_card_is_the_brand_colour_with_the_logo_where_the_layout_put_it(tmp_path) -> None:
    source = await clips(tmp_path, count=2)
    kit = brand(tmp_path)
    options = DeliverOptions(formats="16:9,9:16", end_card=True, end_card_seconds=1.5, supers="none", loudness="off",
                             height=360)
    results = await render_deliverables(source, options, kit, tmp_path / "out")
    logo = Image.open(kit.logo_path).convert("RGBA")
    for result in results:
        data = manifest(result.manifest_path)
        last = frame(result.video_path, result.duration_s - 0.05)
        assert all(abs(a - b) <= 8 for a, b in zip(dominant_color(last), BLUE, strict=True))
        x, y, w, h = data["end_card"]["layout"]["logo"]
        template = Image.new("RGBA", (w, h), (*BLUE, 255))
        template.alpha_composite(logo.resize((w, h), Image.Resampling.LANCZOS))
        template = template.convert("RGB")
        dx, dy, score = best_match(last, template, x, y)
        assert score < 10 and abs(dx) <= 2 and abs(dy) <= 2, (dx, dy, score)
        assert mean_difference(last.crop((x + w // 2, y, x + w // 2 + w, y + h)), template) > 3 * score + 20
        assert data["end_card"]["background"] == "#1a3c8f"
        # During the entrance the logo is still fading in: less of it shows than at the end.
        entering = frame(result.video_path, data["end_card"]["start_s"] + 0.1)
        assert best_match(entering, template, x, y, radius=0)[2] > score + 20


@pytest.mark.slow
async def test_supers_change_the_picture_only_at_their_times_and_only_inside_the_safe_area(tmp_path) -> None:
    source = await clips(tmp_path, duration=1.6, color="0x808080")  # flat: the encoder adds no noise to compare
    kit = brand(tmp_path)
    common = dict(transition="crossfade", formats=FORMATS, fit="crop", loudness="off", height=360)
    with_supers = await render_deliverables(source, DeliverOptions(**common), kit, tmp_path / "with")
    without = await render_deliverables(source, DeliverOptions(**common, supers="none"), kit, tmp_path / "without")
    for shown, plain in zip(with_supers, without, strict=True):
        data = manifest(shown.manifest_path)
        assert manifest(plain.manifest_path)["supers"] == [] and plain.srt_path.read_text() == ""
        safe = safe_rect(shown.aspect, shown.width, shown.height)
        for entry in data["supers"]:
            middle = (entry["start_s"] + entry["end_s"]) / 2
            a, b = frame(shown.video_path, middle), frame(plain.video_path, middle)
            box = changed_box(a, b)
            assert box is not None, (shown.aspect, entry)
            assert safe.x <= box[0] and safe.y <= box[1] and box[2] <= safe.right and box[3] <= safe.bottom
        cue_times = [(e["start_s"], e["end_s"]) for e in data["supers"]]
        for at in (0.05, 1.2, 2.3):  # between the supers (the crossfades) and before the first
            assert not any(start - 0.05 <= at <= end + 0.05 for start, end in cue_times)
            assert changed_box(frame(shown.video_path, at), frame(plain.video_path, at)) is None, (shown.aspect, at)


async def test_captions_burn_the_same_cues_at_the_bottom_of_the_safe_area(tmp_path) -> None:
    source = await clips(tmp_path, count=2, duration=1.2, color="0x808080")
    cues = tmp_path / "cues.srt"
    cues.write_text("1\n00:00:00,300 --> 00:00:00,900\nHello there\n\n2\n00:00:01,500 --> 00:00:02,100\nBye\n")
    common = dict(loudness="off", aspect="16:9", height=360)
    burned = DeliverOptions(**common, supers=cues, captions=True)
    [captioned] = await render_deliverables(source, burned, brand(tmp_path), tmp_path / "captions.mp4")
    [plain] = await render_deliverables(source, DeliverOptions(**common, supers="none"), brand(tmp_path),
                                        tmp_path / "plain.mp4")
    data = manifest(captioned.manifest_path)
    assert data["supers_style"] == "caption" and data["captions"]["burned_in"] is True
    assert [(s["start_s"], s["end_s"], s["text"]) for s in data["supers"]] == [(0.3, 0.9, "Hello there"),
                                                                               (1.5, 2.1, "Bye")]
    assert parse_srt(captioned.srt_path.read_text()) == parse_srt(cues.read_text())
    safe = safe_rect("16:9", captioned.width, captioned.height)
    box = changed_box(frame(captioned.video_path, 0.6), frame(plain.video_path, 0.6))
    assert box is not None and safe.bottom - 4 <= box[3] <= safe.bottom  # sits on the safe area's bottom edge


@pytest.mark.slow
@pytest.mark.parametrize(("case", "target"), [("music only", -14), ("clip audio only", -23), ("mixed", -24)])
async def test_loudness_meets_the_target_and_the_true_peak_limit(tmp_path, case, target) -> None:
    source = await clips(tmp_path, count=2, duration=2.5, audio=case != "music only")
    music = make_tone(tmp_path / "music.m4a", duration=3.0, freq=200) if case != "clip audio only" else None
    options = DeliverOptions(transition="crossfade", loudness=target, music=music, music_fade_s=0.3,
                             clip_audio="mix", supers="none")
    [result] = await render_deliverables(source, options, brand(tmp_path), tmp_path / "ad.mp4")
    lufs, peak = ebur128(result.video_path)
    assert lufs == pytest.approx(target, abs=1.0)
    assert peak <= -1.0
    data = manifest(result.manifest_path)["loudness"]
    assert data["target_lufs"] == target and data["mode"] == "two-pass linear"
    assert data["loudness_lufs"] == pytest.approx(lufs, abs=0.2) and data["true_peak_dbtp"] == pytest.approx(peak,
                                                                                                          abs=0.2)


async def test_the_logo_bug_shows_over_the_clips_in_its_corner_and_not_on_the_end_card(tmp_path) -> None:
    source = await clips(tmp_path, count=2, duration=1.0, color="0x808080")
    kit = brand(tmp_path)
    options = DeliverOptions(logo_bug=True, logo_bug_opacity=1.0, end_card=True, end_card_seconds=1.0, supers="none",
                             loudness="off", aspect="9:16", fit="crop", height=360)
    [result] = await render_deliverables(source, options, kit, tmp_path / "ad.mp4")
    x, y, w, h = manifest(result.manifest_path)["logo_bug"]["box"]
    safe = safe_rect("9:16", result.width, result.height)
    assert (x + w, y) == (safe.right, safe.y)
    template = Image.new("RGBA", (w, h), (128, 128, 128, 255))
    template.alpha_composite(Image.open(kit.logo_path).convert("RGBA").resize((w, h), Image.Resampling.LANCZOS))
    shown = frame(result.video_path, 0.5)
    _, _, score = best_match(shown, template.convert("RGB"), x, y, radius=1)
    bare = mean_difference(Image.new("RGB", (w, h), (128, 128, 128)), template.convert("RGB"))
    assert score < 8 and bare > 40, (score, bare)
    card = frame(result.video_path, result.duration_s - 0.05)
    assert dominant_color(card.crop((x, y, x + w, y + h))) == dominant_color(card)  # only the card's colour there


async def test_plain_cuts_of_matching_clips_are_still_copied_with_a_manifest_and_srt(tmp_path) -> None:
    source = await clips(tmp_path, count=2, duration=1.0)
    options = DeliverOptions(supers="none", loudness="off", length="15")
    [result] = await render_deliverables(source, options, brand(tmp_path), tmp_path / "ad.mp4")
    assert result.stream_copy and result.duration_s == pytest.approx(2.0, abs=0.1)
    data = manifest(result.manifest_path)
    assert result.warnings == ("the ad lasts 2.00 s instead of 15 s for a 15 s spot",)
    assert data["warnings"] == list(result.warnings) and data["length"]["target"] == "15"
    assert data["video"]["stream_copy"] is True and data["loudness"]["mode"] == "off"
    assert data["loudness"]["loudness_lufs"] is not None  # measured all the same
    assert result.srt_path.read_text() == ""


@pytest.mark.slow
async def test_per_join_xfade_transitions_and_a_wrong_count(tmp_path) -> None:
    source = await clips(tmp_path, duration=1.2)
    options = DeliverOptions(transition="wipeleft,circleopen", transition_s=0.4, supers="none", loudness="off")
    [result] = await render_deliverables(source, options, brand(tmp_path), tmp_path / "ad.mp4")
    assert result.duration_s == pytest.approx(3 * 1.2 - 2 * 0.4, abs=0.1)
    assert [j["transition"] for j in manifest(result.manifest_path)["joins"]] == ["wipeleft", "circleopen"]
    with pytest.raises(DeliverError, match="3 transitions given for 2 join"):
        await render_deliverables(source, DeliverOptions(transition="cut,fade,dissolve"), brand(tmp_path),
                                  tmp_path / "bad.mp4")


async def test_failed_clips_are_skipped_only_when_asked_and_listed(tmp_path) -> None:
    source = await clips(tmp_path, count=2, duration=1.0)
    broken = DeliverClip(tmp_path / "gone.mp4", None, label="clip 3", error="no such file")
    with pytest.raises(DeliverError, match="clip 3 is missing"):
        await render_deliverables([*source, broken], DeliverOptions(), brand(tmp_path), tmp_path / "ad.mp4")
    options = DeliverOptions(skip_failed=True, supers="none", loudness="off")
    [result] = await render_deliverables([*source, broken], options, brand(tmp_path), tmp_path / "ad.mp4",
                                         skipped=[SkippedClip("clip 4", "generation failed")])
    skipped = manifest(result.manifest_path)["skipped_clips"]
    assert [s["label"] for s in skipped] == ["clip 4", "clip 3"]
    assert len(manifest(result.manifest_path)["clips"]) == 2


@pytest.mark.slow
async def test_a_draft_is_smaller_and_cached_by_what_shapes_it(tmp_path) -> None:
    source = await clips(tmp_path, count=2, duration=1.2)
    cache = tmp_path / "cache"
    kit = brand(tmp_path)
    options = DeliverOptions(transition="crossfade", draft=True, height=720, end_card=True, end_card_seconds=1.0)
    first = await render_deliverables(source, options, kit, tmp_path / "d1.mp4", cache_dir=cache)
    assert (first[0].width, first[0].height) == (640, 360) and not first[0].cached  # the final would be 1280x720
    data = manifest(first[0].manifest_path)
    assert data["draft"] is True and data["loudness"]["mode"] == "draft linear gain"
    assert ebur128(first[0].video_path)[0] == pytest.approx(-14, abs=1.5)
    again = await render_deliverables(source, options, kit, tmp_path / "d2.mp4", cache_dir=cache)
    assert again[0].cached and again[0].video_path.read_bytes() == first[0].video_path.read_bytes()
    assert manifest(again[0].manifest_path)["video"]["file"] == "d2.mp4"
    changed = DeliverOptions(transition="crossfade", draft=True, height=720, end_card=True, end_card_seconds=1.0,
                             cta="Buy now")
    other = await render_deliverables(source, changed, kit, tmp_path / "d3.mov", cache_dir=cache)
    assert not other[0].cached and other[0].video_path.suffix == ".mov"
    assert (await probe(other[0].video_path)).duration_s == pytest.approx(first[0].duration_s, abs=0.1)
    assert len(list(cache.glob("draft-*"))) == 2


async def test_formats_share_one_audio_encode_and_any_folder_name(tmp_path) -> None:
    """Several formats are written through FFmpeg's tee muxer: its list of files has its own quoting, so a folder
    named with quotes, a bar, brackets, a colon and a backslash must still get every file, each with its own
    picture, the one audio and its index at the front (fast start)."""
    source = await clips(tmp_path, count=2, duration=1.0)
    folder = tmp_path / "it's [v2] a|b: c\\d"
    options = DeliverOptions(transition="crossfade", formats="16:9,9:16,1:1", loudness="off", supers="none")
    results = await render_deliverables(source, options, brand(tmp_path), folder)
    assert sorted(p.name for p in folder.glob("*.mp4")) == ["Spring-Sale-16x9.mp4", "Spring-Sale-1x1.mp4",
                                                           "Spring-Sale-9x16.mp4"]
    sizes = {"16:9": (320, 180), "9:16": (180, 320), "1:1": (180, 180)}
    for result in results:
        info = await probe(result.video_path)
        assert (info.width, info.height) == sizes[result.aspect] and info.has_audio
        assert info.duration_s == pytest.approx(1.5, abs=0.1)
        head = result.video_path.read_bytes()[:4096]
        assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)
    assert leftovers(folder) == []


async def test_cancelling_stops_the_render_and_leaves_no_partial_files(tmp_path) -> None:
    source = await clips(tmp_path, count=3, duration=2.0, size=(640, 360))
    cancel = asyncio.Event()
    options = DeliverOptions(transition="crossfade", formats="16:9,9:16", loudness="off")

    def on_progress(fraction: float) -> None:
        if fraction > 0.05:
            cancel.set()

    with pytest.raises(asyncio.CancelledError):
        await render_deliverables(source, options, brand(tmp_path), tmp_path / "out", on_progress=on_progress,
                                  cancel=cancel)
    assert leftovers(tmp_path / "out") == [] and not list((tmp_path / "out").glob("*.mp4"))


async def test_a_missing_logo_or_music_is_named(tmp_path) -> None:
    source = await clips(tmp_path, count=1, duration=1.0)
    missing_logo = brand(tmp_path, logo_path=tmp_path / "nope.png")
    with pytest.raises(DeliverError, match=r"the logo file .*nope\.png does not exist"):
        await render_deliverables(source, DeliverOptions(end_card=True), missing_logo, tmp_path / "ad.mp4")
    with pytest.raises(DeliverError, match=r"the music file .*song\.mp3 does not exist"):
        await render_deliverables(source, DeliverOptions(music=tmp_path / "song.mp3"), brand(tmp_path),
                                  tmp_path / "ad.mp4")

"""Planning a combine (pure): geometry, the stream-copy decision, the filter graph, option checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.config import Settings
from app.core.domain import Transition
from app.core.media.combine import (
    ClipInput,
    CombineError,
    CombineOptions,
    concat_list,
    container_for,
    output_size,
    pad_color,
    plan_combine,
)
from app.core.media.probe import MediaInfo

H264 = MediaInfo(Path("a.mp4"), 2.0, 320, 180, 30.0, "h264", "yuv420p", "aac", 48000, "stereo", "High")
OUT = Path("/tmp/out/ad.mp4")
LIST = Path("/tmp/out/list.txt")


def clips(*infos: MediaInfo) -> list[ClipInput]:
    return [ClipInput(Path(f"/clips/c{i}.mp4"), replace(info, path=Path(f"/clips/c{i}.mp4")), f"clip {i + 1}")
            for i, info in enumerate(infos)]


def plan(infos: list[ClipInput], music: MediaInfo | None = None, **options):
    return plan_combine(infos, CombineOptions(**options), Settings(), output=OUT, list_path=LIST, music=music)


@pytest.mark.parametrize(("aspect", "height", "expected"), [
    ("source", None, (320, 180)), ("source", 720, (1280, 720)), ("16:9", None, (320, 180)),
    ("9:16", None, (180, 320)), ("1:1", None, (180, 180)), ("16:9", 1080, (1920, 1080)),
    ("9:16", 1080, (1080, 1920)), ("1:1", 720, (720, 720)),
])
def test_output_size_uses_the_preset_with_the_height_as_short_side(aspect, height, expected) -> None:
    assert output_size(aspect, height, H264) == expected


def test_output_size_is_always_even() -> None:
    odd = replace(H264, width=321, height=181)
    assert all(v % 2 == 0 for v in output_size("source", None, odd))
    assert all(v % 2 == 0 for v in output_size("16:9", 361, odd))


def test_pad_colour_is_the_first_valid_brand_colour_else_black() -> None:
    assert pad_color(["#1A2B3C", "#ffffff"]) == "0x1a2b3c"
    assert pad_color(["not a colour", "00ff00"]) == "0x00ff00"
    assert pad_color([]) == "black"


def test_identical_clips_with_cuts_are_copied_not_encoded() -> None:
    result = plan(clips(H264, H264, H264))
    assert result.stream_copy
    assert result.args[:6] == ("-f", "concat", "-safe", "0", "-i", str(LIST))
    assert "copy" in result.args and "libx264" not in result.args and "-filter_complex" not in result.args
    assert result.duration_s == pytest.approx(6.0)
    assert result.concat_list == "file '/clips/c0.mp4'\nfile '/clips/c1.mp4'\nfile '/clips/c2.mp4'\n"


@pytest.mark.parametrize("change", [
    {"width": 640, "height": 360}, {"fps": 25.0}, {"video_profile": "Main"}, {"video_codec": "mpeg4"},
    {"audio_codec": ""}, {"audio_rate": 44100}, {"audio_channels": "mono"}, {"pix_fmt": "yuv444p"},
])
def test_any_difference_between_clips_means_one_encode(change) -> None:
    result = plan(clips(H264, replace(H264, **change)))
    assert not result.stream_copy
    assert "libx264" in result.args and "-filter_complex" in result.args
    assert "copy" not in result.args


@pytest.mark.parametrize("options", [
    {"transition": Transition.CROSSFADE}, {"transition": Transition.FADE}, {"aspect": "9:16"}, {"height": 360},
    {"fps": 25},
])
def test_joins_and_geometry_changes_are_encoded(options) -> None:
    assert not plan(clips(H264, H264), **options).stream_copy


def test_music_is_encoded_and_a_matching_preset_still_copies() -> None:
    music = MediaInfo(Path("/music/song.mp3"), 30.0, audio_codec="mp3", audio_rate=44100, audio_channels="stereo")
    with_music = plan(clips(H264, H264), music=music)
    assert not with_music.stream_copy
    assert with_music.args[with_music.args.index("-stream_loop") + 1] == "-1"
    assert plan(clips(H264, H264), aspect="16:9", height=180, fps=30).stream_copy


def test_dropping_clip_audio_copies_only_the_video() -> None:
    result = plan(clips(H264, H264), clip_audio="drop")
    assert result.stream_copy and not result.has_audio
    assert "-an" in result.args and "0:a:0" not in result.args


def test_only_what_differs_is_normalised() -> None:
    other = replace(H264, width=640, height=480, fps=25.0, audio_codec="")
    graph = plan(clips(H264, other)).args
    text = graph[graph.index("-filter_complex") + 1]
    first, second = text.split(";")[0], text.split(";")[2]
    assert "scale" not in first and "fps=" not in first
    assert "scale=320:180" in second and "pad=320:180" in second and "fps=30" in second
    assert "anullsrc" in text  # the silent clip gets silence so concat lines up
    assert "concat=n=2:v=1:a=1" in text


def test_crop_fills_the_frame_and_pad_uses_the_brand_colour() -> None:
    wide = clips(H264, replace(H264, width=640, height=480))
    cropped = plan_combine(wide, CombineOptions(aspect="1:1", fit="crop"), Settings(), output=OUT, list_path=LIST)
    padded = plan_combine(wide, CombineOptions(aspect="1:1"), Settings(), output=OUT, list_path=LIST,
                          color="0xff0000")
    assert "force_original_aspect_ratio=increase,crop=180:180" in " ".join(cropped.args)
    assert "pad=180:180:(ow-iw)/2:(oh-ih)/2:color=0xff0000" in " ".join(padded.args)
    assert "stretch" not in " ".join(cropped.args)


def test_crossfade_overlaps_every_join() -> None:
    result = plan(clips(H264, H264, H264), transition=Transition.CROSSFADE, crossfade_s=0.5)
    text = result.args[result.args.index("-filter_complex") + 1]
    assert result.duration_s == pytest.approx(5.0)
    assert "xfade=transition=fade:duration=0.500000:offset=1.500000" in text
    assert "offset=3.000000" in text
    assert text.count("acrossfade") == 2


def test_fade_through_black_keeps_the_full_length() -> None:
    result = plan(clips(H264, H264), transition=Transition.FADE, crossfade_s=1.0)
    text = result.args[result.args.index("-filter_complex") + 1]
    assert result.duration_s == pytest.approx(4.0)
    assert "fade=t=out:st=1.500000:d=0.500000" in text and "fade=t=in:st=0:d=0.500000" in text


def test_a_transition_longer_than_a_clip_is_refused_naming_it() -> None:
    short = replace(H264, duration_s=0.8)
    with pytest.raises(CombineError, match=r"clip 2 lasts 0\.80 s"):
        plan(clips(H264, short, H264), transition=Transition.CROSSFADE, crossfade_s=0.5)


def test_music_fades_end_at_the_end_of_the_video() -> None:
    music = MediaInfo(Path("/music/song.mp3"), 3.0, audio_codec="mp3", audio_rate=44100, audio_channels="stereo")
    result = plan(clips(H264, H264), music=music, music_volume=0.5, clip_audio="mix")
    text = result.args[result.args.index("-filter_complex") + 1]
    assert "atrim=duration=4.000000" in text and "volume=0.5000" in text
    assert "afade=t=in:st=0:d=1.500000" in text and "afade=t=out:st=2.500000:d=1.500000" in text
    assert "volume=0.35" in text and "amix=inputs=2:duration=first" in text


@pytest.mark.parametrize(("options", "message"), [
    ({"aspect": "4:3"}, "aspect"), ({"fit": "stretch"}, "fit"), ({"clip_audio": "loud"}, "clip audio"),
    ({"height": 10}, "resolution"), ({"fps": 0}, "frame rate"), ({"crossfade_s": 0.0}, "transition length"),
    ({"music_volume": 5.0}, "volume"),
])
def test_bad_options_are_named(options, message) -> None:
    with pytest.raises(CombineError, match=message):
        plan(clips(H264), **options)


def test_output_must_be_a_video_container_and_list_paths_are_quoted() -> None:
    assert container_for(Path("x.MOV")) == "mov"
    with pytest.raises(CombineError, match="must end in"):
        container_for(Path("ad.gif"))
    assert concat_list([Path("/a/it's.mp4")]) == "file '/a/it'\\''s.mp4'\n"


def test_a_transition_given_by_name_is_accepted_and_a_bad_one_named() -> None:
    assert CombineOptions(transition="crossfade").transition is Transition.CROSSFADE  # type: ignore[arg-type]
    with pytest.raises(CombineError, match="transition must be"):
        CombineOptions(transition="wipe")  # type: ignore[arg-type]

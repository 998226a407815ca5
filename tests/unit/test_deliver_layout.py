"""The pure parts of deliverables: safe areas, formats, joins, timelines, cues, layouts, options, the graph."""

from __future__ import annotations

import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from app.core.media.brand_kit import BrandKit, contrast_ratio, key_background, load_logo, parse_color
from app.core.media.captions import CaptionError, Cue, format_srt, parse_srt
from app.core.media.deliver_graph import (
    DRAFT,
    FormatBranch,
    GraphClip,
    ImageOverlay,
    RenderSpec,
    build_measure_args,
    build_render_args,
    canvas_size,
    output_sizes,
)
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.draft_cache import prune_cache
from app.core.media.end_card import EndCardError, layout_end_card
from app.core.media.formats import crop_window, format_size, length_warning, parse_formats
from app.core.media.logo_bug import layout_logo_bug
from app.core.media.loudness import (
    Loudness,
    apply_filter,
    draft_gain_filter,
    parse_ebur128_summary,
    parse_loudness,
    parse_loudnorm_json,
)
from app.core.media.probe import MediaInfo
from app.core.media.safe_area import Rect, safe_rect
from app.core.media.supers import BRAND, CAPTION, choose_cues, layout_supers
from app.core.media.timeline import TimelineError, build_timeline, check_joins_fit
from app.core.media.transitions import TransitionError, parse_transitions, plan_joins
from tests.helpers.deliver_media import make_logo

ASPECT_SIZES = [("16:9", 1920, 1080), ("9:16", 1080, 1920), ("1:1", 1080, 1080), ("4:5", 1080, 1350),
                ("16:9", 320, 180), ("9:16", 180, 320)]
CLIP = MediaInfo(Path("/c/a.mp4"), 2.0, 1920, 1080, 30.0, "h264", "yuv420p", "aac", 48000, "stereo", "High")


def brand(**changes) -> BrandKit:
    base = BrandKit(campaign="Spring", colors=("#1a3c8f", "#ffcc00"), cta="Order today and save on your first box",
                    product_url="acme.example/spring", key_messages=("Fresh every morning", "Roasted by the harbour"))
    return replace(base, **changes)


def test_nine_by_sixteen_keeps_the_top_14_and_bottom_20_percent_clear() -> None:
    assert safe_rect("9:16", 1080, 1920) == Rect(65, 269, 950, 1267)  # 14 % of 1920 = 269, 20 % = 384
    assert safe_rect("16:9", 1920, 1080) == Rect(96, 54, 1728, 972)  # EBU R 95: 5 % each side
    assert safe_rect("source", 1080, 1350) == safe_rect("4:5", 1080, 1350)  # the nearest preset


@pytest.mark.parametrize(("aspect", "expected"), [("16:9", (1920, 1080)), ("9:16", (1080, 1920)),
                                                  ("1:1", (1080, 1080)), ("4:5", (1080, 1350))])
def test_format_sizes_use_the_short_side(aspect, expected) -> None:
    assert format_size(aspect, 1080) == expected


def test_a_crop_window_follows_the_focus_point_and_stops_at_the_edges() -> None:
    assert crop_window(1920, 1080, 9 / 16, (0.5, 0.5)) == (608, 1080, 656, 0)
    assert crop_window(1920, 1080, 9 / 16, (0.0, 0.5))[2] == 0
    assert crop_window(1920, 1080, 9 / 16, (1.0, 0.5))[2] == 1920 - 608
    assert crop_window(1920, 1080, 9 / 16, (0.25, 0.5))[2] == 176  # 480 - 304, even
    w, h, x, y = crop_window(1080, 1920, 16 / 9, (0.5, 0.1))
    assert (w, h, x) == (1080, 608, 0) and y == 0


def test_formats_and_transitions_are_parsed_and_bad_names_explained() -> None:
    assert parse_formats("16:9, 9:16,16:9,4:5") == ("16:9", "9:16", "4:5")
    with pytest.raises(ValueError, match="unknown format '4:3'"):
        parse_formats("4:3")
    assert parse_transitions("crossfade,wipeleft,circleopen") == ("crossfade", "wipeleft", "circleopen")
    with pytest.raises(TransitionError, match="unknown transition 'wipe'"):
        parse_transitions("wipe")
    joins = plan_joins(("wipeleft",), 3, 0.5)
    assert [j.xfade_name for j in joins] == ["wipeleft", "wipeleft"] and joins[0].overlap_s == 0.5
    assert plan_joins(("crossfade",), 2, 0.5)[0].xfade_name == "fade"
    with pytest.raises(TransitionError, match="3 transitions given for 1 join"):
        plan_joins(("cut", "fade", "dissolve"), 2, 0.5)


def test_the_timeline_subtracts_overlaps_and_keeps_fades_through_black() -> None:
    joins = plan_joins(("crossfade", "fade", "cut"), 4, 0.6)
    timeline = build_timeline([2.0, 2.0, 2.0, 2.0], joins, end_card_s=3.0)
    assert timeline.starts == pytest.approx((0.0, 1.4, 3.4, 5.4))
    assert timeline.clips_end == pytest.approx(7.4) and timeline.total_s == pytest.approx(10.4)
    assert timeline.solo_window(1) == pytest.approx((2.0, 3.1))  # after the crossfade, before half the fade


def test_a_clip_too_short_for_its_joins_is_named() -> None:
    joins = plan_joins(("dissolve",), 3, 0.8)
    with pytest.raises(TimelineError, match=r"clip 2 lasts 1\.00 s, too short for its dissolve and dissolve"):
        check_joins_fit(["clip 1", "clip 2", "clip 3"], [2.0, 1.0, 2.0], joins)


def test_srt_round_trips_and_tolerates_what_editors_write() -> None:
    cues = [Cue(0.5, 2.25, "Fresh every morning"), Cue(3.0, 4.0, "Two\nlines")]
    assert parse_srt(format_srt(cues)) == cues
    messy = ("\ufeff1\r\n00:00:01.5 --> 00:00:02,000\r\n<i>Hi</i> there\r\n\r\n"
             "00:00:03,000 --> 00:00:04,000\r\nNo number\r\n")
    assert parse_srt(messy) == [Cue(1.5, 2.0, "Hi there"), Cue(3.0, 4.0, "No number")]
    with pytest.raises(CaptionError, match="cue 1 has no timing line"):
        parse_srt("1\nhello\n")
    with pytest.raises(CaptionError, match="ends before it starts"):
        parse_srt("00:00:02,000 --> 00:00:01,000\nx\n")


def test_auto_supers_are_one_key_message_per_clip_inside_its_solo_stretch() -> None:
    timeline = build_timeline([2.0, 2.0, 2.0], plan_joins(("crossfade",), 3, 0.5), 3.0)
    cues = choose_cues("auto", brand(), timeline)
    assert [c.text for c in cues] == ["Fresh every morning", "Roasted by the harbour"]  # two messages, three clips
    assert cues[0].start_s == pytest.approx(0.25) and cues[0].end_s == pytest.approx(1.25)
    assert cues[1].start_s == pytest.approx(2.167) and cues[1].end_s == pytest.approx(2.833)  # inset by 1/6
    assert choose_cues("none", brand(), timeline) == []
    over = choose_cues((Cue(4.0, 9.0, "late"), Cue(6.0, 7.0, "on the card")), brand(), timeline)
    assert over == [Cue(4.0, 5.0, "late")]  # kept off the end card


@pytest.mark.parametrize(("aspect", "width", "height"), ASPECT_SIZES)
@pytest.mark.parametrize("style", [BRAND, CAPTION])
def test_supers_text_lies_inside_the_safe_area(aspect, width, height, style) -> None:
    long = "A much longer key message that has to wrap over more than one line on a narrow vertical frame"
    cues = [Cue(0, 1, "Fresh every morning"), Cue(1, 2, long)]
    safe = safe_rect(aspect, width, height)
    for overlay in layout_supers(cues, brand(), style, width, height, aspect):
        assert safe.contains(overlay.box) and overlay.box.contains(overlay.text)
        ink = overlay.image.getchannel("A").getbbox()
        assert ink is not None
        assert safe.contains(Rect(overlay.box.x + ink[0], overlay.box.y + ink[1], ink[2] - ink[0], ink[3] - ink[1]))
        assert overlay.image.size == (overlay.box.w, overlay.box.h)


@pytest.mark.parametrize(("aspect", "width", "height"), ASPECT_SIZES)
def test_the_end_card_lies_inside_the_safe_area_and_never_stretches_the_logo(aspect, width, height) -> None:
    layout = layout_end_card(brand(), "Order today and save on your first box", width, height, aspect, (240, 120))
    for box in (layout.logo, layout.cta, layout.url):
        assert box is not None and layout.safe.contains(box)
    assert layout.logo.w / layout.logo.h == pytest.approx(2.0, rel=0.02)
    assert layout.cta.bottom <= layout.url.y  # the URL under the call to action
    assert contrast_ratio(layout.text_color, layout.background) >= 4.5


def test_an_end_card_with_nothing_to_show_is_refused() -> None:
    with pytest.raises(EndCardError, match="needs a logo, a call to action or a product URL"):
        layout_end_card(brand(product_url=""), "", 1920, 1080, "16:9", None)


def test_a_png_logo_keeps_its_alpha_and_a_jpeg_background_is_keyed_only_when_asked(tmp_path) -> None:
    png = make_logo(tmp_path / "logo.png")
    logo = load_logo(brand(logo_path=png))
    assert logo.size == (240, 120)  # cropped to what it shows
    flat = Image.new("RGB", (200, 100), (255, 255, 255))
    flat.paste((200, 0, 0), (50, 25, 150, 75))
    jpeg = tmp_path / "logo.jpg"
    flat.save(jpeg, quality=95)
    opaque = load_logo(brand(logo_path=jpeg))
    assert opaque.getchannel("A").getextrema() == (255, 255)
    keyed = load_logo(brand(logo_path=jpeg, logo_key_background=True))
    assert keyed.size == (100, 50)  # the white was keyed out and cropped away
    assert keyed.getpixel((50, 25))[3] == 255
    assert key_background(flat.convert("RGBA")).getpixel((5, 5))[3] == 0


def test_the_logo_bug_sits_in_its_corner_of_the_safe_area(tmp_path) -> None:
    logo = load_logo(brand(logo_path=make_logo(tmp_path / "logo.png")))
    bug = layout_logo_bug(logo, 1080, 1920, "9:16", "top-right", 0.5)
    safe = safe_rect("9:16", 1080, 1920)
    assert bug.box.right == safe.right and bug.box.y == safe.y and safe.contains(bug.box)
    assert bug.image.getchannel("A").getextrema()[1] == 128  # opacity applied
    inset = layout_logo_bug(logo, 1080, 1920, "9:16", "bottom-left", 1.0, margin=0.02)
    assert (inset.box.x, inset.box.bottom) == (safe.x + 22, safe.bottom - 22)


def test_loudness_targets_and_the_two_passes() -> None:
    assert [parse_loudness(v) for v in ("-14", -23, "-24", "off", None)] == [-14.0, -23.0, -24.0, None, None]
    with pytest.raises(ValueError, match="-14, -23, -24 or off"):
        parse_loudness("-16")
    lines = ['[Parsed_loudnorm_0 @ 0x1] ', '{', '"input_i" : "-21.75",', '"input_tp" : "-18.06",',
             '"input_lra" : "3.10",', '"input_thresh" : "-31.75",', '"output_i" : "-13.95",',
             '"normalization_type" : "dynamic",', '"target_offset" : "-0.05"', '}']
    measured = parse_loudnorm_json(lines)
    assert measured.input_i == -21.75 and measured.target_offset == -0.05
    applied = apply_filter(-14.0, measured)
    assert "measured_I=-21.75" in applied and "linear=true" in applied and "TP=-1.5" in applied
    assert draft_gain_filter(-14.0, Loudness(-20.0, -12.0)) == "volume=6.00dB"
    assert draft_gain_filter(-14.0, Loudness(-20.0, -3.0)) == "volume=1.50dB"  # the peak stays under -1.5
    assert draft_gain_filter(-14.0, Loudness(None, None)) is None  # silence
    summary = ["  Integrated loudness:", "    I:         -14.2 LUFS", "  True peak:", "    Peak:      -1.6 dBFS"]
    assert parse_ebur128_summary(summary).lufs == -14.2 and parse_ebur128_summary(summary).true_peak_dbtp == -1.6


def test_length_targets_warn_when_the_ad_is_off() -> None:
    assert length_warning("6", 6.4) == "the ad lasts 6.40 s: a bumper may last at most 6 s"
    assert length_warning("6", 5.0) is None
    assert length_warning("15", 15.3) is None
    assert "instead of 30 s" in length_warning("30", 27.0)
    assert length_warning("free", 99.0) is None


def test_options_parse_cli_values_and_name_the_bad_one() -> None:
    options = DeliverOptions(transition="crossfade,wipeleft", formats="16:9,9:16", loudness="off",
                             supers="none", length=15)
    assert options.transition == ("crossfade", "wipeleft") and options.outputs == ("16:9", "9:16")
    assert options.loudness is None and options.supers == "none" and options.length == "15"
    assert DeliverOptions(supers="cues.srt").supers == Path("cues.srt")
    assert DeliverOptions(aspect="4:5").outputs == ("4:5",)
    for bad, message in [({"fit": "stretch"}, "fit must be"), ({"loudness": "-10"}, "loudness must be"),
                         ({"transition": "spin"}, "unknown transition"), ({"formats": "3:2"}, "unknown format"),
                         ({"end_card": True, "end_card_seconds": 30}, "end card must last"),
                         ({"length": 20}, "length")]:
        with pytest.raises(DeliverError, match=message):
            DeliverOptions(**bad)


def test_the_canvas_is_only_as_large_as_the_largest_output_needs() -> None:
    sizes = output_sizes(("16:9", "9:16"), CLIP, 360)
    assert sizes == [(640, 360), (360, 640)]
    assert canvas_size(CLIP, sizes, "crop") == (1136, 640)  # 9:16 needs a 360-wide crop: 608 of 1080, scaled by 360/608
    assert canvas_size(CLIP, [(640, 360)], "crop") == (640, 360)
    assert canvas_size(CLIP, [(1080, 1920)], "crop") == (1920, 1080)  # never scaled up


def spec(tmp_path: Path, **changes) -> RenderSpec:
    clips = tuple(GraphClip(Path(f"/c/{i}.mp4"), replace(CLIP, path=Path(f"/c/{i}.mp4")), (0.2 + 0.3 * i, 0.5))
                  for i in range(3))
    timeline = build_timeline([2.0] * 3, plan_joins(("crossfade", "slideup"), 3, 0.5), 3.0)
    card = ImageOverlay(tmp_path / "card.png", Rect(100, 100, 200, 100), 5.0, 8.0)
    branches = (FormatBranch("16:9", 1920, 1080, tmp_path / "a.mp4", end_card=card, end_card_color="0x1a3c8f"),
                FormatBranch("9:16", 1080, 1920, tmp_path / "b.mp4",
                             supers=(ImageOverlay(tmp_path / "s.png", Rect(10, 800, 300, 80), 0.25, 1.25),),
                             end_card=card, end_card_color="0x1a3c8f"))
    base = RenderSpec(clips=clips, timeline=timeline, canvas=(1920, 1080), fps=Fraction(30), fit="crop",
                      pad_color="0x1a3c8f", branches=branches, loudness_filter="loudnorm=I=-14")
    return replace(base, **changes)


def test_the_graph_decodes_once_and_splits_to_one_encoder_per_format(tmp_path) -> None:
    args = build_render_args(spec(tmp_path))
    graph = args[args.index("-filter_complex") + 1]
    assert args.count("libx264") == 1 and graph.count("]split=2") == 1 and "asplit" not in graph
    assert args.count("aac") == 1 and args.count("-map") == 3  # two pictures, one sound, one encode of each kind
    assert args[-2:] == ("tee", "[f=mp4:select=\\'v:0,a\\':onfail=abort:movflags=+faststart]" + str(tmp_path / "a.mp4")
                         + "|[f=mp4:select=\\'v:1,a\\':onfail=abort:movflags=+faststart]" + str(tmp_path / "b.mp4"))
    assert "xfade=transition=fade:duration=0.500000:offset=1.500000" in graph
    assert "xfade=transition=slideup:duration=0.500000:offset=3.000000" in graph
    assert graph.count("loudnorm=I=-14") == 1  # one normalisation for every format
    # 9:16 follows the focus points: 0.2 → 0.5 → 0.8 of the width, easing across the two crossfades.
    assert "crop=608:1080:x='if(lt(t,1.5000),80,if(lt(t,2.0000),80+(576)*(t-1.5000)/0.5000," in graph
    assert "overlay=x=10:y=800:eof_action=pass" in graph
    assert graph.count("color=c=0x1a3c8f") == 2  # an end card per format, each with its own layout
    assert graph.index("crop=608") < graph.index("overlay=x=10:y=800")  # cropped and scaled before drawing on it


def test_a_draft_skips_the_clips_deblocking_and_a_final_keeps_it(tmp_path) -> None:
    draft = build_render_args(spec(tmp_path, encoding=DRAFT))
    assert draft.count("-skip_loop_filter") == 3  # before each clip's input, not the overlays' pictures
    assert all(draft[draft.index(f"/c/{i}.mp4") - 3:draft.index(f"/c/{i}.mp4") - 1] == ("-skip_loop_filter", "all")
               for i in range(3))
    assert "-skip_loop_filter" not in build_render_args(spec(tmp_path))


def test_the_measuring_pass_runs_only_the_audio(tmp_path) -> None:
    args = build_measure_args(spec(tmp_path), "loudnorm=print_format=json")
    graph = args[args.index("-filter_complex") + 1]
    assert "xfade" not in graph and "overlay" not in graph and "libx264" not in args
    assert graph.count("acrossfade") == 2 and args[-3:] == ("-f", "null", "-")


def test_colours_parse_and_text_on_them_stays_readable() -> None:
    assert parse_color("#1A3C8F") == (26, 60, 143) and parse_color("blue") is None
    yellow_on_blue = brand().text_on((26, 60, 143))
    assert yellow_on_blue == (255, 204, 0)  # the brand's own second colour reads well on its first
    assert brand(colors=("#ffffff",)).text_on((255, 255, 255)) == (17, 17, 17)


def test_the_draft_cache_keeps_only_the_newest_sets(tmp_path) -> None:
    for index in range(5):
        folder = tmp_path / f"draft-{index}"
        folder.mkdir()
        os.utime(folder, (1000 + index, 1000 + index))
    (tmp_path / "other").mkdir()
    prune_cache(tmp_path, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft-3", "draft-4", "other"]

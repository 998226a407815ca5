"""QC's rules without FFmpeg: parsing the detectors' logs, SSIM, thresholds, verdicts, brand replies, retry prompts."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter

from app.core.pairing.validate import MalformedReply
from app.core.qc.brand_reply import BRAND_SCHEMA, BrandCheck, BrandIssue, IssueKind, validate_brand_reply
from app.core.qc.detect import Interval, parse_black, parse_frozen, subtract
from app.core.qc.levels import Verdict
from app.core.qc.retry_prompt import retry_prompt
from app.core.qc.similarity import picture_similarity, ssim
from app.core.qc.thresholds import QcThresholds
from app.core.qc.verdict import Check, ClipOrder, ClipQc, FrameRef, Measures, Reason, judge_clip

LOG = """
[Parsed_freezedetect_3 @ 0x1] lavfi.freezedetect.freeze_start: 0.04
[Parsed_blackdetect_2 @ 0x2] black_start:0.04 black_end:2.14 black_duration:2.1
[Parsed_freezedetect_3 @ 0x1] lavfi.freezedetect.freeze_duration: 2.1
[Parsed_freezedetect_3 @ 0x1] lavfi.freezedetect.freeze_end: 2.14
[Parsed_freezedetect_3 @ 0x1] lavfi.freezedetect.freeze_start: 3.966667
[Parsed_blackdetect_2 @ 0x2] black_start:6.5 black_end:7.2 black_duration:0.7
"""


def test_detector_logs_become_intervals_from_the_first_frame() -> None:
    assert parse_black(LOG, 0.04, 7.0) == (Interval(0.0, 2.1), Interval(6.46, 7.0))
    assert parse_frozen(LOG, 0.04, 7.0) == (Interval(0.0, 2.1), Interval(3.927, 7.0))  # unfinished: to the end
    assert parse_black("", 0.0, 5.0) == () and parse_frozen("no freeze here", 0.0, 5.0) == ()


def test_black_parts_are_taken_out_of_frozen_stretches() -> None:
    frozen = (Interval(0.0, 3.0), Interval(4.0, 6.0))
    assert subtract(frozen, [Interval(0.0, 2.0), Interval(4.5, 5.0)]) == (
        Interval(2.0, 3.0), Interval(4.0, 4.5), Interval(5.0, 6.0))
    assert subtract(frozen, [Interval(0.0, 6.0)]) == ()
    assert subtract(frozen, [Interval(2.5, 4.2)], min_s=1.0) == (Interval(0.0, 2.5), Interval(4.2, 6.0))


@pytest.mark.parametrize(("interval", "expected"), [
    (Interval(0.0, 6.0), "the whole clip"), (Interval(0.05, 1.0), "at the start"), (Interval(4.0, 5.95), "at the end"),
    (Interval(2.0, 3.5), "from 2.0 s to 3.5 s")])
def test_where_a_stretch_lies_in_plain_words(interval: Interval, expected: str) -> None:
    assert interval.where(6.0) == expected


def scene(seed: int, size: tuple[int, int] = (160, 90)) -> Image.Image:
    rng = random.Random(seed)
    img = Image.new("L", size, rng.randrange(256))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse([x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 40)], fill=rng.randrange(256))
    return img


def test_ssim_is_one_for_the_same_picture_and_low_for_another() -> None:
    a = scene(1)
    assert ssim(a, a.copy()) == 1.0 and picture_similarity(a, a.copy()) == 1.0
    assert picture_similarity(a, a.filter(ImageFilter.GaussianBlur(1))) > 0.9
    assert picture_similarity(a, scene(2)) < 0.45
    shifted = Image.new("L", a.size)
    shifted.paste(a, (12, 0))
    assert picture_similarity(a, scene(2)) < picture_similarity(a, shifted) < 0.95
    assert ssim(Image.new("L", (64, 36), 0), Image.new("L", (64, 36), 255)) < 0.01
    with pytest.raises(ValueError, match="different sizes"):
        ssim(a, scene(1, (90, 160)))
    with pytest.raises(ValueError, match="too small"):
        ssim(Image.new("L", (4, 4)), Image.new("L", (4, 4)))


def test_every_threshold_has_a_label_a_description_and_a_range() -> None:
    described = QcThresholds.describe()
    assert [d["name"] for d in described] == list(QcThresholds().to_json())
    for item in described:
        assert item["label"] and item["description"].endswith(".") and item["min"] <= item["default"] <= item["max"]


def test_thresholds_from_settings_keep_defaults_for_bad_values() -> None:
    limits, problems = QcThresholds.from_values({
        "similarity_pass": 0.9, "black_fail_s": "a lot", "frozen_warn_s": 99.0, "colour": 1, "similarity_fail": 0.95,
        "duration_tolerance_s": 1})
    assert (limits.similarity_pass, limits.similarity_fail, limits.duration_tolerance_s) == (0.95, 0.95, 1.0)
    assert (limits.black_fail_s, limits.frozen_warn_s) == (QcThresholds().black_fail_s, QcThresholds().frozen_warn_s)
    assert problems == [
        "QC threshold black_fail_s must be a number, not 'a lot': default kept",
        "QC threshold frozen_warn_s=99 is outside 0.2–60: default kept",
        "unknown QC threshold 'colour' ignored",
        "QC threshold similarity_pass=0.9 is beyond similarity_fail=0.95: set to 0.95"]


def measures(**changes) -> Measures:
    values = {"duration_s": 6.0, "width": 1920, "height": 1080, "fps": 24.0, "has_audio": False,
              "first_similarity": 0.97, "last_similarity": 0.96} | changes
    return Measures(**values)


ORDER = ClipOrder(FrameRef(Path("/x/01-harbour.jpg")), FrameRef(Path("/x/06-can-hero.jpg")),
                  duration_s=6.0, resolution="1080p", aspect="16:9")


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, []),
    ({"last_similarity": 0.31}, ["fail: ends on a different picture than 06-can-hero.jpg (similarity 0.31)"]),
    ({"first_similarity": 0.62}, ["warn: starts close to, but not exactly on, 01-harbour.jpg (similarity 0.62)"]),
    ({"black": (Interval(0.0, 2.1),), "first_similarity": 0.1},
     ["fail: starts on black instead of 01-harbour.jpg", "fail: 2.1 s of black at the start"]),
    ({"black": (Interval(2.0, 2.3),)}, ["warn: 0.3 s of black from 2.0 s to 2.3 s"]),
    ({"black": (Interval(2.0, 2.1),)}, []),
    ({"frozen": (Interval(0.0, 6.0),)}, ["fail: the whole clip is a still picture"]),
    ({"frozen": (Interval(1.0, 2.6),)}, ["warn: the picture freezes for 1.6 s from 1.0 s to 2.6 s"]),
    ({"frozen": (Interval(5.2, 6.0),)}, []),
    ({"duration_s": 6.04}, []),
    ({"duration_s": 5.04}, ["warn: lasts 5.0 s; 6 s was ordered"]),
    ({"duration_s": 8.0, "width": 1280, "height": 720},
     ["warn: lasts 8.0 s; 6 s was ordered", "warn: is 1280×720 (720p); 1080p was ordered"]),
    ({"width": 1080, "height": 1920}, ["warn: is 9:16 (1080×1920); 16:9 was ordered"]),
    ({"width": 1366, "height": 768},
     ["warn: is 1366×768 (768p); 1080p was ordered"]),
])
def test_the_verdict_and_its_reasons(changes: dict, expected: list[str]) -> None:
    qc = judge_clip(measures(**changes), ORDER, QcThresholds())
    assert qc.lines() == expected
    assert qc.verdict is Verdict.worst(Verdict(line.split(":")[0]) for line in expected)
    assert ClipQc.from_json(json.loads(json.dumps(qc.to_json()))) == qc


def test_a_clip_without_an_order_is_judged_on_its_pictures_only() -> None:
    qc = judge_clip(measures(first_similarity=None, last_similarity=None, has_audio=True), ClipOrder(), QcThresholds())
    assert qc.verdict is Verdict.PASS


def brand(*issues: BrandIssue, verdict: Verdict | None = Verdict.FAIL, error: str = "") -> BrandCheck:
    return BrandCheck(verdict, "summary", issues, error=error)


def test_a_brand_check_replaces_the_previous_one() -> None:
    qc = judge_clip(measures(frozen=(Interval(0.0, 2.0),)), ORDER, QcThresholds())
    assert qc.verdict is Verdict.WARN
    first = qc.with_brand(brand(BrandIssue(1.5, IssueKind.TEXT_ON_SCREEN, Verdict.FAIL, "SALE")))
    assert first.verdict is Verdict.FAIL and first.lines()[0] == "fail: text appeared at 1.5 s: SALE"
    second = first.with_brand(brand(verdict=Verdict.PASS))
    assert second.verdict is Verdict.WARN and [r.check for r in second.reasons] == [Check.FROZEN]
    assert second.brand == brand(verdict=Verdict.PASS)
    failed = qc.with_brand(brand(verdict=Verdict.FAIL))
    assert failed.lines()[0] == "fail: summary"


def test_a_brand_reply_of_the_schema_passes_unchanged() -> None:
    reply = validate_brand_reply(json.dumps({"verdict": "warn", "summary": " A  bit   dull. ", "issues": [
        {"time_s": 2.25, "kind": "off_tone", "severity": "warn", "detail": "Grey light."}]}), [0.75, 2.25])
    assert reply.verdict is Verdict.WARN and reply.summary == "A bit dull." and reply.repairs == ()
    assert reply.issues == (BrandIssue(2.25, IssueKind.OFF_TONE, Verdict.WARN, "Grey light."),)
    assert set(BRAND_SCHEMA["required"]) == {"verdict", "summary", "issues"}


@pytest.mark.parametrize(("reply", "expected_verdict", "expected_repairs"), [
    ('Sure! ```{"verdict": "pass", "summary": "", "issues": []}```', Verdict.PASS,
     ["the reply had text around its JSON: the JSON part was used"]),
    ('{"verdict": "unsure", "issues": [{"time_s": 0.75, "kind": "logo_distorted", "severity": "warn"}]}',
     Verdict.WARN, ["verdict 'unsure' is not pass, warn or fail — set to warn from the issues"]),
    ('{"verdict": "fail"}', Verdict.FAIL, ["the reply has no list of issues — taken as none"]),
    ('{"verdict": "fail", "issues": [{"time_s": 0.75, "kind": "other"}]}', Verdict.FAIL,
     ["issue 1: severity None is neither warn nor fail — set to fail"]),
])
def test_brand_replies_are_repaired(reply: str, expected_verdict: Verdict, expected_repairs: list[str]) -> None:
    result = validate_brand_reply(reply, [0.75, 2.25])
    assert result.verdict is expected_verdict and list(result.repairs) == expected_repairs


@pytest.mark.parametrize("reply", ["", "no", "[1, 2]", '{"issues": {"a": 1}}'])
def test_unusable_brand_replies_raise(reply: str) -> None:
    with pytest.raises(MalformedReply):
        validate_brand_reply(reply, [1.0])


def test_too_many_issues_are_cut() -> None:
    issues = [{"time_s": 1.0, "kind": "other", "severity": "warn", "detail": str(n)} for n in range(25)]
    result = validate_brand_reply(json.dumps({"verdict": "warn", "summary": "", "issues": issues}), [1.0])
    assert len(result.issues) == 20 and result.repairs == ("25 issues listed: kept the first 20",)


def test_retry_prompts_gain_requirements_once() -> None:
    qc = judge_clip(measures(last_similarity=0.3, black=(Interval(2.0, 3.0),)), ORDER, QcThresholds())
    qc = qc.with_brand(brand(BrandIssue(1.0, IssueKind.TEXT_ON_SCREEN, Verdict.FAIL)))
    once = retry_prompt("Slow push-in over the harbour", qc)
    assert once == ("Slow push-in over the harbour. Requirements: the clip must end exactly on the last image; "
                    "no black frames or fades to black; no text on screen.")
    assert retry_prompt(once, qc) == once
    frozen = judge_clip(measures(frozen=(Interval(0.0, 3.0),)), ORDER, QcThresholds())
    assert retry_prompt(once, frozen) == once[:-1] + (
        "; keep the camera or the subject moving the whole time, with no still stretches.")
    assert retry_prompt("", frozen) == ("Requirements: keep the camera or the subject moving the whole time, with no "
                                        "still stretches.")


def test_what_a_prompt_cannot_fix_leaves_it_alone() -> None:
    qc = judge_clip(measures(duration_s=9.0, width=640, height=360), ORDER, QcThresholds())
    assert qc.verdict is Verdict.WARN
    assert retry_prompt("Pan left!", qc) == "Pan left!"
    assert retry_prompt("Pan left!", ClipQc(Verdict.PASS, (Reason(Check.FIRST_FRAME, Verdict.PASS, "ok"),))) == \
        "Pan left!"

"""Turning probed clips, options and a brand kit into finished deliverables (no database: plain values in).

``render_deliverables`` is the one entry point. Per format it writes ``<name>.mp4``, ``<name>.srt`` (the supers'
cues, always) and ``<name>.json`` (the manifest, written last: its presence means the set is complete).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from app.config import Settings
from app.core.atomic import atomic_write_text, partial_file
from app.core.domain import Transition
from app.core.media.brand_kit import BrandKit, BrandKitError, check_brand, ffmpeg_color, hex_color, load_logo
from app.core.media.captions import CaptionError, format_srt
from app.core.media.combine import CONTAINERS, ClipInput, CombineError, CombineOptions, container_for, plan_combine
from app.core.media.deliver_graph import (
    DRAFT,
    DRAFT_SHORT_SIDE,
    FINAL,
    Encoding,
    FormatBranch,
    GraphClip,
    ImageOverlay,
    RenderSpec,
    build_measure_args,
    build_render_args,
    canvas_size,
    output_sizes,
)
from app.core.media.deliver_manifest import ManifestClip, ManifestSuper, build_deliverable_manifest
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.deliverables import (
    DeliverableResult,
    DeliverClip,
    OutputTarget,
    RenderContext,
    SkippedClip,
    result_for,
)
from app.core.media.draft_cache import DRAFT_CACHE_KEEP, copy_set, draft_key, load_cached, prune_cache, staged_targets
from app.core.media.end_card import EndCardError, EndCardLayout, draw_end_card, layout_end_card
from app.core.media.ffmpeg import FFmpegError, run_ffmpeg
from app.core.media.formats import aspect_slug, length_warning
from app.core.media.logo_bug import layout_logo_bug
from app.core.media.loudness import (
    DRAFT_MEASURE_FILTER,
    TRUE_PEAK_LIMIT_DBTP,
    Loudness,
    LoudnessError,
    apply_filter,
    draft_gain_filter,
    measure_file,
    measure_filter,
    parse_ebur128_summary,
    parse_loudnorm_json,
)
from app.core.media.output_files import publish, sha256_of
from app.core.media.probe import MediaInfo, probe
from app.core.media.proxies import with_proxies
from app.core.media.safe_area import Rect
from app.core.media.supers import BRAND, CAPTION, SuperOverlay, choose_cues, layout_supers
from app.core.media.timeline import TimelineError, build_timeline, check_joins_fit
from app.core.media.transitions import TransitionError, plan_joins

log = logging.getLogger(__name__)
DEFAULT_FPS = 30
FPS_TOLERANCE = 0.01
MEASURE_WEIGHT = 0.08  # shares of the progress bar: loudness pass one, the render, measuring the files
CHECK_WEIGHT = 0.04
MEASURE_TAIL_LINES = 60


@dataclass
class _Prepared:
    """Per format: the overlays drawn for it and what the manifest says of them."""

    branch: FormatBranch
    supers: list[SuperOverlay]
    end_card: EndCardLayout | None
    logo_bug: Rect | None


async def render_deliverables(clips: Sequence[DeliverClip], options: DeliverOptions, brand: BrandKit,
                              output: Path, *, skipped: Sequence[SkippedClip] = (), cache_dir: Path | None = None,
                              proxy_dir: Path | None = None, on_progress: Callable[[float], None] | None = None,
                              cancel: asyncio.Event | None = None) -> list[DeliverableResult]:
    """Render every format ``options`` asks for from ``clips`` (in order), dressed in ``brand``.

    ``output`` is the video file when one format is made and it ends in .mp4/.m4v/.mov/.mkv; otherwise a
    folder that receives ``<campaign>-<aspect>.mp4`` (``9:16`` → ``9x16``) with its ``.json`` and ``.srt``.
    ``skipped`` lists clips the caller already left out (e.g. failed generations), for the manifest. A draft
    with a ``cache_dir`` is reused when the same clips, options and brand kit were rendered before, and reads the
    clips that have a proxy in ``proxy_dir`` from it (``proxies``).
    ``on_progress`` gets a rising fraction 0..1; setting ``cancel`` (or cancelling the task) stops FFmpeg,
    removes partial files and raises ``asyncio.CancelledError``. Raises ``DeliverError`` with a plain message.
    """
    progress = _Progress(on_progress)
    try:
        check_brand(brand)
    except BrandKitError as exc:
        raise DeliverError(str(exc)) from None
    usable, dropped = _usable_clips(clips, options.skip_failed)
    skipped_all = [*skipped, *dropped]
    music = await _probe_music(options.music) if options.music else None
    try:
        joins = plan_joins(options.transition, len(usable), options.transition_s)
        durations = [c.info.duration_s for c in usable if c.info]
        check_joins_fit([c.label or c.path.name for c in usable], durations, joins)
    except (TransitionError, TimelineError) as exc:
        if dropped and len(options.transition) > 1:
            raise DeliverError(f"{exc} ({len(dropped)} clip(s) were skipped)") from None
        raise DeliverError(str(exc)) from None
    timeline = build_timeline(durations, joins, options.end_card_seconds if options.end_card else 0.0)
    try:
        cues = choose_cues(options.supers, brand, timeline)  # type: ignore[arg-type]
    except CaptionError as exc:
        raise DeliverError(str(exc)) from None
    reference = usable[0].info
    assert reference is not None
    short = options.height or min(reference.width, reference.height)
    if options.draft:
        short = min(short, DRAFT_SHORT_SIDE)
    aspects = options.outputs
    sizes = output_sizes(aspects, reference, short)
    targets = _targets(output, aspects, sizes, brand.campaign)
    for target in targets:
        if any(target.video.resolve() == c.path.resolve() for c in usable):
            raise DeliverError(f"the output {target.video.name} would overwrite one of the clips")
    warnings = [w for w in [length_warning(options.length, timeline.total_s)] if w]  # type: ignore[arg-type]
    context = RenderContext(usable, skipped_all, options, brand, timeline, cues, music, targets, warnings)
    progress(0.0)  # under way: a view shows its bar from the start
    if options.draft and cache_dir is not None:
        key = draft_key(context)
        cached = await load_cached(cache_dir / f"draft-{key}", context)
        if cached is not None:
            progress(1.0)
            return cached
        staged = staged_targets(cache_dir / f"draft-{key}", context)
        results = await _render(replace(context, targets=staged), progress, cancel, proxy_dir)
        copies = await copy_set(results, context, cached=False)
        await asyncio.get_running_loop().run_in_executor(None, prune_cache, cache_dir, DRAFT_CACHE_KEEP)
        return copies
    return await _render(context, progress, cancel, proxy_dir)


class _Progress:
    """Maps each phase's own 0..1 onto a share of the whole, and never goes backwards."""

    def __init__(self, callback: Callable[[float], None] | None) -> None:
        self.callback = callback
        self.last = 0.0

    def __call__(self, fraction: float) -> None:
        fraction = max(self.last, min(1.0, fraction))
        if self.callback and (fraction - self.last >= 0.002 or fraction == 1.0 or self.last == 0.0):
            self.callback(fraction)
        self.last = fraction

    def phase(self, start: float, end: float) -> Callable[[float], None]:
        return lambda f: self(start + (end - start) * f)


def _usable_clips(clips: Sequence[DeliverClip], skip_failed: bool) -> tuple[list[DeliverClip], list[SkippedClip]]:
    usable: list[DeliverClip] = []
    dropped: list[SkippedClip] = []
    for index, clip in enumerate(clips):
        label = clip.label or f"clip {index + 1}"
        clip = replace(clip, label=label)
        reason = _unusable(clip)
        if reason is None:
            usable.append(clip)
        elif skip_failed:
            dropped.append(SkippedClip(label, reason))
        else:
            raise DeliverError(f"{label} {reason} (leave such clips out with --skip-failed)")
    if not usable:
        raise DeliverError("there are no usable clips to combine" + (f" ({len(dropped)} skipped)" if dropped else ""))
    return usable, dropped


def _unusable(clip: DeliverClip) -> str | None:
    if not clip.path.is_file():
        return f"is missing: {clip.path} does not exist"
    if clip.info is None:
        return f"cannot be read: {clip.error or 'probing failed'}"
    if not clip.info.has_video or clip.info.duration_s <= 0 or clip.info.width <= 0:
        return "holds no playable video"
    return None


async def _probe_music(path: Path) -> MediaInfo:
    if not path.is_file():
        raise DeliverError(f"the music file {path} does not exist")
    try:
        info = await probe(path)
    except FFmpegError as exc:
        raise DeliverError(f"the music file cannot be read: {exc}") from None
    if not info.has_audio:
        raise DeliverError(f"the music file {path.name} holds no audio")
    return info


def _targets(output: Path, aspects: Sequence[str], sizes: Sequence[tuple[int, int]],
             campaign: str) -> list[OutputTarget]:
    output = output.expanduser().absolute()
    if len(aspects) == 1 and output.suffix.lower() in CONTAINERS:
        try:
            container_for(output)
        except CombineError as exc:
            raise DeliverError(str(exc)) from None
        return [OutputTarget(aspects[0], *sizes[0], output)]
    if output.suffix.lower() in CONTAINERS:
        raise DeliverError(f"{len(aspects)} formats need a folder as the output, not the file {output.name}")
    if output.exists() and not output.is_dir():
        raise DeliverError(f"the output {output} exists and is not a folder")
    return [OutputTarget(aspect, w, h, output / format_file_name(campaign, aspect))
            for aspect, (w, h) in zip(aspects, sizes, strict=True)]


def format_file_name(campaign: str, aspect: str) -> str:
    """The video file of one format in a multi-format folder: ``<campaign>-<aspect>.mp4`` (``9:16`` → ``9x16``)."""
    return f"{_slug(campaign)}-{aspect_slug(aspect)}.mp4"


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", name.strip(), flags=re.UNICODE).strip("-.")
    return slug[:80] or "ad"


def _fps(clips: Sequence[DeliverClip], options: DeliverOptions) -> Fraction:
    if options.fps is not None:
        return Fraction(options.fps)
    rates = [c.info.fps for c in clips if c.info]
    if rates and min(rates) > 0 and max(rates) - min(rates) <= FPS_TOLERANCE:
        return Fraction(rates[0]).limit_denominator(1001)
    return Fraction(DEFAULT_FPS)


async def _render(context: RenderContext, progress: _Progress, cancel: asyncio.Event | None,
                  proxy_dir: Path | None = None) -> list[DeliverableResult]:
    options = context.options
    if _can_stream_copy(context):
        copied = await _stream_copy(context, progress, cancel)
        if copied is not None:
            return copied
    fps = _fps(context.clips, options)
    reference = context.clips[0].info
    assert reference is not None
    canvas = canvas_size(reference, [(t.width, t.height) for t in context.targets], options.fit)
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory(prefix="pairframe-deliver-") as work, contextlib.ExitStack() as partials:
        temps = [partials.enter_context(partial_file(t.video)) for t in context.targets]
        prepared = await loop.run_in_executor(None, _prepare, context, Path(work), temps)
        clips = tuple(GraphClip(c.path, c.info, c.focus) for c in context.clips if c.info)
        if options.draft and proxy_dir is not None:
            clips = await loop.run_in_executor(None, with_proxies, proxy_dir, clips, canvas, options.fit)
        spec = RenderSpec(
            clips=clips, timeline=context.timeline,
            canvas=canvas, fps=fps, fit=options.fit, pad_color=ffmpeg_color(context.brand.primary),
            branches=tuple(p.branch for p in prepared), encoding=_encoding(options.draft, len(prepared)),
            music=context.music, music_volume=options.music_volume, music_fade_s=options.music_fade_s,
            clip_audio=options.clip_audio, extra_args=() if options.draft else ("-xerror",))
        measured = await _measure_pass(spec, context, progress.phase(0.0, MEASURE_WEIGHT), cancel)
        spec = replace(spec, loudness_filter=measured.filter)
        log.info("rendering %d format(s) from %d clip(s), %.2f s, draft %s", len(spec.branches),
                 len(spec.clips), context.timeline.total_s, options.draft)
        try:
            await run_ffmpeg(build_render_args(spec), duration_s=context.timeline.total_s,
                             on_progress=progress.phase(MEASURE_WEIGHT, 1.0 - CHECK_WEIGHT), cancel=cancel,
                             what="rendering the deliverables")
        except FFmpegError as exc:
            raise DeliverError(await _explain(str(exc), context.clips)) from None
        checks = await asyncio.gather(*(_check_output(p.branch.output, context, cancel) for p in prepared))
        progress(1.0)
        results = []
        for target, item, (info, loudness) in zip(context.targets, prepared, checks, strict=True):
            results.append(await loop.run_in_executor(
                None, _publish_set, target, item, info, loudness, context, measured, False))
        return results


def _encoding(draft: bool, formats: int) -> Encoding:
    """The draft or final settings; several encoders share the cores (one x264 thread each on two cores)."""
    encoding = DRAFT if draft else FINAL
    if formats > 1:
        encoding = replace(encoding, threads=max(1, (os.cpu_count() or 1) // formats))
    return encoding


def _prepare(context: RenderContext, work: Path, temps: list[Path]) -> list[_Prepared]:
    """Draw every overlay of every format (blocking: Pillow) and name each format's temporary output."""
    options, brand = context.options, context.brand
    try:
        logo = load_logo(brand) if (options.end_card or options.logo_bug) else None
    except BrandKitError as exc:
        raise DeliverError(str(exc)) from None
    if options.logo_bug and logo is None:
        raise DeliverError("the logo bug needs a logo in the brand kit")
    style = CAPTION if options.captions else BRAND
    cta = options.cta if options.cta is not None else brand.cta
    prepared = []
    for k, target in enumerate(context.targets):
        temp = temps[k]
        supers = layout_supers(context.cues, brand, style, target.width, target.height, target.aspect)
        overlays = []
        for j, item in enumerate(supers):
            path = work / f"super-{k}-{j}.png"
            item.image.save(path, compress_level=1)
            overlays.append(ImageOverlay(path, item.box, item.cue.start_s, item.cue.end_s))
        bug_overlay = None
        if options.logo_bug and logo is not None:
            bug = layout_logo_bug(logo, target.width, target.height, target.aspect, options.logo_bug_corner,
                                  options.logo_bug_opacity, options.logo_bug_margin)
            path = work / f"bug-{k}.png"
            bug.image.save(path, compress_level=1)
            bug_overlay = ImageOverlay(path, bug.box, 0.0, context.timeline.clips_end)
        card_overlay = card_layout = None
        if options.end_card:
            try:
                card_layout = layout_end_card(brand, cta, target.width, target.height, target.aspect,
                                              logo.size if logo else None)
            except EndCardError as exc:
                raise DeliverError(str(exc)) from None
            image, box = draw_end_card(card_layout, logo, brand.font)
            path = work / f"card-{k}.png"
            image.save(path, compress_level=1)
            card_overlay = ImageOverlay(path, box, context.timeline.clips_end, context.timeline.total_s)
        branch = FormatBranch(target.aspect, target.width, target.height, temp, tuple(overlays), bug_overlay,
                              card_overlay, ffmpeg_color(brand.primary))
        prepared.append(_Prepared(branch, supers, card_layout, bug_overlay.box if bug_overlay else None))
    return prepared


@dataclass(frozen=True)
class _Measured:
    """Loudness pass one: the filter that normalises, and the mode the manifest names."""

    filter: str | None
    mode: str


async def _measure_pass(spec: RenderSpec, context: RenderContext, on_progress: Callable[[float], None],
                        cancel: asyncio.Event | None) -> _Measured:
    """Measure the ad's audio (audio only): loudnorm for a final, a cheaper ebur128 pass for a draft."""
    target = context.options.loudness
    if target is None or not spec.has_audio:
        return _Measured(None, "off")
    draft = context.options.draft
    what = DRAFT_MEASURE_FILTER if draft else measure_filter(float(target))
    try:
        lines = await run_ffmpeg(build_measure_args(spec, what), duration_s=context.timeline.total_s,
                                 on_progress=on_progress, cancel=cancel, what="measuring the loudness",
                                 tail_lines=MEASURE_TAIL_LINES)
    except FFmpegError as exc:
        raise DeliverError(await _explain(str(exc), context.clips)) from None
    if draft:
        gain = draft_gain_filter(float(target), parse_ebur128_summary(lines))
        return _Measured(gain, "draft linear gain" if gain else "silent")
    try:
        return _Measured(apply_filter(float(target), parse_loudnorm_json(lines)), "two-pass linear")
    except LoudnessError:
        log.info("the ad's audio is silent: no loudness normalisation")
        return _Measured(None, "silent")


async def _check_output(path: Path, context: RenderContext, cancel: asyncio.Event | None) -> tuple[MediaInfo, Loudness]:
    try:
        info = await probe(path)
    except FFmpegError as exc:
        raise DeliverError(f"FFmpeg wrote no readable video: {exc}") from None
    expected = context.timeline.total_s
    if abs(info.duration_s - expected) > 0.25 + 0.03 * len(context.clips):  # a clip was cut off
        detail = await _explain("", context.clips)
        raise DeliverError(f"the ad lasts {info.duration_s:.2f} s instead of {expected:.2f} s"
                           + (f": {detail}" if detail else ""))
    loudness = Loudness(None, None)
    if info.has_audio:
        try:
            loudness = await measure_file(path, cancel=cancel)
        except LoudnessError as exc:
            raise DeliverError(str(exc)) from None
    return info, loudness


def _publish_set(target: OutputTarget, item: _Prepared, info: MediaInfo, loudness: Loudness, context: RenderContext,
                 measured: _Measured, stream_copy: bool) -> DeliverableResult:
    """Move the video into place, then write its .srt and, last, its manifest (blocking)."""
    publish(item.branch.output, target.video)
    atomic_write_text(target.srt, format_srt(context.cues))
    size, sha256 = sha256_of(target.video)
    manifest = _manifest(target, item, info, loudness, context, measured, stream_copy, size, sha256)
    atomic_write_text(target.manifest, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return result_for(target, info.width, info.height, info.duration_s, info.has_audio, loudness, stream_copy,
                   context, cached=False)


def _manifest(target: OutputTarget, item: _Prepared | None, info: MediaInfo, loudness: Loudness, context: RenderContext,
              measured: _Measured, stream_copy: bool, size: int, sha256: str) -> dict[str, Any]:
    options, brand, timeline = context.options, context.brand, context.timeline
    style = None
    if context.cues and item is not None:
        style = CAPTION.name if options.captions else BRAND.name
    boxes = [s.box for s in item.supers] if item and item.supers else [None] * len(context.cues)
    supers = [ManifestSuper(cue, box) for cue, box in zip(context.cues, boxes, strict=True)]
    card = None
    if item is not None and item.end_card is not None:
        layout = item.end_card
        card = {"start_s": round(timeline.clips_end, 3), "duration_s": round(timeline.end_card_s, 3),
                "background": hex_color(layout.background), "text_color": hex_color(layout.text_color),
                "cta": options.cta if options.cta is not None else brand.cta, "url": brand.product_url,
                "logo": brand.logo_path.name if brand.logo_path else None, "layout": layout.boxes()}
    music = None
    if context.music:
        music = {"file": context.music.path.name, "volume": options.music_volume, "fade_s": options.music_fade_s}
    target_lufs = options.loudness
    loudness_entry = {
        "target_lufs": target_lufs, "true_peak_limit_dbtp": TRUE_PEAK_LIMIT_DBTP if target_lufs is not None else None,
        "mode": measured.mode if info.has_audio else "off",
        "loudness_lufs": loudness.lufs, "true_peak_dbtp": loudness.true_peak_dbtp,
    }
    video = {"file": target.video.name, "bytes": size, "sha256": sha256, "width": info.width, "height": info.height,
             "fps": round(info.fps, 3), "duration_s": round(info.duration_s, 3), "aspect": target.aspect,
             "fit": options.fit, "has_audio": info.has_audio, "stream_copy": stream_copy}
    clips = [ManifestClip(c.label, c.path.name, c.info.duration_s if c.info else 0.0, c.focus, c.meta)
             for c in context.clips]
    return build_deliverable_manifest(
        campaign=brand.campaign, video=video, clips=clips,
        skipped=[{"label": s.label, "reason": s.reason} for s in context.skipped], timeline=timeline,
        end_card=card, supers=supers, supers_style=style, srt_file=target.srt.name,
        logo_bug=_bug_entry(options, item.logo_bug if item else None),
        music=music, loudness=loudness_entry,
        length={"target": options.length, "duration_s": round(timeline.total_s, 3)},
        warnings=context.warnings, draft=options.draft, extra=options.extra)


def _bug_entry(options: DeliverOptions, box: Rect | None) -> dict[str, Any] | None:
    if box is None:
        return None
    return {"corner": options.logo_bug_corner, "opacity": options.logo_bug_opacity, "margin": options.logo_bug_margin,
            "box": box.as_list()}


def _can_stream_copy(context: RenderContext) -> bool:
    """Plain cuts, one format, nothing drawn, no music, no loudness change: the clips may be joined by copying."""
    options = context.options
    return (len(context.targets) == 1 and all(j.name == "cut" for j in context.timeline.joins)
            and not options.end_card and not options.logo_bug and not context.cues and context.music is None
            and options.loudness is None and not options.draft)


async def _stream_copy(context: RenderContext, progress: _Progress,
                       cancel: asyncio.Event | None) -> list[DeliverableResult] | None:
    """Join by the concat demuxer when ``plan_combine`` says the clips allow it; ``None`` when they do not."""
    target = context.targets[0]
    with partial_file(target.video) as temp, \
            partial_file(target.video.with_name(target.video.stem + "-concat.txt")) as list_path:
        return await _stream_copy_into(temp, list_path, context, progress, cancel)


async def _stream_copy_into(temp: Path, list_path: Path, context: RenderContext, progress: _Progress,
                            cancel: asyncio.Event | None) -> list[DeliverableResult] | None:
    target = context.targets[0]
    options = context.options
    clips = [ClipInput(c.path, c.info, c.label) for c in context.clips if c.info]
    try:
        plan = plan_combine(clips, CombineOptions(transition=Transition.CUT, aspect=options.aspect,
                                                  fit=options.fit, height=options.height, fps=options.fps,
                                                  clip_audio=options.clip_audio),
                            Settings(), output=temp, list_path=list_path)
        if not plan.stream_copy:
            return None
        list_path.write_text(plan.concat_list, encoding="utf-8")
        try:
            await run_ffmpeg(plan.args, duration_s=plan.duration_s, on_progress=progress.phase(0.0, 0.95),
                             cancel=cancel, what="joining the clips")
        except FFmpegError as exc:
            raise DeliverError(await _explain(str(exc), context.clips)) from None
        info, loudness = await _check_output(temp, context, cancel)
        item = _Prepared(FormatBranch(target.aspect, info.width, info.height, temp), [], None, None)
        result = await asyncio.get_running_loop().run_in_executor(
            None, _publish_set, target, item, info, loudness, context, _Measured(None, "off"), True)
        progress(1.0)
        return [result]
    except CombineError as exc:
        raise DeliverError(str(exc)) from None


async def _explain(message: str, clips: Sequence[DeliverClip]) -> str:
    """Name the clip behind a failure: the one FFmpeg named, else the first that does not decode cleanly."""
    for clip in clips:
        if str(clip.path) in message:
            return f"{clip.label} is damaged: {message}"
    for clip in clips:
        try:
            errors = await run_ffmpeg(["-v", "error", "-xerror", "-i", str(clip.path), "-map", "0", "-f", "null", "-"],
                                      what=f"checking {clip.path.name}")
        except FFmpegError as exc:
            return f"{clip.label} is damaged: {exc}"
        if errors:
            return f"{clip.label} is damaged: {errors[-1]}"
    return message

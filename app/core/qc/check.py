"""Quality control of clips, off the event loop: FFmpeg in a subprocess, picture work on worker threads.

``check_clip`` judges one clip against what was ordered; ``check_clips`` judges a job's clips (FFmpeg runs one
per core, the rest wait their turn), adds the seams of a storyline chain (the last frame of clip i against the
first of clip i+1) and, when asked, a brand check of each clip. The first and last frames of recently scanned
clips are kept (a few KB each), so the seams of clips checked one by one as they finish cost no second decode
(``check_seams``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from app.core.media.ffmpeg import FFmpegError
from app.core.qc.brand_check import DEFAULT_SAMPLES, BrandBrief, BrandChecker
from app.core.qc.frames import (
    ClipScan,
    SampledFrame,
    qc_workers,
    reference_luma,
    sample_frames,
    sample_times,
    scan_clip,
)
from app.core.qc.levels import Verdict
from app.core.qc.similarity import picture_similarity
from app.core.qc.thresholds import QcThresholds
from app.core.qc.verdict import (
    Check,
    ClipOrder,
    ClipQc,
    FrameRef,
    Measures,
    Reason,
    judge_clip,
    seam_reason,
    unreadable,
)

log = logging.getLogger(__name__)

SCAN_TIMEOUT_S = 120.0
_KEPT_ENDS = 256
_ends: collections.OrderedDict[tuple[str, int, int], tuple[Image.Image, Image.Image]] = collections.OrderedDict()


@dataclass(frozen=True, slots=True)
class SeamQc:
    """The join between clip ``index`` and clip ``index + 1`` (0-based) of a storyline chain."""

    index: int
    similarity: float | None
    verdict: Verdict
    text: str = ""  # "clip 3 does not start where clip 2 ends (similarity 0.41)"
    reason: Reason | None = None  # the same finding as a reason of the later clip

    def to_json(self) -> dict[str, Any]:
        return {"between": [self.index, self.index + 1], "similarity": self.similarity,
                "verdict": self.verdict.value, "text": self.text}


@dataclass(frozen=True, slots=True)
class JobQc:
    """The QC of a job's clips, in order, and of the seams between them (chain mode only)."""

    clips: tuple[ClipQc, ...]
    seams: tuple[SeamQc, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return Verdict.worst(clip.verdict for clip in self.clips)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "clips": [c.to_json() for c in self.clips],
                "seams": [s.to_json() for s in self.seams]}


@dataclass(frozen=True, slots=True)
class BrandRequest:
    """Ask ``checker`` about every clip against ``brief``, sampling ``samples`` frames of each."""

    checker: BrandChecker
    brief: BrandBrief
    samples: int = DEFAULT_SAMPLES


def _key(clip: Path) -> tuple[str, int, int] | None:
    try:
        stat = clip.stat()
    except OSError:
        return None
    return str(clip.resolve()), stat.st_size, stat.st_mtime_ns


def _keep_ends(clip: Path, scan: ClipScan) -> None:
    if (key := _key(clip)) is None:
        return
    _ends[key] = (scan.first, scan.last)
    _ends.move_to_end(key)
    while len(_ends) > _KEPT_ENDS:
        _ends.popitem(last=False)


def _similarity(ref: FrameRef, frame: Image.Image, scan: ClipScan) -> float:
    """How alike ``frame`` and ``ref`` fitted to the clip look (blocking: runs on a worker thread)."""
    picture = reference_luma(ref.path, (scan.info.width, scan.info.height), scan.analysis_size)
    return picture_similarity(frame, picture)


async def _compare(ref: FrameRef | None, frame: Image.Image, scan: ClipScan, check: Check
                   ) -> tuple[float | None, Reason | None]:
    if ref is None:
        return None, None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(qc_workers, _similarity, ref, frame, scan), None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        which = "first" if check is Check.FIRST_FRAME else "last"
        log.info("QC: cannot read %s: %s", ref.path, exc)
        return None, Reason(check, Verdict.WARN, f"the {which} frame could not be compared: {ref.name} cannot be "
                                                 "read")


async def _scan(clip: Path, limits: QcThresholds) -> ClipScan:
    return await scan_clip(clip, black_pixel=limits.black_pixel, black_min_s=min(limits.black_warn_s, 0.1),
                           freeze_noise_db=limits.freeze_noise_db,
                           freeze_min_s=min(limits.frozen_warn_s, limits.frozen_fail_s), timeout_s=SCAN_TIMEOUT_S)


async def check_clip(clip: Path, order: ClipOrder, limits: QcThresholds | None = None) -> ClipQc:
    """The QC of one clip: fidelity of its first and last frames, black, frozen, and the order's terms.

    Never raises for a bad clip: an unreadable one fails with the reason. Cancelling stops FFmpeg.
    """
    limits = limits or QcThresholds()
    try:
        scan = await _scan(clip, limits)
    except FFmpegError as exc:
        return unreadable(str(exc))
    _keep_ends(clip, scan)
    (first, first_problem), (last, last_problem) = await asyncio.gather(
        _compare(order.first, scan.first, scan, Check.FIRST_FRAME),
        _compare(order.last, scan.last, scan, Check.LAST_FRAME))
    info = scan.info
    measures = Measures(info.duration_s, info.width, info.height, info.fps, info.has_audio, scan.black, scan.frozen,
                        first, last, tuple(p for p in (first_problem, last_problem) if p))
    return judge_clip(measures, order, limits)


async def _ends_of(clip: Path, limits: QcThresholds) -> tuple[Image.Image, Image.Image] | None:
    key = _key(clip)
    if key is not None and key in _ends:
        return _ends[key]
    try:
        scan = await _scan(clip, limits)
    except FFmpegError:
        return None
    _keep_ends(clip, scan)
    return scan.first, scan.last


def _seam_similarity(previous_last: Image.Image, following_first: Image.Image) -> float:
    if following_first.size != previous_last.size:
        following_first = following_first.resize(previous_last.size, Image.Resampling.BOX)
    return picture_similarity(previous_last, following_first)


async def check_seams(clips: Sequence[Path | None], limits: QcThresholds | None = None,
                      labels: Sequence[str] = ()) -> tuple[SeamQc, ...]:
    """The seams of a storyline chain: each clip's last frame against the next one's first (None: a clip missing).

    ``labels`` name the clips in messages (default "clip 1", "clip 2", …).
    """
    limits = limits or QcThresholds()
    names = [labels[i] if i < len(labels) and labels[i] else f"clip {i + 1}" for i in range(len(clips))]
    ends = await asyncio.gather(*(_ends_of(clip, limits) if clip else _nothing() for clip in clips))
    loop = asyncio.get_running_loop()
    seams = []
    for index in range(len(clips) - 1):
        before, after = ends[index], ends[index + 1]
        if before is None or after is None:
            seams.append(SeamQc(index, None, Verdict.WARN, f"the seam between {names[index]} and "
                                                           f"{names[index + 1]} could not be checked"))
            continue
        similarity = await loop.run_in_executor(qc_workers, _seam_similarity, before[1], after[0])
        reason = seam_reason(similarity, names[index], limits)
        seams.append(SeamQc(index, similarity, reason.verdict if reason else Verdict.PASS,
                            f"{names[index + 1]} {reason.text}" if reason else "", reason))
    return tuple(seams)


async def _nothing() -> None:
    return None


async def _brand_frames(clip: Path, result: ClipQc, brand: BrandRequest | None) -> list[SampledFrame] | None:
    """The frames a brand check of ``clip`` looks at (None: no brand check, or an unreadable clip)."""
    if brand is None or result.duration_s <= 0:
        return None
    try:
        return await sample_frames(clip, sample_times(result.duration_s, brand.samples))
    except FFmpegError as exc:
        log.info("QC: no frames for the brand check of %s: %s", clip.name, exc)
        return []


async def check_clips(clips: Sequence[tuple[Path | None, ClipOrder]], limits: QcThresholds | None = None, *,
                      chain: bool = False, brand: BrandRequest | None = None,
                      on_clip: Callable[[int, ClipQc], None] | None = None) -> JobQc:
    """The QC of a job's clips in order (None: a clip without a file, which fails); FFmpeg runs one per core.

    In chain mode each seam's reason is added to the clip after it. With ``brand``, every readable clip is also
    brand-checked. ``on_clip(index, qc)`` reports each clip as soon as its own checks are done (seams come after).
    """
    limits = limits or QcThresholds()

    async def one(index: int, clip: Path | None, order: ClipOrder) -> ClipQc:
        if clip is None:
            result = unreadable("no file was delivered")
        else:
            result = await check_clip(clip, order, limits)
            frames = await _brand_frames(clip, result, brand)
            if brand is not None and frames is not None:
                found = await brand.checker.check_frames(frames, brand.brief, prompt=order.prompt)
                result = result.with_brand(found)
        if on_clip:
            on_clip(index, result)
        return result

    results = list(await asyncio.gather(*(one(i, clip, order) for i, (clip, order) in enumerate(clips))))
    seams: tuple[SeamQc, ...] = ()
    if chain and len(clips) > 1:
        labels = [order.label for _, order in clips]
        seams = await check_seams([clip for clip, _ in clips], limits, labels)
        for seam in seams:
            if seam.similarity is not None:
                following = results[seam.index + 1]
                results[seam.index + 1] = following.with_reasons([seam.reason] if seam.reason else [],
                                                                 seam_similarity=seam.similarity)
    return JobQc(tuple(results), seams)

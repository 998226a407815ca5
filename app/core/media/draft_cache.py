"""The draft cache: a draft set is kept under a hash of everything that shapes it, and reused."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from app.core.atomic import atomic_write_bytes, atomic_write_text
from app.core.media.deliverables import DeliverableResult, OutputTarget, RenderContext, result_for
from app.core.media.export import copy_with_hash
from app.core.media.formats import aspect_slug
from app.core.media.loudness import Loudness

ENGINE_VERSION = "1"  # part of the key: change it when the same options render differently
DRAFT_CACHE_KEEP = 12  # draft sets kept in the cache folder, newest first


def staged_targets(folder: Path, context: RenderContext) -> list[OutputTarget]:
    """Where a draft set lives in the cache: one file per format, named by its aspect."""
    return [replace(t, video=folder / f"{aspect_slug(t.aspect)}{t.video.suffix}") for t in context.targets]


def draft_key(context: RenderContext) -> str:
    """A hash of everything that shapes a draft: the clips' files, the options, the brand kit and its files."""
    def stamp(path: Path | None) -> list[Any] | None:
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return [str(path)]
        return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]

    options = asdict(context.options)
    options.pop("extra", None)
    data = {
        "engine": ENGINE_VERSION,
        "clips": [[stamp(c.path), list(c.focus)] for c in context.clips],
        "options": options,
        "brand": {**asdict(context.brand), "logo": stamp(context.brand.logo_path), "font": stamp(context.brand.font)},
        "music": stamp(context.music.path if context.music else None),
        "formats": [[t.aspect, t.width, t.height] for t in context.targets],
        "cues": [asdict(c) for c in context.cues],
    }
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


async def load_cached(folder: Path, context: RenderContext) -> list[DeliverableResult] | None:
    """The cached draft set copied to the targets, or ``None`` when any file of it is missing."""
    staged = staged_targets(folder, context)
    if not all(t.video.is_file() and t.srt.is_file() and t.manifest.is_file() for t in staged):
        return None
    results = []
    for target in staged:
        manifest = json.loads(target.manifest.read_text(encoding="utf-8"))
        video = manifest["video"]
        loudness = manifest["loudness"]
        results.append(result_for(target, video["width"], video["height"], video["duration_s"], video["has_audio"],
                               Loudness(loudness["loudness_lufs"], loudness["true_peak_dbtp"]), False, context,
                               cached=True))
    return await copy_set(results, context, cached=True)


async def copy_set(results: Sequence[DeliverableResult], context: RenderContext, *,
                    cached: bool) -> list[DeliverableResult]:
    """Copy rendered (or cached) drafts to the asked-for paths, their manifests renamed to match."""
    loop = asyncio.get_running_loop()
    copies = []
    for result, target in zip(results, context.targets, strict=True):
        await loop.run_in_executor(None, _copy_one, result, target, cached)
        copies.append(replace(result, video_path=target.video, manifest_path=target.manifest, srt_path=target.srt,
                              cached=cached))
    return copies


def _copy_one(result: DeliverableResult, target: OutputTarget, cached: bool) -> None:
    copy_with_hash(result.video_path, target.video)
    atomic_write_bytes(target.srt, result.srt_path.read_bytes())
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    manifest["video"]["file"] = target.video.name
    manifest["captions"]["srt"] = target.srt.name
    manifest["cached"] = cached
    atomic_write_text(target.manifest, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def prune_cache(cache_dir: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently written draft sets (blocking)."""
    sets = sorted((p for p in cache_dir.glob("draft-*") if p.is_dir()), key=lambda p: p.stat().st_mtime,
                  reverse=True)
    for old in sets[keep:]:
        shutil.rmtree(old, ignore_errors=True)

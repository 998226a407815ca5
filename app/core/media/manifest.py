"""The manifest written beside an exported ad: what it is made of, in order, and what it cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import __version__
from app.core.atomic import atomic_write_text
from app.core.media.jobs import AssetRef, ClipMedia, JobMedia

MANIFEST_VERSION = 1


def manifest_path_for(video: Path) -> Path:
    """Where the manifest of ``video`` goes: beside it, same name, ``.json``."""
    return video.with_suffix(".json")


def build_manifest(job: JobMedia, video: Path, video_bytes: int, sha256: str,
                   exported_at: datetime | None = None) -> dict[str, Any]:
    """The manifest of ``job``'s last combine, exported as ``video``.

    Lists the clips the combine used (``output_meta["clip_ids"]``, in that order) with their assets, prompts,
    model, prediction id, cost, duration and QC verdict, the clips it left out (``output_meta["skipped"]``: failed,
    canceled, …), then the joins, the music, the totals and the quality control of the clips used.
    """
    meta = job.output_meta
    by_id = {clip.id: clip for clip in job.clips}
    order = [int(i) for i in meta.get("clip_ids", [])] or list(by_id)
    durations = [float(d) for d in meta.get("clip_durations", [])]
    clips = []
    for index, clip_id in enumerate(order):
        clip = by_id.get(clip_id)
        if clip is None:
            continue
        duration = durations[index] if index < len(durations) else clip.duration_s
        clips.append(_clip_entry(index, clip, duration))
    used = [by_id[i] for i in order if i in by_id]
    cost = round(sum(entry["cost_usd"] for entry in clips), 4)
    return {
        "manifest_version": MANIFEST_VERSION,
        "generator": f"Pairframe {__version__}",
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "client": {"id": job.client_id, "name": job.client_name, "brand_colors": list(job.brand_colors)},
        "campaign": {"id": job.campaign_id, "name": job.campaign_name},
        "job": {"id": job.id, "model": job.model_id, "aspect": job.aspect, "resolution": job.resolution},
        "video": {
            "file": video.name, "bytes": video_bytes, "sha256": sha256,
            "duration_s": meta.get("duration_s"), "width": meta.get("width"), "height": meta.get("height"),
            "fps": meta.get("fps"), "aspect": meta.get("aspect"), "fit": meta.get("fit"),
            "has_audio": meta.get("has_audio"), "stream_copy": meta.get("stream_copy"),
        },
        "clips": clips,
        "skipped_clips": [dict(entry) for entry in meta.get("skipped", [])],  # left out of the ad, and why
        "joins": {"transition": meta.get("transition"), "count": max(0, len(clips) - 1),
                  "length_s": meta.get("join_s", 0.0)},
        "music": ({"file": meta["music"], "volume": meta.get("music_volume"), "fade_s": meta.get("music_fade_s")}
                  if meta.get("music") else None),
        "clip_audio": meta.get("clip_audio"),
        "totals": {"clips": len(clips), "cost_usd": cost, "duration_s": meta.get("duration_s"),
                   "clip_seconds": round(sum(c["duration_s"] or 0.0 for c in clips), 3)},
        "qc": qc_section(used),
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` as indented UTF-8 JSON, atomically; returns ``path``."""
    atomic_write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path


def _asset(ref: AssetRef | None) -> dict[str, Any] | None:
    return {"id": ref.id, "name": ref.name, "sha256": ref.sha256} if ref else None


def _clip_entry(index: int, clip: ClipMedia, duration: float | None) -> dict[str, Any]:
    return {
        "order": index + 1, "position": clip.position, "clip_id": clip.id, "file": clip.path.name,
        "first_asset": _asset(clip.first_asset), "last_asset": _asset(clip.last_asset),
        "prompt": clip.prompt, "model": clip.model_id, "prediction_id": clip.prediction_id,
        "cost_usd": round(clip.cost_usd, 4), "duration_s": round(duration, 3) if duration is not None else None,
        "qc": clip.qc.get("verdict") if clip.qc else None,
    }


def qc_section(clips: Sequence[ClipMedia]) -> dict[str, Any]:
    """How the clips in the ad fared in quality control: counts by verdict, and each clip's reasons."""
    counts = {"pass": 0, "warn": 0, "fail": 0, "unchecked": 0}
    for clip in clips:
        verdict = clip.qc.get("verdict") if clip.qc else None
        counts[verdict if verdict in counts else "unchecked"] += 1
    return {"summary": counts,
            "clips": [{"position": c.position, "clip_id": c.id, "verdict": c.qc.get("verdict"),
                       "reasons": [{"check": r.get("check"), "verdict": r.get("verdict"), "text": r.get("text")}
                                   for r in c.qc.get("reasons", ())],
                       "first_similarity": c.qc.get("first_similarity"), "last_similarity": c.qc.get("last_similarity"),
                       "seam_similarity": c.qc.get("seam_similarity")}
                      for c in clips if c.qc]}

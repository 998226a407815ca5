"""Exporting a finished ad where the user wants it: copied atomically, hashed on the way, its manifest beside it."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from app.core.atomic import atomic_writer
from app.core.library.store import sha256_file
from app.core.media.combine import CONTAINERS, CombineError
from app.core.media.jobs import JobMedia
from app.core.media.manifest import build_manifest, manifest_path_for, write_manifest

CHUNK = 1024 * 1024


def copy_with_hash(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (temp name, then rename); returns the bytes copied and their sha256.

    Blocking: run it in an executor.
    """
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, atomic_writer(target) as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def export_ad(job: JobMedia, target: Path) -> Path:
    """Copy ``job``'s ad to ``target`` (atomically) and write its manifest beside it; returns the manifest's path.

    Raises ``CombineError`` when the job has no ad yet.
    """
    video = job.output_path
    if video is None or not video.is_file():
        raise CombineError(f"job {job.id} has no combined video yet: combine it first")
    target = target.expanduser().absolute()
    if target.suffix.lower() not in CONTAINERS:
        target = target.with_name(target.name + video.suffix)
    loop = asyncio.get_running_loop()
    size, sha256 = await loop.run_in_executor(None, _copy_or_hash, video, target)
    manifest = build_manifest(job, target, size, sha256)
    return await loop.run_in_executor(None, write_manifest, manifest_path_for(target), manifest)


def _copy_or_hash(video: Path, target: Path) -> tuple[int, str]:
    if video.resolve() == target.resolve():
        return video.stat().st_size, sha256_file(video)
    return copy_with_hash(video, target)

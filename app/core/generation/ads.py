"""A job's ad and deliverables: what they are made of, read from the database, rendered under the job's lease."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import LibraryPaths, SettingsStore
from app.core.db import Database
from app.core.generation import repository as repo
from app.core.generation.combining import Combiner, MissingClips
from app.core.library.service import LibraryService
from app.core.media.combine import CombineOptions, CombineResult
from app.core.media.deliver_options import DeliverOptions
from app.core.media.deliverables import DeliverableResult
from app.core.media.export import export_ad
from app.core.media.jobs import JobMedia
from app.core.media.proxies import ProxyMaker

log = logging.getLogger(__name__)
LeaseHold = Callable[[int], AbstractAsyncContextManager[None]]


class AdMaker:
    """Combines, delivers and exports jobs' ads; ``hold`` holds a job's lease for a final render."""

    def __init__(self, db: Database, library: LibraryService, paths: LibraryPaths, settings: SettingsStore,
                 hold: LeaseHold) -> None:
        self.db = db
        self.library = library
        self.paths = paths
        self._hold = hold
        self._combiner = Combiner(db, paths.share, paths.job_dir, lambda: settings.current, paths.stored)
        self._proxies = ProxyMaker(self.proxy_dir)

    async def combine(self, job_id: int, options: CombineOptions, output: Path | None,
                      on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                      skip_failed: bool) -> CombineResult:
        """Join the job's clips into its ad under its lease (``GenerationService.combine``)."""
        await self.db.read(self._read(job_id))  # an unknown job fails before any lease is taken
        async with self._hold(job_id):
            media, missing = await self.db.read(self._read(job_id))
            if missing and media.clips and not skip_failed:
                raise MissingClips(job_id, missing)
            brand = await self.library.brand_kit(media.campaign_id)
            return await self._combiner.combine(media, options, brand, output, on_progress, cancel, skipped=missing)

    async def deliver(self, job_id: int, options: DeliverOptions, output: Path | None,
                      on_progress: Callable[[float], None] | None,
                      cancel: asyncio.Event | None) -> list[DeliverableResult]:
        """Render the job's deliverables, a draft without the lease (``GenerationService.deliver``)."""
        media, missing = await self.db.read(self._read(job_id))  # an unknown job fails before any lease is taken
        brand = await self.library.brand_kit(media.campaign_id)
        if options.draft:
            if missing and media.clips and not options.skip_failed:
                raise MissingClips(job_id, missing)
            target = output or self.paths.previews / f"draft-job-{job_id}{'.mp4' * (len(options.outputs) == 1)}"
            return await self._combiner.deliver(media, options, brand, target, on_progress, cancel, missing,
                                                cache_dir=self.paths.previews / "drafts", proxy_dir=self.proxy_dir)
        async with self._hold(job_id):
            media, missing = await self.db.read(self._read(job_id))
            if missing and media.clips and not options.skip_failed:
                raise MissingClips(job_id, missing)
            return await self._combiner.deliver(media, options, brand, output, on_progress, cancel, missing)

    async def prepare_drafts(self, job_id: int) -> int:
        """Make the draft proxies the job's clips lack, at idle priority (``GenerationService.prepare_drafts``)."""
        media, _missing = await self.db.read(self._read(job_id))
        return await self._proxies.prepare([clip.path for clip in media.clips])

    async def clip_landed(self, clip: Path) -> None:
        """Make the draft proxy of a clip whose video just landed, so that the job's first draft reads it (a proxy
        that cannot be made is logged: the draft reads the clip itself). Never raises but for a cancel."""
        try:
            await self._proxies.prepare([clip])
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the draft proxy of %s could not be made", clip.name)

    @property
    def proxy_dir(self) -> Path:
        """Where draft proxies are kept: the local cache, beside the drafts."""
        return self.paths.previews / "proxies"

    async def export(self, job_id: int, target: Path) -> Path:
        """Copy the job's ad and its manifest to ``target`` (``GenerationService.export``)."""
        root = self.paths.share
        media = await self.db.read(lambda s: repo.media_source(s, job_id, root))
        return await export_ad(media, target)

    async def aclose(self) -> None:
        """Stop the renders and proxies still being made."""
        await self._combiner.aclose()
        await self._proxies.aclose()

    def _read(self, job_id: int) -> Callable[[Session], tuple[JobMedia, list[repo.MissingClip]]]:
        """The unit of work reading what the job's ad is made of and which clips it lacks."""
        root = self.paths.share

        def read(s: Session) -> tuple[JobMedia, list[repo.MissingClip]]:
            return repo.media_source(s, job_id, root), repo.missing_clips(s, job_id)
        return read

"""Importing files, folders and URLs into a campaign: validated, stored by hash, thumbnailed, featured.

Each input is read once; on a pool of worker threads it is hashed, checked from its header, decoded once at
reduced scale (validation, thumbnail and visual features share that decode) and copied atomically into the
store. Only then is its row inserted, in batches of one transaction each, so a cancel or a crash at any moment
leaves no row without its file (a stored file without a row is harmless: the next import reuses it; an import
that fails removes the files it stored for rows it could not write).

A problem with one input (unreadable, not an image, a malformed address) is that input's outcome and the rest
go on. A full disk is not the inputs' fault: the import stops at the first write that finds no space, keeps
what was done and raises ``ImportStopped`` with the report so far and one message naming the full folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PIL import Image
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Settings
from app.core.db.models import Asset, Campaign, CampaignAsset
from app.core.disk_space import RESERVE_BYTES, NoSpaceError, is_no_space, space_needed
from app.core.domain import ImportOutcome, ImportProgress, ImportReport, ImportResult
from app.core.library.errors import LibraryError
from app.core.library.features import color_histogram, perceptual_hash
from app.core.library.fetch import download, new_client
from app.core.library.images import open_oriented
from app.core.library.sources import ImportItem, expand_sources
from app.core.library.staging import keep_staged, stage_copy
from app.core.library.store import sha256_file
from app.core.library.thumbnails import thumbnail_path, write_thumbnail
from app.core.library.validate import ImportRejected, check_size, decode

if TYPE_CHECKING:
    import httpx

    from app.core.library.service import LibraryService

log = logging.getLogger(__name__)
T = TypeVar("T")

IMPORT_WORKERS = 2  # DESIGN §9: two decoding threads saturate a 2-core machine
BATCH_SIZE = 64  # rows per transaction
BATCH_SECONDS = 0.5  # ...or sooner, so a long import shows its first assets early
DOWNLOADS_AT_ONCE = 4

ProgressCallback = Callable[[ImportProgress], None]


@dataclass(frozen=True, slots=True)
class Prepared:
    """An input read, hashed and (unless its hash is already in the client's library) validated and stored."""

    sha256: str
    size: int
    fmt: str = ""
    width: int = 0
    height: int = 0
    phash: str | None = None
    color_hist: list[float] | None = None

    @property
    def known(self) -> bool:
        """Already an asset of the client: nothing was decoded or stored."""
        return not self.fmt


class ImportStopped(LibraryError):
    """The import stopped before its end for a reason that is no input's fault (the disk is full).

    What was done by then stays imported; ``report`` lists it (inputs not reached have no outcome).
    """

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


class Importer:
    """Imports inputs into one campaign of a library; see ``run``."""

    def __init__(self, library: LibraryService, workers: int = IMPORT_WORKERS) -> None:
        self.library = library
        self.workers = workers

    async def run(self, campaign_id: int | str, sources: Sequence[str], on_progress: ProgressCallback | None = None,
                  cancel: asyncio.Event | None = None) -> ImportReport:
        """Import files, folders (recursively) and http(s) URLs into the campaign.

        ``on_progress`` gets ``ImportProgress(done, total, current)`` after each input; setting ``cancel`` stops
        after the inputs in progress (what is finished by then stays imported). The report lists every input
        handled, in input order, with its result and, when rejected, the reason. Raises ImportStopped when the
        disk fills up (the work done by then is kept and listed in its report).
        """
        campaign = await self.library.get_campaign(campaign_id)
        run = _ImportRun(self.library, campaign.id, campaign.client_id, self.workers, on_progress,
                         cancel or asyncio.Event())
        return await run.execute(sources)


class _ImportRun:
    """The state of one import: queues, the batch waiting for its transaction, outcomes by input index."""

    def __init__(self, library: LibraryService, campaign_id: int, client_id: int, workers: int,
                 on_progress: ProgressCallback | None, cancel: asyncio.Event) -> None:
        self.library = library
        self.settings: Settings = library.settings.current
        self.actor = library.actor  # recorded as the importer of every new asset
        self.campaign_id = campaign_id
        self.client_id = client_id
        self.workers = workers
        self.on_progress = on_progress
        self.cancel = cancel
        self.halt = asyncio.Event()  # stop taking inputs: ``cancel`` was set, or the disk is full
        self.stop = threading.Event()  # ``halt`` as seen from worker threads
        self.no_space: NoSpaceError | None = None  # why the import stopped early, when the disk filled up
        self.created: dict[str, list[Path]] = {}  # files this import wrote into the store and cache, by hash
        self.created_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="pairframe-import")
        self.known: set[str] = set()  # hashes with a committed row for this client
        self.outcomes: dict[int, ImportOutcome] = {}
        self.pending: list[tuple[int, ImportItem, Prepared]] = []
        self.commit_lock = asyncio.Lock()
        self.last_commit = time.monotonic()
        self.total = 0
        self.done = 0

    async def execute(self, sources: Sequence[str]) -> ImportReport:
        loop = asyncio.get_running_loop()
        watcher = asyncio.create_task(self._mirror_cancel())
        items: list[ImportItem] = []
        try:
            items = await loop.run_in_executor(self.pool, expand_sources, list(sources), self.stop)
            walk_cut_short = self.stop.is_set()
            self.total = len(items)
            if self.on_progress is not None:
                self.on_progress(ImportProgress(0, self.total))
            self.known = await self.library.db.read(self._client_hashes)
            files = deque((i, item) for i, item in enumerate(items) if item.url is None)
            urls = deque((i, item) for i, item in enumerate(items) if item.url is not None)
            async with contextlib.AsyncExitStack() as stack:
                client = await stack.enter_async_context(new_client()) if urls else None
                try:
                    async with asyncio.TaskGroup() as group:
                        for _ in range(min(len(files), self.workers * 2)):  # two queued per thread keeps it busy
                            group.create_task(self._consume(files, None))
                        for _ in range(min(len(urls), DOWNLOADS_AT_ONCE)):
                            group.create_task(self._consume(urls, client))
                except* Exception as group_error:  # a failure that is not about one input (e.g. the database)
                    raise group_error.exceptions[0] from None
            await self._commit_or_stop(final=True)
        except BaseException:
            self.pool.shutdown(wait=False, cancel_futures=True)
            await asyncio.to_thread(self.pool.shutdown)  # running jobs finish, so every file they wrote is known
            raise
        finally:
            watcher.cancel()
            self.pool.shutdown(wait=False, cancel_futures=True)
            await self._discard_uncommitted()
        outcomes = tuple(self.outcomes[i] for i in sorted(self.outcomes))
        cut_short = walk_cut_short or (self.cancel.is_set() and len(outcomes) < len(items))
        report = ImportReport(outcomes, canceled=cut_short)
        if self.no_space is not None:
            raise ImportStopped(await asyncio.to_thread(self._stopped_message, items, report), report)
        return report

    async def _mirror_cancel(self) -> None:
        await self.cancel.wait()
        self.halt.set()
        self.stop.set()

    def _stop_for(self, full: NoSpaceError) -> None:
        """Take no more inputs: the disk is full (the first such error is the one reported)."""
        log.warning("import stopped: %s", full)
        if self.no_space is None:
            self.no_space = full
        self.halt.set()
        self.stop.set()

    def _stopped_message(self, items: list[ImportItem], report: ImportReport) -> str:
        """Worker thread: the one message of an import the disk stopped, with the space its remaining inputs need."""
        assert self.no_space is not None
        left = [item for index, item in enumerate(items) if index not in self.outcomes]
        needed = RESERVE_BYTES
        for item in left:
            with contextlib.suppress(OSError):
                needed += item.path.stat().st_size if item.path is not None and not item.problem else 0
        kept = sum(1 for o in report.outcomes if o.result is not ImportResult.REJECTED)
        folder = self.no_space.folder
        inputs = "input" if len(left) == 1 else "inputs"
        return (f"not enough disk space in {folder}: the import stopped with {len(left)} {inputs} left, which need "
                f"{space_needed(folder, needed)}. Free up space and import again: the {kept} already imported "
                f"stay.")

    async def _commit_or_stop(self, *, final: bool = False) -> None:
        """Commit pending rows; a database that finds the disk full stops the import instead of failing it."""
        try:
            await self._commit(final=final)
        except Exception as exc:
            if not is_no_space(exc, self.library.paths.root):
                raise
            self._stop_for(NoSpaceError(self.library.paths.root))

    def _record_created(self, sha: str, paths: list[Path]) -> None:
        if paths:
            with self.created_lock:
                self.created.setdefault(sha, []).extend(paths)

    async def _discard_uncommitted(self) -> None:
        """Remove the files this import stored whose rows were never written (the import failed or stopped
        before their batch), unless some row of the library uses them."""
        orphans = {sha: paths for sha, paths in self.created.items() if sha not in self.known}
        if not orphans:
            return
        try:
            used = set(await self.library.db.run(lambda s: set(s.scalars(
                select(Asset.sha256).where(Asset.sha256.in_(list(orphans)))))))
        except Exception as exc:  # a broken or full database: keeping a file without a row is harmless
            log.warning("stored files without rows are kept: %s", exc)
            return
        for sha, paths in orphans.items():
            if sha not in used:
                for path in paths:
                    path.unlink(missing_ok=True)

    def _client_hashes(self, s: Session) -> set[str]:
        return set(s.scalars(select(Asset.sha256).where(Asset.client_id == self.client_id)))

    # ---- per input ---------------------------------------------------------------------------------
    async def _consume(self, queue: deque[tuple[int, ImportItem]], client: httpx.AsyncClient | None) -> None:
        while queue and not self.halt.is_set():
            index, item = queue.popleft()
            try:
                prepared = await self._prepare(item, client)
            except ImportRejected as exc:
                self.outcomes[index] = ImportOutcome(item.source, ImportResult.REJECTED, str(exc))
            except NoSpaceError as exc:  # not this input's fault: it stays without an outcome
                self._stop_for(exc)
                return
            else:
                if prepared is None:  # canceled mid-download
                    return
                self.pending.append((index, item, prepared))
            self.done += 1
            if self.on_progress is not None:
                self.on_progress(ImportProgress(self.done, self.total, item.source))
            if len(self.pending) >= BATCH_SIZE or time.monotonic() - self.last_commit >= BATCH_SECONDS:
                await self._commit_or_stop()

    async def _prepare(self, item: ImportItem, client: httpx.AsyncClient | None) -> Prepared | None:
        loop = asyncio.get_running_loop()
        if item.problem:
            raise ImportRejected(item.problem)
        if item.path is not None:
            return await loop.run_in_executor(self.pool, self._take_file, item.path, item.name)
        assert client is not None and item.url is not None
        fetched = await self._unless_canceled(download(
            client, item.url, self.library.paths.store, max_bytes=self.settings.url_max_bytes,
            timeout_s=self.settings.url_timeout_s))
        if fetched is None:
            return None
        try:
            return await loop.run_in_executor(self.pool, self._examine, fetched.path, item.name)
        finally:
            fetched.path.unlink(missing_ok=True)

    async def _unless_canceled(self, work: Coroutine[Any, Any, T]) -> T | None:
        """``work``'s result, or None when the import is halted first (``work`` is then canceled)."""
        task = asyncio.ensure_future(work)
        waiter = asyncio.ensure_future(self.halt.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return None if task.cancelled() else task.result()

    def _take_file(self, path: Path, name: str) -> Prepared:
        """Worker thread: stage a copy of a local file in the store, then examine it."""
        return self._examine(stage_copy(path, self.library.store.root, self.settings.import_max_bytes), name)

    def _examine(self, staged: Path, name: str) -> Prepared:
        """Worker thread: hash the staged file; if new to the client, validate it, keep it in the store under
        its hash (without trailing data after the image), write its thumbnail and compute its features. The
        staged file never outlives this call; the stored hash is always the hash of the stored bytes."""
        settings = self.settings
        try:
            size = staged.stat().st_size
            check_size(size, settings.import_max_bytes)
            sha = sha256_file(staged)
            if sha in self.known:
                return Prepared(sha, size)
            decoded = decode(staged, name, settings.import_max_pixels, settings.thumbnail_px)
            if decoded.length < size:  # trailing data after the image is not kept
                os.truncate(staged, decoded.length)
                size, sha = decoded.length, sha256_file(staged)
                if sha in self.known:
                    return Prepared(sha, size)
            self._store(staged, sha, decoded.fmt, decoded.image)
            return Prepared(sha, size, decoded.fmt, decoded.width, decoded.height,
                            perceptual_hash(decoded.image), color_histogram(decoded.image))
        finally:
            staged.unlink(missing_ok=True)

    def _store(self, staged: Path, sha: str, fmt: str, small: Image.Image) -> None:
        """Worker thread: move the staged file into the store and write the thumbnail, remembering what was new.
        A full disk raises NoSpaceError; another write error rejects the input."""
        created: list[Path] = []
        try:
            target = self.library.store.path_for(sha, fmt)
            if keep_staged(staged, target):
                created.append(target)
            thumb = thumbnail_path(self.library.paths.thumbs, sha)
            if not thumb.is_file():
                write_thumbnail(small, thumb, self.settings.thumbnail_px)
                created.append(thumb)
        except OSError as exc:
            raise ImportRejected(f"could not be saved into the library ({exc.strerror or exc})") from None
        finally:
            self._record_created(sha, created)

    # ---- rows --------------------------------------------------------------------------------------
    async def _commit(self, *, final: bool = False) -> None:
        """Insert the prepared inputs' rows: one transaction per batch of at most BATCH_SIZE."""
        async with self.commit_lock:
            while self.pending:
                batch, self.pending = self.pending[:BATCH_SIZE], self.pending[BATCH_SIZE:]
                results = await self.library.db.run(lambda s, b=batch: self._insert(s, b))
                for index, outcome in results:
                    self.outcomes[index] = outcome
                self.known.update(p.sha256 for _, _, p in batch)
                self.last_commit = time.monotonic()
                if not final:
                    break

    def _insert(self, s: Session, batch: list[tuple[int, ImportItem, Prepared]]) -> list[tuple[int, ImportOutcome]]:
        if s.get(Campaign, self.campaign_id) is None:
            raise LibraryError("the campaign was deleted during the import")
        hashes = list({p.sha256 for _, _, p in batch})
        existing: dict[str, int] = dict(s.execute(select(Asset.sha256, Asset.id).where(
            Asset.client_id == self.client_id, Asset.sha256.in_(hashes))).all())
        in_campaign = set(s.scalars(select(CampaignAsset.asset_id).where(
            CampaignAsset.campaign_id == self.campaign_id, CampaignAsset.asset_id.in_(list(existing.values())))))
        results: list[tuple[int, ImportOutcome]] = []
        for index, item, prep in sorted(batch, key=lambda entry: entry[0]):  # a batch is inserted in input order
            asset_id = existing.get(prep.sha256)
            if asset_id is None and prep.known:
                outcome = ImportOutcome(item.source, ImportResult.REJECTED,
                                        "removed from the library during the import: import it again")
            elif asset_id is None and not self.library.store.path_for(prep.sha256, prep.fmt).is_file():
                # A deletion of the same bytes removed the stored copy after it was staged (DESIGN §3: no row
                # may point to a missing file). Checked here, on the database thread, where deletions also run.
                outcome = ImportOutcome(item.source, ImportResult.REJECTED,
                                        "its stored copy was deleted during the import: import it again")
            elif asset_id is None and (new_id := self._insert_asset(s, item, prep)) is not None:
                existing[prep.sha256] = new_id
                in_campaign.add(new_id)
                outcome = ImportOutcome(item.source, ImportResult.IMPORTED, asset_id=new_id)
            elif asset_id is None:  # another process committed the same bytes first: use its asset
                asset_id = existing[prep.sha256] = self._asset_id(s, prep.sha256)
                outcome = self._link(s, item, asset_id, in_campaign)
            else:
                outcome = self._link(s, item, asset_id, in_campaign)
            results.append((index, outcome))
        return results

    def _insert_asset(self, s: Session, item: ImportItem, prep: Prepared) -> int | None:
        """Add the asset and its campaign link; None when the same bytes won a race from another process.

        A write transaction here holds SQLite's write lock from its first read, so the race cannot happen there;
        PostgreSQL runs two such transactions at once: the second insert of the same bytes waits for the first
        transaction, and when that commits, the savepoint turns the loser's unique violation into a link to the
        winner's asset (a deadlock between two batches is run again whole by ``Database.write_sync``).
        """
        row = Asset(client_id=self.client_id, sha256=prep.sha256, original_name=item.name,
                    source=_recorded_source(item), format=prep.fmt, width=prep.width, height=prep.height,
                    bytes=prep.size, phash=prep.phash, color_hist=prep.color_hist, imported_by=self.actor)
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
                s.add(CampaignAsset(campaign_id=self.campaign_id, asset_id=row.id))
                s.flush()
        except IntegrityError:
            return None
        return row.id

    def _asset_id(self, s: Session, sha256: str) -> int:
        return s.execute(select(Asset.id).where(Asset.client_id == self.client_id, Asset.sha256 == sha256)).scalar_one()

    def _link(self, s: Session, item: ImportItem, asset_id: int, in_campaign: set[int]) -> ImportOutcome:
        """The outcome of bytes the client's library already has: linked to this campaign, or a duplicate."""
        if asset_id in in_campaign or s.get(CampaignAsset, (self.campaign_id, asset_id)) is not None:
            in_campaign.add(asset_id)
            return ImportOutcome(item.source, ImportResult.DUPLICATE, "already in this campaign", asset_id)
        try:
            with s.begin_nested():
                s.add(CampaignAsset(campaign_id=self.campaign_id, asset_id=asset_id))
                s.flush()
        except IntegrityError:  # linked by another process at the same moment
            in_campaign.add(asset_id)
            return ImportOutcome(item.source, ImportResult.DUPLICATE, "already in this campaign", asset_id)
        in_campaign.add(asset_id)
        return ImportOutcome(item.source, ImportResult.LINKED,
                             "already in the client's library: now also in this campaign", asset_id)


def _recorded_source(item: ImportItem) -> str:
    """Where an asset came from: its URL, or the absolute path of its file."""
    if item.url:
        return item.url
    return str(item.path.absolute()) if item.path else item.source


async def backfill_features(library: LibraryService, workers: int = IMPORT_WORKERS) -> int:
    """Compute the perceptual hash and colour histogram of assets that lack them; returns how many were filled.

    Assets whose original is missing from the store are left as they are (and logged).
    """
    rows: list[tuple[int, str, str]] = await library.db.read(lambda s: [tuple(r) for r in s.execute(
        select(Asset.id, Asset.sha256, Asset.format).where(or_(Asset.phash.is_(None), Asset.color_hist.is_(None)))
        .order_by(Asset.id))])
    size = library.settings.current.thumbnail_px

    def features(sha: str, fmt: str) -> tuple[str, list[float]] | None:
        path = library.store.path_for(sha, fmt)
        try:
            img = open_oriented(path, size)
        except Exception as exc:  # missing or unreadable original: nothing to compute from
            log.warning("no features for %s: %s", path.name, exc)
            return None
        return perceptual_hash(img), color_histogram(img)

    loop = asyncio.get_running_loop()
    filled = 0
    with ThreadPoolExecutor(workers, thread_name_prefix="pairframe-features") as pool:
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start:start + BATCH_SIZE]
            found = await asyncio.gather(*(loop.run_in_executor(pool, features, sha, fmt) for _, sha, fmt in chunk))
            values = {asset_id: f for (asset_id, _, _), f in zip(chunk, found, strict=True) if f is not None}

            def save(s: Session, values: dict[int, tuple[str, list[float]]] = values) -> None:
                for row in s.scalars(select(Asset).where(Asset.id.in_(list(values)))):
                    row.phash, row.color_hist = values[row.id]
            await library.db.run(save)
            filled += len(values)
    return filled


__all__ = ["IMPORT_WORKERS", "ImportStopped", "Importer", "Prepared", "backfill_features"]
